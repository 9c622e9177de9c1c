package web_test

import (
	"fmt"
	"html"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/rules"
)

// The dry run page shows the passes of a chain and the values after them,
// in English and Polish, changes nothing, and refuses bad input clearly.
func TestTriggerDryRunPage(t *testing.T) {
	e := newEnv(t, "")
	tk := e.ticketFor(e.customer, "Dry", "Start", "start")
	mk := func(title, tag string, action rules.Action) {
		if _, err := e.app.Rules.CreateTrigger(e.sys, rules.TriggerInput{Title: &title,
			Conditions: &rules.Conditions{All: []rules.Condition{{Field: "current_tags", Operator: "includes", Value: tag}}},
			Actions:    &[]rules.Action{action}}); err != nil {
			t.Fatal(err)
		}
	}
	mk("Second <b>", "triaged", rules.Action{Field: "priority", Value: "urgent"})
	mk("First", "start", rules.Action{Field: "current_tags", Value: "triaged"})
	ad := e.client()
	ad.signIn("/agent/signin", e.admin.Email)
	if r := ad.get("/agent/admin/triggers"); !strings.Contains(r.Body, `href="/agent/admin/triggers/dry-run"`) {
		t.Fatal("the triggers page has no link to the dry run")
	}
	page := fmt.Sprintf("/agent/admin/triggers/dry-run?ticket_id=%d", tk.ID)
	for _, c := range []struct{ lang, pass1, pass2, prio string }{
		{"en", "Pass 1:", "Pass 2:", "Urgent"},
		{"pl", "Przebieg 1:", "Przebieg 2:", "Pilny"},
	} {
		r := ad.get(page, "Accept-Language", c.lang)
		body := html.UnescapeString(r.Body)
		i1, i2 := strings.Index(body, c.pass1), strings.Index(body, c.pass2)
		if r.Status != 200 || i1 < 0 || i2 < i1 || !strings.Contains(body[i1:i2], "First") || !strings.Contains(body[i2:], "Second <b>") {
			t.Fatalf("%s: %d, passes not shown", c.lang, r.Status)
		}
		if strings.Contains(r.Body, "Second <b>") {
			t.Fatalf("%s: a trigger title is not escaped", c.lang)
		}
		if !strings.Contains(body, c.prio) || !strings.Contains(body, "start triaged") {
			t.Errorf("%s: final values missing", c.lang)
		}
	}
	after, err := e.app.Tickets.Get(e.sys, tk.ID)
	if err != nil || after.Version != tk.Version || after.Priority != nil {
		t.Fatalf("the dry run changed the ticket: %+v %v", after, err)
	}
	for _, c := range []struct {
		q    string
		code int
	}{{"abc", 422}, {"-1", 422}, {"987654", 404}, {"1%27%20OR%201=1", 422}} {
		if r := ad.get("/agent/admin/triggers/dry-run?ticket_id="+c.q, "Accept-Language", "en"); r.Status != c.code {
			t.Errorf("ticket_id=%s: %d, want %d", c.q, r.Status, c.code)
		}
	}
	ag := e.client()
	ag.signIn("/agent/signin", e.agent.Email)
	if r := ag.get(page); r.Status == 200 && strings.Contains(r.Body, "Pass 1:") {
		t.Fatal("an agent without manage_business_rules ran the dry run")
	}
}
