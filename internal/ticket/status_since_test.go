package ticket_test

import (
	"context"
	"testing"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// statusSince reads tickets.status_updated_at and updated_at as stored.
func statusSince(t *testing.T, db *store.DB, id int64) (since, updated int64) {
	t.Helper()
	if err := db.QueryRow(context.Background(), `SELECT status_updated_at, updated_at FROM tickets WHERE id = ?`, id).Scan(&since, &updated); err != nil {
		t.Fatal(err)
	}
	return since, updated
}

// TestStatusSince: a create stamps the time, an update that changes the
// status restamps it, one that does not leaves it; rows stored before the
// column existed (0) get their last update time from StampStatusSince, and
// a second run finds nothing.
func TestStatusSince(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		tk := mustCreate(t, f, f.agent, ticket.Input{Subject: str("since"), Comment: &ticket.CommentInput{Body: "x"},
			Requester: &ticket.RequesterInput{Email: "alice@example.com"}})
		created, _ := statusSince(t, db, tk.ID)
		if created == 0 {
			t.Fatal("a new ticket has no status time")
		}

		realNow := store.Clock()
		defer func() { store.SetClock(realNow) }()
		store.SetClock(func() int64 { return realNow() + 60_000_000 })
		if _, _, err := f.svc.Update(as(f.agent), tk.ID, ticket.Input{Priority: desk.NullString{Set: true, Value: "high"}}); err != nil {
			t.Fatal(err)
		}
		if since, updated := statusSince(t, db, tk.ID); since != created || updated <= created {
			t.Fatalf("a priority change moved the status time: since %d (was %d), updated %d", since, created, updated)
		}
		store.SetClock(func() int64 { return realNow() + 120_000_000 })
		if _, _, err := f.svc.Update(as(f.agent), tk.ID, ticket.Input{Status: str("pending")}); err != nil {
			t.Fatal(err)
		}
		since, updated := statusSince(t, db, tk.ID)
		if since != updated || since <= created {
			t.Fatalf("a status change did not stamp the time: since %d, updated %d, created %d", since, updated, created)
		}

		// A row as stored before migration 32.
		if _, err := db.Exec(context.Background(), `UPDATE tickets SET status_updated_at = 0 WHERE id = ?`, tk.ID); err != nil {
			t.Fatal(err)
		}
		n, err := f.svc.StampStatusSince(context.Background())
		if err != nil || n != 1 {
			t.Fatalf("stamped %d, %v; want 1", n, err)
		}
		if since, updated := statusSince(t, db, tk.ID); since != updated {
			t.Fatalf("legacy row stamped %d, want its update time %d", since, updated)
		}
		if n, err := f.svc.StampStatusSince(context.Background()); err != nil || n != 0 {
			t.Fatalf("second run stamped %d, %v", n, err)
		}
	})
}
