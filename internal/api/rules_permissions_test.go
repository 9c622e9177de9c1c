package api

import (
	"testing"

	"github.com/frontdesk/frontdesk/internal/rules"
)

// The trigger and automation rows of the permission matrix: only roles
// with manage_business_rules (admins here; the built-in agent role and the
// fixture's custom roles lack it) read or change business rules.
func init() { matrix = append(matrix, rulesMatrix...) }

func (m *mx) newTrigger(t *testing.T) int64 {
	t.Helper()
	title := m.uniq("Trigger ")
	tr, err := m.a.srv.Rules.CreateTrigger(m.sys, rules.TriggerInput{Title: &title,
		Conditions: &rules.Conditions{All: []rules.Condition{{Field: "status", Operator: "is", Value: "hold"}}},
		Actions:    &[]rules.Action{{Field: "current_tags", Value: "matrix"}}})
	if err != nil {
		t.Fatal(err)
	}
	return tr.ID
}

func (m *mx) newAutomation(t *testing.T) int64 {
	t.Helper()
	title := m.uniq("Automation ")
	au, err := m.a.srv.Rules.CreateAutomation(m.sys, rules.AutomationInput{Title: &title, Conditions: &automationConds, Actions: &[]rules.Action{{Field: "status", Value: "closed"}}})
	if err != nil {
		t.Fatal(err)
	}
	return au.ID
}

var automationConds = rules.Conditions{All: []rules.Condition{{Field: "status", Operator: "is", Value: "solved"}, {Field: "hours_since_solved", Operator: "greater_than", Value: 96}}}

var (
	freshAutomation = fresh((*mx).newAutomation)
	automationBody  = map[string]any{"automation": map[string]any{"title": "Close solved",
		"conditions": map[string]any{"all": []any{map[string]any{"field": "status", "operator": "is", "value": "solved"},
			map[string]any{"field": "hours_since_solved", "operator": "greater_than", "value": 96}}},
		"actions": []any{map[string]any{"field": "status", "value": "closed"}}}}
	freshTrigger = fresh((*mx).newTrigger)
	triggerBody  = map[string]any{"trigger": map[string]any{"title": "Matrix trigger",
		"conditions": map[string]any{"all": []any{map[string]any{"field": "status", "operator": "is", "value": "hold"}}},
		"actions":    []any{map[string]any{"field": "current_tags", "value": "matrix"}}}}
)

var rulesMatrix = []mcase{
	{route: "GET /api/v2/triggers", want: adminOnly, req: path("/api/v2/triggers")},
	{route: "GET /api/v2/triggers/active", want: adminOnly, req: path("/api/v2/triggers/active")},
	{route: "GET /api/v2/triggers/search", want: adminOnly, req: path("/api/v2/triggers/search?query=matrix")},
	{route: "GET /api/v2/triggers/definitions", want: adminOnly, req: path("/api/v2/triggers/definitions")},
	{route: "GET /api/v2/triggers/dry_run", want: adminOnly, req: func(t *testing.T, m *mx, _ string) (string, any) {
		return "/api/v2/triggers/dry_run?ticket_id=" + itoa(m.pub), nil
	}},
	{route: "POST /api/v2/triggers", want: adminCreate, req: func(*testing.T, *mx, string) (string, any) { return "/api/v2/triggers", triggerBody }},
	{route: "PUT /api/v2/triggers/reorder", want: adminOnly, req: func(t *testing.T, m *mx, _ string) (string, any) {
		return "/api/v2/triggers/reorder", map[string]any{"trigger_ids": []int64{m.newTrigger(t)}}
	}},
	{route: "GET /api/v2/triggers/{id}", want: adminOnly, req: idPath("/api/v2/triggers/%d", freshTrigger, nil)},
	{route: "PUT /api/v2/triggers/{id}", want: adminOnly, req: idPath("/api/v2/triggers/%d", freshTrigger, map[string]any{"trigger": map[string]any{"active": false}})},
	{route: "DELETE /api/v2/triggers/{id}", want: adminDelete, req: idPath("/api/v2/triggers/%d", freshTrigger, nil)},
	{route: "GET /api/v2/automations", want: adminOnly, req: path("/api/v2/automations")},
	{route: "GET /api/v2/automations/active", want: adminOnly, req: path("/api/v2/automations/active")},
	{route: "GET /api/v2/automations/search", want: adminOnly, req: path("/api/v2/automations/search?query=close")},
	{route: "GET /api/v2/automations/definitions", want: adminOnly, req: path("/api/v2/automations/definitions")},
	{route: "POST /api/v2/automations", want: adminCreate, req: func(*testing.T, *mx, string) (string, any) { return "/api/v2/automations", automationBody }},
	{route: "GET /api/v2/automations/{id}", want: adminOnly, req: idPath("/api/v2/automations/%d", freshAutomation, nil)},
	{route: "PUT /api/v2/automations/{id}", want: adminOnly, req: idPath("/api/v2/automations/%d", freshAutomation, map[string]any{"automation": map[string]any{"active": false}})},
	{route: "DELETE /api/v2/automations/{id}", want: adminDelete, req: idPath("/api/v2/automations/%d", freshAutomation, nil)},
}
