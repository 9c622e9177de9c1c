package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/rules"
)

// nudge is an automation that matches every open ticket not tagged
// "nudged" right away (hours since created > 0) and tags it. It is
// inactive, so the server's hourly job (which may run at any moment of a
// test) leaves it alone; a preview still shows what it would do.
func nudge(t *testing.T, e *env, title string) *rules.Automation {
	t.Helper()
	off := false
	a, err := e.app.Rules.CreateAutomation(e.sys, rules.AutomationInput{Title: &title, Active: &off,
		Conditions: &rules.Conditions{All: []rules.Condition{{Field: "hours_since_created", Operator: "greater_than", Value: 0},
			{Field: "current_tags", Operator: "not_includes", Value: "nudged"}}},
		Actions: &[]rules.Action{{Field: "current_tags", Value: "nudged"}}})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// before says whether a appears before b in body (both must appear).
func before(body, a, b string) bool {
	i, j := strings.Index(body, a), strings.Index(body, b)
	return i >= 0 && j >= 0 && i < j
}

func redirected(r resp) bool { return r.Status == http.StatusSeeOther || r.Status == http.StatusFound }

// Automations are reordered from their list with plain forms (move up,
// move down) and the order survives a reload; a stored automation
// previews the tickets it would act on now without changing them; only
// those with manage_business_rules get in.
func TestAdminAutomationOrderAndPreview(t *testing.T) {
	for name, u := range stores(t) {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, u)
			ad := e.client()
			ad.signIn("/agent/signin", e.admin.Email)
			a, b := nudge(t, e, "Nudge alpha"), nudge(t, e, "Nudge bravo")
			page := ad.get("/agent/admin/automations")
			if !before(page.Body, "Nudge alpha", "Nudge bravo") || !strings.Contains(page.Body, fmt.Sprintf(`action="/agent/admin/automations/%d/move"`, b.ID)) {
				t.Fatalf("list: no move forms or wrong order")
			}
			if r := ad.post(fmt.Sprintf("/agent/admin/automations/%d/move", b.ID), url.Values{"direction": {"up"}}); !redirected(r) {
				t.Fatalf("move: %d %s", r.Status, r.Body)
			}
			list, err := e.app.Rules.ListAutomations(e.sys, nil, "")
			if err != nil || len(list) != 2 || list[0].ID != b.ID {
				t.Fatalf("stored order after moving bravo up: %+v %v", list, err)
			}
			if page := ad.get("/agent/admin/automations"); !before(page.Body, "Nudge bravo", "Nudge alpha") {
				t.Errorf("reloaded list is not in the new order")
			}
			ad.post(fmt.Sprintf("/agent/admin/automations/%d/move", b.ID), url.Values{"direction": {"down"}})
			if page := ad.get("/agent/admin/automations"); !before(page.Body, "Nudge alpha", "Nudge bravo") {
				t.Errorf("moving bravo down did not put it back")
			}
			if r := ad.post("/agent/admin/automations/424242/move", url.Values{"direction": {"up"}}); r.Status != http.StatusNotFound {
				t.Errorf("moving an unknown automation: %d", r.Status)
			}

			// Preview: two open tickets match, one already tagged does not.
			t1 := e.ticketFor(e.customer, "First", "one")
			t2 := e.ticketFor(e.customer, "Second", "two")
			e.ticketFor(e.customer, "Done", "three", "nudged")
			r := ad.get(fmt.Sprintf("/agent/admin/automations/%d?preview=1", a.ID))
			if r.Status != http.StatusOK || !strings.Contains(r.Body, "Would act on 2 tickets now.") ||
				!strings.Contains(r.Body, fmt.Sprintf(`href="/agent/tickets/%d"`, t1.ID)) || !strings.Contains(r.Body, fmt.Sprintf(`href="/agent/tickets/%d"`, t2.ID)) {
				t.Fatalf("preview: %d %s", r.Status, r.Body)
			}
			if r := ad.get(fmt.Sprintf("/agent/admin/automations/%d", a.ID)); strings.Contains(r.Body, `id="rule-preview"`) {
				t.Errorf("the edit page runs the preview unasked")
			}
			if got, err := e.app.Tickets.Get(e.sys, t1.ID); err != nil || len(got.Tags) != 0 {
				t.Errorf("the preview changed a ticket: %v %v", got.Tags, err)
			}
			pl := ad.get(fmt.Sprintf("/agent/admin/automations/%d?preview=1", a.ID), "Accept-Language", "pl")
			if !strings.Contains(pl.Body, "Zadziałałaby teraz na 2 zgłoszeniach.") {
				t.Errorf("Polish preview: %s", pl.Body)
			}

			ag := e.client()
			ag.signIn("/agent/signin", e.agent.Email)
			for _, p := range []string{fmt.Sprintf("/agent/admin/automations/%d?preview=1", a.ID), "/agent/admin/automations"} {
				if r := ag.get(p); r.Status != http.StatusForbidden {
					t.Errorf("agent GET %s: %d", p, r.Status)
				}
			}
			ag.get("/agent")
			if r := ag.post(fmt.Sprintf("/agent/admin/automations/%d/move", a.ID), url.Values{"direction": {"down"}}); r.Status != http.StatusForbidden {
				t.Errorf("agent moves an automation: %d", r.Status)
			}
			if list, _ := e.app.Rules.ListAutomations(e.sys, nil, ""); list[0].ID != a.ID {
				t.Errorf("a refused move changed the order")
			}
		})
	}
}

