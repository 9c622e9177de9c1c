package jobs_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"testing"

	"github.com/frontdesk/frontdesk/internal/jobs"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

func TestJobsAreDurableAndRetried(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		r := jobs.NewRunner(db, slog.New(slog.NewTextHandler(io.Discard, nil)))
		var seen []string
		fail := 1
		r.Handle("greet", func(ctx context.Context, p json.RawMessage) error {
			var s string
			json.Unmarshal(p, &s)
			if fail > 0 {
				fail--
				return errors.New("transient")
			}
			seen = append(seen, s)
			return nil
		})
		// A job enqueued in a rolled-back transaction never runs.
		db.InTx(ctx, func(tx *store.Tx) error {
			jobs.Enqueue(ctx, tx, "greet", "ghost")
			return errors.New("rollback")
		})
		if err := db.InTx(ctx, func(tx *store.Tx) error { return jobs.Enqueue(ctx, tx, "greet", "hello") }); err != nil {
			t.Fatal(err)
		}
		found, err := r.RunOnce(ctx)
		if !found || err != nil {
			t.Fatalf("found=%v err=%v", found, err)
		}
		// The retry is scheduled with back-off; pull it forward.
		db.Exec(ctx, `UPDATE jobs SET run_at = 0`)
		if found, err := r.RunOnce(ctx); !found || err != nil {
			t.Fatalf("retry: found=%v err=%v", found, err)
		}
		if found, _ := r.RunOnce(ctx); found {
			t.Fatal("queue should be empty")
		}
		if len(seen) != 1 || seen[0] != "hello" {
			t.Fatalf("seen %v", seen)
		}
		// Unknown kinds are discarded, not retried forever.
		db.InTx(ctx, func(tx *store.Tx) error { return jobs.Enqueue(ctx, tx, "nope", 1) })
		r.RunOnce(ctx)
		var state string
		db.QueryRow(ctx, `SELECT state FROM jobs WHERE kind = 'nope'`).Scan(&state)
		if state != "discarded" {
			t.Fatalf("state %q", state)
		}
		if d, _ := r.Depth(ctx); d != 0 {
			t.Fatalf("depth %d", d)
		}
	})
}
