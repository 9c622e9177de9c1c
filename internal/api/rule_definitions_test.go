package api

import (
	"context"
	"testing"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/locale"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// The definitions of triggers, automations and SLA policies are titled in
// the caller's language, from the catalogue the admin pages use.
func TestRuleDefinitionsInCallersLanguage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		find := func(list []any, subject string) map[string]any {
			for _, d := range list {
				if m := d.(map[string]any); m["subject"] == subject {
					return m
				}
			}
			t.Fatalf("no definition of %s in %v", subject, list)
			return nil
		}
		opTitle := func(d map[string]any, op string) any {
			for _, o := range d["operators"].([]any) {
				if m := o.(map[string]any); m["value"] == op {
					return m["title"]
				}
			}
			return nil
		}
		check := func(lang string) {
			t.Helper()
			p := locale.Default().Printer(lang, nil)
			for _, path := range []string{"/api/v2/triggers/definitions", "/api/v2/automations/definitions"} {
				code, got := a.do(t, a.Admin, "GET", path, nil)
				if code != 200 {
					t.Fatalf("%s: %d", path, code)
				}
				defs := got["definitions"].(map[string]any)
				status := find(defs["conditions_all"].([]any), "status")
				if status["title"] != p.T("rules.cond.status") || opTitle(status, "less_than") != p.T("rules.op_less_than") {
					t.Errorf("%s (%s) status: %v", path, lang, status)
				}
				if grp := find(defs["actions"].([]any), "group_id"); grp["title"] != p.T("rules.act.group_id") {
					t.Errorf("%s (%s) group action: %v", path, lang, grp)
				}
			}
			code, got := a.do(t, a.Admin, "GET", "/api/v2/slas/policies/definitions", nil)
			if code != 200 {
				t.Fatalf("sla definitions: %d", code)
			}
			prio := find(got["definitions"].(map[string]any)["all"].([]any), "priority")
			if prio["title"] != p.T("rules.cond.priority") {
				t.Errorf("sla definitions (%s) priority: %v", lang, prio)
			}
		}
		check("en")
		if p := locale.Default().Printer("pl", nil); p.T("rules.op_less_than") == locale.Default().Printer("en", nil).T("rules.op_less_than") {
			t.Fatal("the Polish catalogue has the English operator title")
		}
		sys := desk.SystemContext(context.Background())
		if _, err := a.srv.People.UpdateUser(sys, a.Admin.ID, people.UserInput{Locale: ptrTo("pl")}); err != nil {
			t.Fatal(err)
		}
		check("pl")
		// Polish for real, not only whatever the catalogue says.
		_, got := a.do(t, a.Admin, "GET", "/api/v2/triggers/definitions", nil)
		defs := got["definitions"].(map[string]any)
		if s := find(defs["conditions_all"].([]any), "status"); opTitle(s, "less_than") != "mniejsze niż" {
			t.Errorf("Polish less_than: %v", opTitle(s, "less_than"))
		}
		if g := find(defs["actions"].([]any), "group_id"); g["title"] != "Grupa" {
			t.Errorf("Polish group action: %v", g["title"])
		}
	})
}
