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

func refTitles(refs []rules.Ref) []string {
	out := []string{}
	for _, r := range refs {
		out = append(out, r.Title)
	}
	return out
}

// A dry run follows a chain as the real run does: the second trigger fires
// in the second pass on what the first one changed, and the final ticket
// carries both changes, while nothing is stored.
func TestDryRunFollowsChain(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		tk, _ := f.newTicket(t, f.alice, "chain")
		f.trigger(t, "second", conds(rules.Condition{Field: "current_tags", Operator: "includes", Value: "triaged"}),
			acts(rules.Action{Field: "priority", Value: "urgent"}))
		f.trigger(t, "first", conds(rules.Condition{Field: "status", Operator: "is", Value: "new"}),
			acts(rules.Action{Field: "current_tags", Value: "triaged"}))
		f.trigger(t, "never", conds(rules.Condition{Field: "status", Operator: "is", Value: "solved"}),
			acts(rules.Action{Field: "priority", Value: "low"}))

		res, err := f.svc.DryRun(as(f.admin), tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Passes) != 2 || !slices.Equal(refTitles(res.Passes[0].Triggers), []string{"first"}) ||
			!slices.Equal(refTitles(res.Passes[1].Triggers), []string{"second"}) || res.Passes[1].Pass != 2 {
			t.Fatalf("passes %+v", res.Passes)
		}
		if res.Looped || res.Error != "" || len(res.Failed) != 0 {
			t.Fatalf("loop or failure: %+v", res)
		}
		if res.Ticket == nil || res.Ticket.Priority == nil || *res.Ticket.Priority != "urgent" || !slices.Contains(res.Ticket.Tags, "triaged") {
			t.Fatalf("final ticket %+v", res.Ticket)
		}
		byTitle := map[string]rules.DryRunResult{}
		for _, r := range res.Results {
			byTitle[r.Trigger.Title] = r
		}
		if r := byTitle["second"]; r.Matches || !r.Fired || r.Pass != 2 {
			t.Errorf("second: %+v (its conditions hold only after the first fired)", r)
		}
		if r := byTitle["first"]; !r.Matches || !r.Fired || r.Pass != 1 {
			t.Errorf("first: %+v", r)
		}
		if r := byTitle["never"]; r.Matches || r.Fired || r.Pass != 0 {
			t.Errorf("never: %+v", r)
		}
		after, err := f.tickets.Get(as(f.admin), tk.ID)
		if err != nil || after.Priority != nil || after.Version != tk.Version || slices.Contains(after.Tags, "triaged") {
			t.Fatalf("the dry run changed the ticket: %+v %v", after, err)
		}
		// The real run does what the dry run said.
		real, _, err := f.tickets.Update(as(f.admin), tk.ID, ticket.Input{Tags: &[]string{"other"}})
		if err != nil {
			t.Fatal(err)
		}
		if real.Priority == nil || *real.Priority != "urgent" || !slices.Contains(real.Tags, "triaged") {
			t.Fatalf("real run %+v", real)
		}
		if _, err := f.svc.DryRun(as(f.limited), tk.ID); desk.ErrorCode(err) != desk.EFORBIDDEN {
			t.Errorf("dry run without permission: %v", err)
		}
		if _, err := f.svc.DryRun(as(f.admin), 987654); desk.ErrorCode(err) != desk.ENOTFOUND {
			t.Errorf("dry run on a missing ticket: %v", err)
		}
	})
}

// A set that loops is reported with the real run's bound and message, and
// the dry run records no loop and changes nothing.
func TestDryRunReportsLoop(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		tk, _ := f.newTicket(t, f.alice, "loop")
		tk, _, err := f.tickets.Update(as(f.agent), tk.ID, ticket.Input{Tags: &[]string{tag(0)}})
		if err != nil {
			t.Fatal(err)
		}
		n := rules.MaxPasses + 2
		for i := n; i >= 1; i-- {
			f.trigger(t, fmt.Sprintf("step %d", i), conds(rules.Condition{Field: "current_tags", Operator: "includes", Value: tag(i - 1)}),
				acts(rules.Action{Field: "current_tags", Value: tag(i)}))
		}
		res, err := f.svc.DryRun(as(f.admin), tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{fmt.Sprintf("step %d", rules.MaxPasses), fmt.Sprintf("step %d", rules.MaxPasses+1)}
		if !res.Looped || !slices.Equal(refTitles(res.Loop), want) || res.Error != rules.LoopMessage(rules.MaxPasses, want) {
			t.Fatalf("loop %v %v %q", res.Looped, refTitles(res.Loop), res.Error)
		}
		if len(res.Passes) != rules.MaxPasses {
			t.Fatalf("%d passes, want %d", len(res.Passes), rules.MaxPasses)
		}
		for i, p := range res.Passes {
			if want := []string{fmt.Sprintf("step %d", i+1)}; !slices.Equal(refTitles(p.Triggers), want) {
				t.Errorf("pass %d: %v, want %v", i+1, refTitles(p.Triggers), want)
			}
		}
		if !slices.Contains(res.Ticket.Tags, tag(rules.MaxPasses)) || slices.Contains(res.Ticket.Tags, tag(rules.MaxPasses+1)) {
			t.Errorf("final tags %v", res.Ticket.Tags)
		}
		if loops, err := f.svc.RecentLoops(as(f.admin), 10); err != nil || len(loops) != 0 {
			t.Fatalf("a dry run recorded a loop: %v %v", loops, err)
		}
		after, err := f.tickets.Get(as(f.admin), tk.ID)
		if err != nil || after.Version != tk.Version || !slices.Equal(after.Tags, tk.Tags) {
			t.Fatalf("the dry run changed the ticket: %+v %v", after, err)
		}
	})
}
