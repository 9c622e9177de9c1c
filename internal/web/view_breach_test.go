package web_test

import (
	"encoding/json"
	"fmt"
	"html"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/sla"
	"github.com/frontdesk/frontdesk/internal/ticket"
	"github.com/frontdesk/frontdesk/internal/views"
)

// A view with the "Next SLA breach" column shows each ticket's countdown
// (empty without a running timer) and sorts by it, soonest first, tickets
// without a timer last; the column is offered in both languages.
func TestViewNextBreachColumn(t *testing.T) {
	e := newEnv(t, "")
	if _, err := e.app.SLA.SavePolicy(e.sys, 0, sla.PolicyInput{Title: ptr("All"),
		Filter: &sla.Filter{All: []sla.Condition{{Field: "status", Operator: "is_not", Value: "closed"}}},
		PolicyMetrics: &[]sla.PolicyMetric{{Priority: "high", Metric: sla.FirstReplyTime, Target: 180},
			{Priority: "urgent", Metric: sla.FirstReplyTime, Target: 30}}}); err != nil {
		t.Fatal(err)
	}
	mk := func(subject, priority string) *desk.Ticket {
		t.Helper()
		tk, _, err := e.app.Tickets.Create(e.sys, ticket.Input{Subject: ptr(subject), RequesterID: desk.SetID(e.customer.ID),
			Comment: &ticket.CommentInput{Body: "Help", AuthorID: desk.SetID(e.customer.ID)}})
		if err != nil {
			t.Fatal(err)
		}
		if priority != "" {
			if _, _, err := e.app.Tickets.Update(e.sys, tk.ID, ticket.Input{Priority: desk.NullString{Set: true, Value: priority}}); err != nil {
				t.Fatal(err)
			}
		}
		return tk
	}
	high, none, urgent := mk("Slow one", "high"), mk("No target", ""), mk("Fast one", "urgent")
	all, _ := json.Marshal([]map[string]any{{"field": "status", "operator": "less_than", "value": "closed"}})
	v, err := e.app.Views.Create(e.sys, views.Input{Title: ptr("By breach"), All: all,
		Output: &views.OutputInput{Columns: []any{"subject", sla.NextBreachColumn}, SortBy: ptr(sla.NextBreachColumn), SortOrder: ptr("asc")}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.app.Views.Execute(e.sys, v.ID, views.Page{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	var order []int64
	for _, tk := range res.Tickets {
		order = append(order, tk.ID)
	}
	if fmt.Sprint(order) != fmt.Sprint([]int64{urgent.ID, high.ID, none.ID}) {
		t.Fatalf("sorted by next breach: %v, want urgent %d, high %d, none %d", order, urgent.ID, high.ID, none.ID)
	}
	ag := e.client()
	ag.signIn("/agent/signin", e.agent.Email)
	for _, c := range []struct{ lang, head string }{{"en", "Next SLA breach"}, {"pl", "Najbliższe naruszenie SLA"}} {
		r := ag.get(fmt.Sprintf("/agent/views/%d", v.ID), "Accept-Language", c.lang)
		body := html.UnescapeString(r.Body)
		if r.Status != 200 || !strings.Contains(body, c.head) {
			t.Fatalf("%s view page: %d, no column head", c.lang, r.Status)
		}
		// Two countdowns (the ticket without a target has none), soonest first.
		if n := strings.Count(body, "<time datetime="); n != 2 {
			t.Errorf("%s: %d countdowns, want 2", c.lang, n)
		}
		if strings.Index(body, "Fast one") > strings.Index(body, "Slow one") || strings.Index(body, "Slow one") > strings.Index(body, "No target") {
			t.Errorf("%s: rows not in breach order", c.lang)
		}
		// Sorting descending from the column head puts the soonest last.
		r = ag.get(fmt.Sprintf("/agent/views/%d?sort=%s&dir=desc", v.ID, sla.NextBreachColumn), "Accept-Language", c.lang)
		if body := r.Body; strings.Index(body, "Fast one") < strings.Index(body, "Slow one") {
			t.Errorf("%s: descending order wrong", c.lang)
		}
		ed := ag.get(fmt.Sprintf("/agent/manage/views/%d", v.ID), "Accept-Language", c.lang)
		if !strings.Contains(html.UnescapeString(ed.Body), c.head) {
			t.Errorf("%s: the view editor does not offer the column", c.lang)
		}
	}
}