// Trigger categories: create, rename, reorder, refuse to delete one that
// holds triggers (with the reason), delete an empty one; the trigger form
// offers the categories and the trigger list is grouped by them; moving a
// trigger moves it within its category.
func TestAdminTriggerCategories(t *testing.T) {
	for name, u := range stores(t) {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, u)
			ad := e.client()
			ad.signIn("/agent/signin", e.admin.Email)
			const page = "/agent/admin/trigger-categories"
			if r := ad.get(page); r.Status != http.StatusOK || !strings.Contains(r.Body, "<h1>Trigger categories</h1>") {
				t.Fatalf("page: %d", r.Status)
			}
			for _, n := range []string{"Routing", "Notifications <script>alert(1)</script>"} {
				if r := ad.post(page, url.Values{"name": {n}}); !redirected(r) {
					t.Fatalf("create %q: %d %s", n, r.Status, r.Body)
				}
			}
			cats, err := e.app.Rules.ListCategories(e.sys)
			if err != nil || len(cats) != 2 || cats[0].Name != "Routing" {
				t.Fatalf("stored %+v %v", cats, err)
			}
			routing, notes := cats[0], cats[1]
			body := ad.get(page).Body
			if strings.Contains(body, "<script>alert(1)") || !strings.Contains(body, "Notifications &lt;script&gt;") {
				t.Errorf("a hostile name is not escaped")
			}
			// Blank name: 422, the row marked, nothing changed.
			r := ad.post(page+"/"+routing.ID, url.Values{"name": {"   "}})
			if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="category-error-`+routing.ID+`"`) {
				t.Errorf("blank rename: %d", r.Status)
			}
			r = ad.post(page, url.Values{"name": {strings.Repeat("x", 300)}})
			if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="category-new-error"`) {
				t.Errorf("overlong new name: %d", r.Status)
			}
			if r := ad.post(page+"/"+routing.ID, url.Values{"name": {"Routing rules"}}); !redirected(r) {
				t.Fatalf("rename: %d %s", r.Status, r.Body)
			}
			if r := ad.post(page+"/"+notes.ID+"/move", url.Values{"direction": {"up"}}); !redirected(r) {
				t.Fatalf("move: %d", r.Status)
			}
			cats, _ = e.app.Rules.ListCategories(e.sys)
			if len(cats) != 2 || cats[0].ID != notes.ID || cats[1].Name != "Routing rules" {
				t.Fatalf("after rename and move: %+v", cats)
			}
			for _, p := range []string{page + "/424242", page + "/424242/move", page + "/424242/delete", page + "/x/delete"} {
				if r := ad.post(p, url.Values{"name": {"x"}, "direction": {"up"}}); r.Status != http.StatusNotFound {
					t.Errorf("POST %s: %d, want 404", p, r.Status)
				}
			}

			// The trigger form offers the categories; a trigger saved in one
			// is listed under it.
			nf := ad.get("/agent/admin/triggers/new")
			if !strings.Contains(nf.Body, `<select id="rule-category" name="category_id">`) || !strings.Contains(nf.Body, `value="`+routing.ID+`"`) {
				t.Fatalf("the trigger form has no category select")
			}
			save := func(title, cat string) int64 {
				t.Helper()
				r := ad.post("/agent/admin/triggers/new", url.Values{"title": {title}, "active": {"1"}, "category_id": {cat},
					"all_field": {"status"}, "all_operator": {"is"}, "all_value": {"hold"}, "action_field": {"priority"}, "action_value": {"low"}})
				if !redirected(r) {
					t.Fatalf("save trigger: %d %s", r.Status, r.Body)
				}
				list, err := e.app.Rules.ListTriggers(e.sys, rules.TriggerFilter{Query: title})
				if err != nil || len(list) != 1 {
					t.Fatalf("stored %v %v", list, err)
				}
				return list[0].ID
			}
			r1 := save("Route one", routing.ID)
			save("Loose", "")
			r2 := save("Route two", routing.ID)
			if tr, _ := e.app.Rules.GetTrigger(e.sys, r1); tr.CategoryID == nil || *tr.CategoryID != routing.ID {
				t.Errorf("category not stored: %v", tr.CategoryID)
			}
			if r := ad.get(fmt.Sprintf("/agent/admin/triggers/%d", r1)); !strings.Contains(r.Body, `value="`+routing.ID+`" selected`) {
				t.Errorf("the edit page does not select the trigger's category")
			}
			ad.get("/agent/admin/triggers/new")
			if r := ad.post("/agent/admin/triggers/new", url.Values{"title": {"Bad cat"}, "category_id": {"99999"},
				"all_field": {"status"}, "all_operator": {"is"}, "all_value": {"hold"}, "action_field": {"priority"}, "action_value": {"low"}}); r.Status != http.StatusUnprocessableEntity {
				t.Errorf("unknown category: %d", r.Status)
			}
			list := ad.get("/agent/admin/triggers").Body
			// Categories in order (Notifications, Routing rules), the
			// uncategorized last; each trigger under its heading.
			if !before(list, "Notifications &lt;script&gt;", "Routing rules") || !before(list, "Routing rules", "Route one") ||
				!before(list, "Route two", "No category") || !before(list, "No category", "Loose") {
				t.Errorf("triggers not grouped by category")
			}
			// Moving Route two up skips Loose (another category).
			ad.post(fmt.Sprintf("/agent/admin/triggers/%d/move", r2), url.Values{"direction": {"up"}})
			if list := ad.get("/agent/admin/triggers").Body; !before(list, "Route two", "Route one") {
				t.Errorf("move within the category did not take")
			}

			// A category with triggers is not deleted; the page says why.
			ad.get(page)
			r = ad.post(page+"/"+routing.ID+"/delete", nil)
			if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "The category “Routing rules” still holds triggers") {
				t.Errorf("delete a category with triggers: %d %s", r.Status, r.Body)
			}
			pl := ad.post(page+"/"+routing.ID+"/delete", nil, "Accept-Language", "pl")
			if !strings.Contains(pl.Body, "W kategorii „Routing rules” wciąż są wyzwalacze") {
				t.Errorf("Polish refusal: %s", pl.Body)
			}
			if _, err := e.app.Rules.GetCategory(e.sys, mustInt(t, routing.ID)); err != nil {
				t.Errorf("the refused delete removed it: %v", err)
			}
			if r := ad.post(page+"/"+notes.ID+"/delete", nil); !redirected(r) {
				t.Errorf("delete empty: %d", r.Status)
			}
			if cats, _ := e.app.Rules.ListCategories(e.sys); len(cats) != 1 {
				t.Errorf("after delete: %+v", cats)
			}

			// Without manage_business_rules: refused, nothing changes.
			ag := e.client()
			ag.signIn("/agent/signin", e.agent.Email)
			if r := ag.get(page); r.Status != http.StatusForbidden {
				t.Errorf("agent sees categories: %d", r.Status)
			}
			ag.get("/agent")
			for _, p := range []string{page, page + "/" + routing.ID, page + "/" + routing.ID + "/move", page + "/" + routing.ID + "/delete"} {
				if r := ag.post(p, url.Values{"name": {"Hijack"}, "direction": {"up"}}); r.Status != http.StatusForbidden {
					t.Errorf("agent POST %s: %d", p, r.Status)
				}
			}
			if cats, _ := e.app.Rules.ListCategories(e.sys); len(cats) != 1 || cats[0].Name != "Routing rules" {
				t.Errorf("refused calls changed categories: %+v", cats)
			}

			// An agent whose custom role grants manage_business_rules gets in.
			rname := "Rule keepers"
			role, err := e.app.People.CreateCustomRole(e.sys, people.CustomRoleInput{Name: &rname, Configuration: map[string]json.RawMessage{
				"manage_business_rules": json.RawMessage(`true`)}})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.app.People.UpdateUser(e.sys, e.agent2.ID, people.UserInput{CustomRoleID: &role.ID}); err != nil {
				t.Fatal(err)
			}
			keeper := e.client()
			keeper.signIn("/agent/signin", e.agent2.Email)
			if r := keeper.get(page); r.Status != http.StatusOK {
				t.Fatalf("agent with manage_business_rules: %d", r.Status)
			}
			if r := keeper.post(page+"/"+routing.ID, url.Values{"name": {"Kept"}}); !redirected(r) {
				t.Errorf("agent with manage_business_rules renames: %d", r.Status)
			}
			if c, _ := e.app.Rules.GetCategory(e.sys, mustInt(t, routing.ID)); c == nil || c.Name != "Kept" {
				t.Errorf("rename by the rule keeper: %+v", c)
			}
		})
	}
}

