package api

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/sla"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// views/{id}/execute with the sla_next_breach_at column: each row carries
// the ticket's next breach time (null without a running target), and the
// view sorts by it.
func TestViewNextBreachRows(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		sys := desk.SystemContext(t.Context())
		if _, err := a.srv.SLA.SavePolicy(sys, 0, sla.PolicyInput{Title: ptrTo("All"),
			Filter:        &sla.Filter{All: []sla.Condition{{Field: "status", Operator: "is_not", Value: "closed"}}},
			PolicyMetrics: &[]sla.PolicyMetric{{Priority: "high", Metric: sla.FirstReplyTime, Target: 120}, {Priority: "urgent", Metric: sla.FirstReplyTime, Target: 30}}}); err != nil {
			t.Fatal(err)
		}
		mk := func(subject, priority string) (int64, time.Time) {
			in := ticket.Input{Subject: ptrTo(subject), Comment: &ticket.CommentInput{Body: "b", AuthorID: desk.SetID(a.EndUser.ID)}, RequesterID: desk.SetID(a.EndUser.ID)}
			if priority != "" {
				in.Priority = desk.NullString{Set: true, Value: priority}
			}
			tk, _, err := a.srv.Tickets.Create(sys, in)
			if err != nil {
				t.Fatal(err)
			}
			return tk.ID, tk.CreatedAt.Time
		}
		none, _ := mk("none", "")
		high, highAt := mk("high", "high")
		urgent, urgentAt := mk("urgent", "urgent")
		code, body := a.do(t, a.Admin, "POST", "/api/v2/views.json", map[string]any{"view": map[string]any{
			"title": "By breach", "all": []any{map[string]any{"field": "status", "operator": "less_than", "value": "closed"}},
			"output": map[string]any{"columns": []any{"subject", "sla_next_breach_at"}, "sort_by": "sla_next_breach_at", "sort_order": "asc"}}})
		if code != http.StatusCreated {
			t.Fatalf("create view: %d %v", code, body)
		}
		id := int64(pNum(body["view"].(map[string]any), "id"))
		code, body = a.do(t, a.Admin, "GET", fmt.Sprintf("/api/v2/views/%d/execute", id), nil)
		if code != http.StatusOK {
			t.Fatalf("execute: %d %v", code, body)
		}
		rows := body["rows"].([]any)
		want := []struct {
			id int64
			at time.Time
		}{{urgent, urgentAt.Add(30 * time.Minute)}, {high, highAt.Add(2 * time.Hour)}, {none, time.Time{}}}
		if len(rows) != len(want) {
			t.Fatalf("rows %v", rows)
		}
		for i, w := range want {
			row := rows[i].(map[string]any)
			if int64(pNum(row, "ticket_id")) != w.id {
				t.Fatalf("row %d is ticket %v, want %d", i, row["ticket_id"], w.id)
			}
			v, present := row["sla_next_breach_at"]
			if !present {
				t.Fatalf("row %d lacks sla_next_breach_at", i)
			}
			if w.at.IsZero() {
				if v != nil {
					t.Errorf("ticket without a target: %v", v)
				}
				continue
			}
			got, err := time.Parse(time.RFC3339, fmt.Sprint(v))
			if err != nil || got.Sub(w.at).Abs() > time.Second {
				t.Errorf("ticket %d next breach %v, want %v", w.id, v, w.at)
			}
		}
		// A page override sorts the other way.
		_, body = a.do(t, a.Admin, "GET", fmt.Sprintf("/api/v2/views/%d/execute?sort_by=sla_next_breach_at&sort_order=desc", id), nil)
		if first := body["rows"].([]any)[0].(map[string]any); int64(pNum(first, "ticket_id")) != none {
			t.Errorf("descending: first row %v", first["ticket_id"])
		}
	})
}
