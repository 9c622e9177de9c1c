package web_test

import (
	"fmt"
	"html"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/rules"
)

// A trigger loop the engine stopped shows on the triggers page and in the
// ticket's history, in English and Polish.
func TestTriggerLoopShown(t *testing.T) {
	e := newEnv(t, "")
	n := rules.MaxPasses + 2
	tag := func(i int) string { return fmt.Sprintf("step%d", i) }
	for i := n; i >= 1; i-- {
		title := fmt.Sprintf("Chain %d", i)
		if _, err := e.app.Rules.CreateTrigger(e.sys, rules.TriggerInput{Title: &title,
			Conditions: &rules.Conditions{All: []rules.Condition{{Field: "current_tags", Operator: "includes", Value: tag(i - 1)}}},
			Actions:    &[]rules.Action{{Field: "current_tags", Value: tag(i)}}}); err != nil {
			t.Fatal(err)
		}
	}
	ad := e.client()
	ad.signIn("/agent/signin", e.admin.Email)
	if r := ad.get("/agent/admin/triggers"); strings.Contains(r.Body, "Recent trigger loops") {
		t.Fatal("a loop notice before any loop")
	}
	tk := e.ticketFor(e.customer, "Loop", "Start", tag(0))
	titles := fmt.Sprintf("Chain %d, Chain %d", rules.MaxPasses, rules.MaxPasses+1)
	for _, c := range []struct{ lang, heading, item, history string }{
		{"en", "Recent trigger loops", "stopped after 10 passes; triggers still firing: " + titles, "Triggers stopped after 10 passes (a loop): " + titles},
		{"pl", "Ostatnie pętle wyzwalaczy", "zatrzymano po 10 przebiegach; wciąż uruchamiane wyzwalacze: " + titles, "Wyzwalacze zatrzymane po 10 przebiegach (pętla): " + titles},
	} {
		r := ad.get("/agent/admin/triggers", "Accept-Language", c.lang)
		body := html.UnescapeString(r.Body)
		if r.Status != 200 || !strings.Contains(body, c.heading) || !strings.Contains(body, c.item) || !strings.Contains(body, fmt.Sprintf(`href="/agent/tickets/%d"`, tk.ID)) {
			t.Errorf("%s triggers page: %d, no loop notice", c.lang, r.Status)
		}
		r = ad.get(fmt.Sprintf("/agent/tickets/%d", tk.ID), "Accept-Language", c.lang)
		if body := html.UnescapeString(r.Body); !strings.Contains(body, c.history) {
			t.Errorf("%s ticket history lacks the loop", c.lang)
		}
	}
}