func mustInt(t *testing.T, s string) int64 {
	t.Helper()
	var n int64
	if _, err := fmt.Sscan(s, &n); err != nil {
		t.Fatal(err)
	}
	return n
}

// The view editor counts the tickets its conditions match now, without
// saving anything.
func TestViewEditorPreviewCount(t *testing.T) {
	e := newEnv(t, "")
	ag := e.client()
	ag.signIn("/agent/signin", e.agent.Email)
	e.ticketFor(e.customer, "One", "a", "printer")
	e.ticketFor(e.customer, "Two", "b", "printer")
	e.ticketFor(e.customer, "Three", "c")
	ag.get("/agent/manage/views/new")
	form := url.Values{"title": {"Printers"}, "restrict": {"me"}, "all_rows": {"2"},
		"all_0_field": {"current_tags"}, "all_0_op": {"includes"}, "all_0_value": {"printer"}, "columns": {"subject"}, "action": {"preview"}}
	r := ag.post("/agent/manage/views/new", form)
	if r.Status != http.StatusOK || !strings.Contains(r.Body, `id="view-preview"`) || !strings.Contains(r.Body, "2 tickets match these conditions now.") {
		t.Fatalf("preview: %d %s", r.Status, r.Body)
	}
	if !strings.Contains(r.Body, `value="Printers"`) {
		t.Errorf("the preview lost the form")
	}
	if r := ag.get("/agent/manage/views"); r.Status != http.StatusOK || strings.Contains(r.Body, "Printers") {
		t.Errorf("the preview saved a view: %d", r.Status)
	}
	form.Set("all_0_field", "nope")
	if r := ag.post("/agent/manage/views/new", form); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("preview of bad conditions: %d", r.Status)
	}
}
