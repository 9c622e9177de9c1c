package sla_test

import (
	"fmt"
	"testing"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/sla"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// BenchmarkTicketUpdate measures a ticket update (an agent's public reply
// and a status change) on embedded SQLite without SLA policies and with 50
// policies whose last one matches, so the SLA hook chooses among all 50
// and moves four timers on every update.
func BenchmarkTicketUpdate(b *testing.B) {
	for _, policies := range []int{0, 1, 10, 50} {
		b.Run(fmt.Sprintf("policies=%d", policies), func(b *testing.B) {
			t := &testing.T{}
			db := storetest.SQLite(b)
			f := newFixture(t, db)
			for i := range policies {
				filter := sla.Filter{All: []sla.Condition{{Field: "current_tags", Operator: "includes", Value: fmt.Sprintf("tag%d", i)}}}
				if i == policies-1 {
					filter = everyTicket
				}
				f.policy(t, fmt.Sprintf("P%d", i), filter,
					target("high", sla.FirstReplyTime, 60, true), target("high", sla.NextReplyTime, 60, true),
					target("high", sla.RequesterWaitTime, 600, false), target("high", sla.AgentWorkTime, 600, false))
			}
			if policies > 0 {
				f.officeHours(t)
			}
			tk := f.ask(t, "high")
			pub := true
			statuses := []string{"pending", "open"}
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				st := statuses[i%2]
				if _, _, err := f.tickets.Update(as(f.agent), tk.ID, ticket.Input{Status: &st, Comment: &ticket.CommentInput{Body: "update", Public: &pub}}); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			if t.Failed() {
				b.Fatal("fixture failed")
			}
			if policies > 0 {
				got, _ := f.svc.ForTickets(as(f.agent), []int64{tk.ID}, f.now())
				if got[tk.ID] == nil || len(got[tk.ID].PolicyMetrics) == 0 {
					b.Fatal("no SLA on the ticket")
				}
			}
			_ = desk.StatusOpen
		})
	}
}
