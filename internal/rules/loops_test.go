package rules_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/rules"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// A chain of triggers that runs past MaxPasses is stopped with a visible
// error: an Error event in the change's audit naming the triggers still
// firing, and a loop record listed for the triggers admin page.
func TestTriggerLoopIsRecorded(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		n := rules.MaxPasses + 2
		for i := n; i >= 1; i-- {
			f.trigger(t, fmt.Sprintf("step %d", i), conds(rules.Condition{Field: "current_tags", Operator: "includes", Value: tag(i - 1)}),
				acts(rules.Action{Field: "current_tags", Value: tag(i)}))
		}
		if loops, err := f.svc.RecentLoops(as(f.admin), 0); err != nil || len(loops) != 0 {
			t.Fatalf("no loops yet: %v %v", loops, err)
		}
		// A change without the chain's start records nothing.
		plain, _ := f.newTicket(t, f.alice, "plain")
		tk, audit, err := f.tickets.Update(as(f.agent), plain.ID, ticket.Input{Tags: &[]string{tag(0)}})
		if err != nil {
			t.Fatal(err)
		}
		var loopEv *desk.AuditEvent
		for i, ev := range audit.Events {
			if ev.Type == "Error" {
				loopEv = &audit.Events[i]
			}
		}
		want := []string{fmt.Sprintf("step %d", rules.MaxPasses), fmt.Sprintf("step %d", rules.MaxPasses+1)}
		if loopEv == nil || loopEv.ErrorCode != rules.ErrorTriggerLoop || loopEv.Message != rules.LoopMessage(rules.MaxPasses, want) {
			t.Fatalf("audit events %+v", audit.Events)
		}
		if loopEv.Via == nil || loopEv.Via.Channel != "rule" {
			t.Fatalf("loop event via %+v", loopEv.Via)
		}
		// The stored audit reads back the same.
		audits, _, err := f.tickets.Audits(as(f.admin), tk.ID, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		last := audits[len(audits)-1]
		if !slices.ContainsFunc(last.Events, func(e desk.AuditEvent) bool { return e.Type == "Error" && e.Message == loopEv.Message }) {
			t.Fatalf("stored audit %+v", last.Events)
		}
		loops, err := f.svc.RecentLoops(as(f.admin), 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(loops) != 1 || loops[0].TicketID != tk.ID || loops[0].AuditID != audit.ID || loops[0].Passes != rules.MaxPasses {
			t.Fatalf("loops %+v", loops)
		}
		var titles []string
		for _, r := range loops[0].Triggers {
			titles = append(titles, r.Title)
		}
		if !slices.Equal(titles, want) {
			t.Fatalf("loop triggers %v, want %v", titles, want)
		}
		// A new ticket that loops is recorded with its id too.
		subject := "new"
		nt, created, err := f.tickets.Create(as(f.agent), ticket.Input{Subject: &subject, Comment: &ticket.CommentInput{Body: "x"}, Tags: &[]string{tag(0)}})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(created.Events, func(e desk.AuditEvent) bool { return e.Type == "Error" && e.ErrorCode == rules.ErrorTriggerLoop }) {
			t.Fatalf("create audit %+v", created.Events)
		}
		loops, _ = f.svc.RecentLoops(as(f.admin), 10)
		if len(loops) != 2 || loops[0].TicketID != nt.ID {
			t.Fatalf("loops after create %+v", loops)
		}
		if _, err := f.svc.RecentLoops(as(f.limited), 10); desk.ErrorCode(err) != desk.EFORBIDDEN {
			t.Fatalf("an agent without manage_business_rules lists loops: %v", err)
		}
	})
}
