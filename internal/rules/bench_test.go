package rules_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/rules"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// realisticTriggers makes n active triggers of three conditions each (a
// status, a tag and a comment word), none of which match the benchmark's
// updates, so the cost measured is evaluation, not actions.
func realisticTriggers(b *testing.B, f *fixture, n int) {
	for i := range n {
		f.trigger(b, fmt.Sprint("bench ", i), &rules.Conditions{
			All: []rules.Condition{{Field: "status", Operator: "is", Value: "open"}, {Field: "current_tags", Operator: "includes", Value: fmt.Sprintf("tag%d other%d", i, i)}},
			Any: []rules.Condition{{Field: "comment_includes_word", Operator: "includes", Value: fmt.Sprintf("word%d", i)}, {Field: "priority", Operator: "value", Value: "urgent"}},
		}, acts(rules.Action{Field: "current_tags", Value: fmt.Sprint("hit", i)}))
	}
}

// BenchmarkTicketUpdateTriggers measures a ticket update (an agent's
// internal note and a priority change, through the ticket service on
// SQLite) with 0 and 200 active triggers; the difference is what trigger
// evaluation adds to an update.
func BenchmarkTicketUpdateTriggers(b *testing.B) {
	for _, n := range []int{0, 200} {
		b.Run(fmt.Sprint(n, "_triggers"), func(b *testing.B) {
			f := newFixture(b, storetest.SQLite(b))
			realisticTriggers(b, f, n)
			tk, _ := f.newTicket(b, f.alice, "bench")
			prios := []string{"low", "normal", "high"}
			pub := false
			b.ResetTimer()
			for i := range b.N {
				in := ticket.Input{Priority: desk.NullString{Set: true, Value: prios[i%3]}, Comment: &ticket.CommentInput{Body: "note", Public: &pub}}
				if _, _, err := f.tickets.Update(as(f.agent), tk.ID, in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkTriggerEvaluation200 is the evaluation alone: 200 triggers'
// conditions matched against one change, in memory.
func BenchmarkTriggerEvaluation200(b *testing.B) {
	r := rules.NewRegistry()
	var list []rules.Conditions
	for i := range 200 {
		list = append(list, rules.Conditions{
			All: []rules.Condition{{Field: "status", Operator: "is", Value: "open"}, {Field: "current_tags", Operator: "includes", Value: fmt.Sprintf("tag%d other%d", i, i)}},
			Any: []rules.Condition{{Field: "comment_includes_word", Operator: "includes", Value: fmt.Sprintf("word%d", i)}, {Field: "priority", Operator: "value", Value: "urgent"}},
		}.Normalize())
	}
	prio := "high"
	before := &desk.Ticket{ID: 1, Status: desk.StatusOpen, Tags: []string{"vip", "printer"}}
	after := *before
	after.Priority = &prio
	s := &rules.Subject{Change: &desk.TicketChange{Kind: desk.ChangeUpdate, Before: before, After: &after,
		Comment: &desk.Comment{Body: "The printer on the second floor is jammed again, please help", Public: true}}, Now: time.Now()}
	b.ResetTimer()
	for range b.N {
		for _, c := range list {
			r.Match(s, c)
		}
	}
}

// BenchmarkAutomationPass1M runs one automation pass over 1,000,000 stored
// tickets on SQLite: "status is solved and hours since solved > 96 → closed",
// which 1% of them (10,000) match and are closed, each in its own
// transaction through the ticket service. The tickets are written with
// bulk SQL in the setup (not timed). Run with -benchtime=1x.
func BenchmarkAutomationPass1M(b *testing.B) {
	const total, every = 1_000_000, 100
	db := storetest.SQLite(b)
	f := newFixture(b, db)
	f.automation(b, "close solved", conds(rules.Condition{Field: "status", Operator: "is", Value: "solved"},
		rules.Condition{Field: "hours_since_solved", Operator: "greater_than", Value: 96}), acts(rules.Action{Field: "status", Value: "closed"}))
	ctx := context.Background()
	now := time.Now()
	old := now.Add(-5 * 24 * time.Hour).UnixMicro()
	start := time.Now()
	// SQLite's recursive CTE writes a million rows in one statement.
	_, err := db.Exec(ctx, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
		INSERT INTO tickets (subject, description, status, status_rank, priority, priority_rank, requester_id, submitter_id, assignee_id,
			via_channel, tags, custom_fields, version, created_at, updated_at, solved_at, status_updated_at)
		SELECT 'Ticket ' || i, 'body', CASE WHEN i % ? = 0 THEN 'solved' ELSE 'open' END, CASE WHEN i % ? = 0 THEN 4 ELSE 1 END,
			'normal', 1, ?, ?, ?, 'api', '', '{}', 1, ?, ?, CASE WHEN i % ? = 0 THEN ? ELSE 0 END, ?
		FROM n`, total, every, every, f.alice.UserID, f.alice.UserID, f.agent.UserID, old, old, every, old, old)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("setup: %d tickets in %s", total, time.Since(start).Round(time.Millisecond))
	b.ResetTimer()
	for i := range b.N {
		if i > 0 {
			b.StopTimer()
			if _, err := db.Exec(ctx, `UPDATE tickets SET status = 'solved', status_rank = 4 WHERE id % ? = 0`, every); err != nil {
				b.Fatal(err)
			}
			if _, err := db.Exec(ctx, `DELETE FROM automation_fires`); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
		res, err := f.svc.RunAutomations(sys())
		if err != nil {
			b.Fatal(err)
		}
		if res.Fired != total/every {
			b.Fatalf("fired %d, want %d", res.Fired, total/every)
		}
	}
}
