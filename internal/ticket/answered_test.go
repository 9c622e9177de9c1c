package ticket_test

import (
	"context"
	"errors"
	"testing"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// TestSolveAnswered: the answer bot's link solves an unassigned request for
// its requester (nobody becomes assignee), while the Requests API still
// refuses that; somebody else's request is not found; an error from the
// caller's step in the transaction changes nothing.
func TestSolveAnswered(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		tk := mustCreate(t, f, f.alice, ticket.Input{Subject: str("Password"), Comment: &ticket.CommentInput{Body: "Reset?"}})
		yes := ticket.Flag(true)
		if _, err := f.svc.UpdateRequest(as(f.alice), tk.ID, ticket.RequestInput{Solved: &yes}); code(err) != desk.EINVALID {
			t.Fatalf("requests API solved an unassigned request: %v", err)
		}
		if err := f.svc.SolveAnswered(as(f.bob), tk.ID, nil); code(err) != desk.ENOTFOUND {
			t.Fatalf("another customer: %v", err)
		}
		boom := errors.New("boom")
		if err := f.svc.SolveAnswered(as(f.alice), tk.ID, func(context.Context, *store.Tx) error { return boom }); !errors.Is(err, boom) {
			t.Fatalf("failing step: %v", err)
		}
		if got, _ := f.svc.Get(as(f.admin), tk.ID); got.Status == desk.StatusSolved {
			t.Fatal("a failed step still solved the ticket")
		}
		ran := false
		if err := f.svc.SolveAnswered(as(f.alice), tk.ID, func(context.Context, *store.Tx) error { ran = true; return nil }); err != nil || !ran {
			t.Fatalf("solve: %v %v", err, ran)
		}
		got, err := f.svc.Get(as(f.admin), tk.ID)
		if err != nil || got.Status != desk.StatusSolved || got.AssigneeID != nil {
			t.Fatalf("solved ticket: %+v %v", got, err)
		}
	})
}
