package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/rules"
)

// ruleFixtures makes a trigger and an automation and returns the rule
// pages to render (list, new and edit of each kind).
func ruleFixtures(t *testing.T, e *env) []string {
	t.Helper()
	title := "Tag VIP"
	tr, err := e.app.Rules.CreateTrigger(e.sys, rules.TriggerInput{Title: &title,
		Conditions: &rules.Conditions{All: []rules.Condition{{Field: "current_tags", Operator: "includes", Value: "vip"}}},
		Actions:    &[]rules.Action{{Field: "priority", Value: "high"}, {Field: "notification_user", Value: []any{"assignee_id", "VIP {{ticket.id}}", "Look"}}}})
	if err != nil {
		t.Fatal(err)
	}
	atitle := "Close solved"
	au, err := e.app.Rules.CreateAutomation(e.sys, rules.AutomationInput{Title: &atitle,
		Conditions: &rules.Conditions{All: []rules.Condition{{Field: "status", Operator: "is", Value: "solved"}, {Field: "hours_since_solved", Operator: "greater_than", Value: 96}}},
		Actions:    &[]rules.Action{{Field: "status", Value: "closed"}}})
	if err != nil {
		t.Fatal(err)
	}
	cname := "Routing"
	if _, err := e.app.Rules.CreateCategory(e.sys, rules.CategoryInput{Name: &cname}); err != nil {
		t.Fatal(err)
	}
	return []string{"/agent/admin/triggers", "/agent/admin/triggers/new", fmt.Sprintf("/agent/admin/triggers/%d", tr.ID),
		"/agent/admin/automations", "/agent/admin/automations/new", fmt.Sprintf("/agent/admin/automations/%d", au.ID),
		fmt.Sprintf("/agent/admin/automations/%d?preview=1", au.ID), "/agent/admin/trigger-categories"}
}

// The builder works without JavaScript: a plain form post of rows makes a
// trigger that then runs; the list toggles and reorders; only those with
// manage_business_rules get in.
func TestAdminTriggerPagesWithoutJS(t *testing.T) {
	e := newEnv(t, "")
	ad := e.client()
	ad.signIn("/agent/signin", e.admin.Email)
	ad.get("/agent/admin/triggers/new")
	r := ad.post("/agent/admin/triggers/new", url.Values{"title": {"Urgent words"}, "active": {"1"},
		"all_field": {"comment_includes_word", ""}, "all_operator": {"includes", "is"}, "all_value": {"fire smoke", ""},
		"any_field": {"", ""}, "any_operator": {"is", "is"}, "any_value": {"", ""},
		"action_field": {"priority", "current_tags", ""}, "action_value": {"urgent", "fire", ""}, "action_subject": {"", "", ""}, "action_body": {"", "", ""}})
	if r.Status != http.StatusSeeOther && r.Status != http.StatusFound {
		t.Fatalf("save: %d %s", r.Status, r.Body)
	}
	list, err := e.app.Rules.ListTriggers(e.sys, rules.TriggerFilter{})
	if err != nil || len(list) != 1 || len(list[0].Conditions.All) != 1 || len(list[0].Actions) != 2 {
		t.Fatalf("stored: %+v %v", list, err)
	}
	first := list[0].ID
	tk := e.ticketFor(e.customer, "Help", "There is fire in the server room")
	if tk.Priority == nil || *tk.Priority != "urgent" {
		t.Errorf("trigger built on the page did not run: %v", tk.Priority)
	}
	// Bad input re-shows the form with the problem (422), keeping rows.
	ad.get("/agent/admin/triggers/new")
	r = ad.post("/agent/admin/triggers/new", url.Values{"title": {"Bad"}, "all_field": {"status"}, "all_operator": {"includes"}, "all_value": {"open"},
		"action_field": {"status"}, "action_value": {"open"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `value="Bad"`) || !strings.Contains(r.Body, "not a valid operator") {
		t.Errorf("invalid save: %d", r.Status)
	}
	// A second trigger, then reorder and toggle from the list.
	second, err := e.app.Rules.CreateTrigger(e.sys, rules.TriggerInput{Title: ptr("Second"),
		Conditions: &rules.Conditions{All: []rules.Condition{{Field: "status", Operator: "is", Value: "hold"}}}, Actions: &[]rules.Action{{Field: "priority", Value: "low"}}})
	if err != nil {
		t.Fatal(err)
	}
	ad.get("/agent/admin/triggers")
	ad.post(fmt.Sprintf("/agent/admin/triggers/%d/move", second.ID), url.Values{"direction": {"up"}})
	ad.post(fmt.Sprintf("/agent/admin/triggers/%d/active", first), url.Values{"active": {"0"}})
	list, _ = e.app.Rules.ListTriggers(e.sys, rules.TriggerFilter{})
	if len(list) != 2 || list[0].ID != second.ID || list[1].Active {
		t.Errorf("after move and toggle: %+v", list)
	}
	page := ad.get("/agent/admin/triggers")
	if !strings.Contains(page.Body, "Second") || strings.Index(page.Body, "Second") > strings.Index(page.Body, "Urgent words") {
		t.Errorf("list order")
	}
	// An agent without manage_business_rules is refused.
	ag := e.client()
	ag.signIn("/agent/signin", e.agent.Email)
	if r := ag.get("/agent/admin/triggers"); r.Status != http.StatusForbidden {
		t.Errorf("agent sees triggers: %d", r.Status)
	}
	if r := ag.get("/agent/admin/automations/new"); r.Status != http.StatusForbidden {
		t.Errorf("agent opens the automation builder: %d", r.Status)
	}
}
