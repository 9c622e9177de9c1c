package ticket_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// exportAll pages ExportTickets from pos to the end and returns where it
// stopped and the subject each exported ticket had (later pages win).
func exportAll(t *testing.T, f *fixture, pos ticket.ExportQuery, seen map[int64]string) ticket.ExportQuery {
	t.Helper()
	for range 1000 {
		ts, more, _, err := f.svc.ExportTickets(as(f.admin), pos)
		if err != nil {
			t.Fatalf("export: %v", err)
		}
		for _, tk := range ts {
			seen[tk.ID] = tk.Subject
		}
		if len(ts) > 0 {
			pos.AfterUpdated, pos.AfterID = ts[len(ts)-1].UpdatedAt.Micros(), ts[len(ts)-1].ID
		}
		if !more {
			return pos
		}
	}
	t.Fatal("export never ended")
	return pos
}

// A change stamped earlier but committed later than another must not fall
// behind an export position already handed out. Without the export
// horizon the reader below exports B (stamped later), moves past it, and
// never sees A, which commits afterwards with an earlier stamp.
//
// PostgreSQL only: SQLite has one writer, so a change cannot be stamped
// while another is still committing.
func TestExportHorizonKeepsLateCommits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		if db.Dialect == store.SQLite {
			t.Skip("SQLite commits changes one at a time, in stamp order")
		}
		f := newFixture(t, db)
		in := func(s string) ticket.Input {
			return ticket.Input{Subject: str(s), Comment: &ticket.CommentInput{Body: s}, Requester: &ticket.RequesterInput{Email: "c@c.test"}}
		}
		a := mustCreate(t, f, f.agent, in("a0"))
		b := mustCreate(t, f, f.agent, in("b0"))

		var clock atomic.Int64
		clock.Store(store.Now() + 10e6)
		base := clock.Load()
		realNow := store.Clock()
		store.SetClock(clock.Load)
		t.Cleanup(func() { store.SetClock(realNow) })
		f.svc.ExportLag = 10 * time.Second

		var block atomic.Bool
		entered, release := make(chan struct{}), make(chan struct{})
		f.svc.AddHook("hold-a", func(ctx context.Context, tx *store.Tx, c *desk.TicketChange) error {
			if c.TicketID == a.ID && block.Load() {
				entered <- struct{}{}
				<-release
			}
			return nil
		})
		block.Store(true)
		done := make(chan error, 1)
		go func() {
			_, _, err := f.svc.Update(as(f.agent), a.ID, ticket.Input{Subject: str("a-late")})
			done <- err
		}()
		<-entered // A is stamped base and still uncommitted
		clock.Store(base + 1e6)
		if _, _, err := f.svc.Update(as(f.agent), b.ID, ticket.Input{Subject: str("b1")}); err != nil {
			t.Fatalf("update b: %v", err)
		}

		// A reader five seconds later: both changes are inside the lag.
		clock.Store(base + 5e6)
		seen := map[int64]string{}
		pos := exportAll(t, f, ticket.ExportQuery{Limit: 1}, seen)
		if seen[b.ID] == "b1" {
			t.Fatalf("export handed out a change younger than the lag: %v", seen)
		}
		close(release)
		if err := <-done; err != nil {
			t.Fatalf("update a: %v", err)
		}

		clock.Store(base + 20e6)
		exportAll(t, f, pos, seen)
		if seen[a.ID] != "a-late" || seen[b.ID] != "b1" {
			t.Fatalf("resumed export saw %v, want a-late and b1", seen)
		}
	})
}

// Paging through the export while tickets change concurrently, then once
// more after the lag, ends with every ticket's last version.
func TestExportCompleteUnderConcurrentWrites(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		const n, writers, rounds = 12, 4, 8
		ids := make([]int64, n)
		for i := range ids {
			ids[i] = mustCreate(t, f, f.agent, ticket.Input{Subject: str("v0"), Comment: &ticket.CommentInput{Body: "x"},
				Requester: &ticket.RequesterInput{Email: "c@c.test"}}).ID
		}
		lag := 2 * time.Second
		f.svc.ExportLag = lag

		var wg sync.WaitGroup
		var stop atomic.Bool
		for w := range writers {
			wg.Go(func() {
				for r := range rounds {
					for i := w; i < n; i += writers {
						s := fmt.Sprintf("w%d-r%d", w, r)
						if _, _, err := f.svc.Update(as(f.agent), ids[i], ticket.Input{Subject: &s}); err != nil {
							t.Errorf("update %d: %v", ids[i], err)
							return
						}
					}
				}
			})
		}
		seen := map[int64]string{}
		pos := ticket.ExportQuery{Limit: 3}
		readerDone := make(chan struct{})
		go func() {
			defer close(readerDone)
			for !stop.Load() {
				pos = exportAll(t, f, pos, seen)
			}
		}()
		wg.Wait()
		stop.Store(true)
		<-readerDone
		time.Sleep(lag + 100*time.Millisecond) // let the horizon pass the last change
		exportAll(t, f, pos, seen)

		for _, id := range ids {
			tk, err := f.svc.Get(as(f.admin), id)
			if err != nil {
				t.Fatal(err)
			}
			if seen[id] != tk.Subject {
				t.Errorf("ticket %d: export ended with %q, stored %q", id, seen[id], tk.Subject)
			}
		}
	})
}
