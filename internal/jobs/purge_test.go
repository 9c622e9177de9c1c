package jobs_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/jobs"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

func enqueue(t testing.TB, db *store.DB, kind string, at time.Time) {
	t.Helper()
	if err := db.InTx(context.Background(), func(tx *store.Tx) error { return jobs.EnqueueAt(context.Background(), tx, kind, nil, at) }); err != nil {
		t.Fatal(err)
	}
}

func countJobs(t *testing.T, db *store.DB, kind string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(context.Background(), `SELECT COUNT(*) FROM jobs WHERE kind = ?`, kind).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestPurgeFinished: completed jobs go after their retention, failed ones
// only after theirs, and waiting or future jobs are never purged.
func TestPurgeFinished(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		r := jobs.NewRunner(db, quiet)
		r.Handle("ok", func(context.Context, json.RawMessage) error { return nil })
		r.Handle("bad", func(context.Context, json.RawMessage) error { return jobs.Permanent(errors.New("no")) })
		for range 3 {
			enqueue(t, db, "ok", time.Time{})
		}
		enqueue(t, db, "bad", time.Time{})
		enqueue(t, db, "later", time.Now().Add(365*24*time.Hour))
		for {
			found, err := r.RunOnce(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !found {
				break
			}
		}
		keep := jobs.Retention{Completed: 7 * 24 * time.Hour, Failed: 30 * 24 * time.Hour}

		n, err := jobs.PurgeFinished(ctx, db, time.Now(), keep)
		if err != nil || n != 0 {
			t.Fatalf("fresh jobs purged: %d %v", n, err)
		}
		n, err = jobs.PurgeFinished(ctx, db, time.Now().Add(8*24*time.Hour), keep)
		if err != nil || n != 3 || countJobs(t, db, "ok") != 0 || countJobs(t, db, "bad") != 1 {
			t.Fatalf("after a week: purged %d (%v); ok left %d, bad left %d", n, err, countJobs(t, db, "ok"), countJobs(t, db, "bad"))
		}
		n, err = jobs.PurgeFinished(ctx, db, time.Now().Add(31*24*time.Hour), jobs.Retention{Completed: keep.Completed})
		if err != nil || n != 0 || countJobs(t, db, "bad") != 1 {
			t.Fatalf("a zero failed retention purged %d (%v)", n, err)
		}
		n, err = jobs.PurgeFinished(ctx, db, time.Now().Add(31*24*time.Hour), keep)
		if err != nil || n != 1 || countJobs(t, db, "bad") != 0 {
			t.Fatalf("after a month: purged %d (%v)", n, err)
		}
		if countJobs(t, db, "later") != 1 {
			t.Fatal("a job waiting to run was purged")
		}
	})
}

// BenchmarkPurgeFinished: one purge over 10,000 completed jobs.
func BenchmarkPurgeFinished(b *testing.B) {
	db := storetest.SQLite(b)
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		err := db.InTx(ctx, func(tx *store.Tx) error {
			for range 10_000 {
				if err := jobs.Enqueue(ctx, tx, "done", nil); err != nil {
					return err
				}
			}
			_, err := tx.Exec(ctx, `UPDATE jobs SET state = 'completed', finished_at = 1 WHERE kind = 'done'`)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := jobs.PurgeFinished(ctx, db, time.Now(), jobs.DefaultRetention); err != nil {
			b.Fatal(err)
		}
	}
}
