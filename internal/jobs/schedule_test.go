package jobs_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/jobs"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// eachPair runs fn with two store handles of one help desk: the same
// SQLite handle twice (one process), and two PostgreSQL connections pools
// on one schema (two instances).
func eachPair(t *testing.T, fn func(t *testing.T, a, b *store.DB)) {
	t.Run("sqlite", func(t *testing.T) {
		db := storetest.SQLite(t)
		fn(t, db, db)
	})
	if storetest.PostgresURL() != "" {
		t.Run("postgres", func(t *testing.T) {
			a, b, _ := storetest.PostgresShared(t)
			fn(t, a, b)
		})
	}
}

func jobState(t *testing.T, db *store.DB, kind string) (state string, attempts int) {
	t.Helper()
	if err := db.QueryRow(context.Background(), `SELECT state, attempts FROM jobs WHERE kind = ?`, kind).Scan(&state, &attempts); err != nil {
		t.Fatal(err)
	}
	return state, attempts
}

// claimEventually runs r until it finds a job (the other runner's lease
// has to run out first).
func claimEventually(t *testing.T, r *jobs.Runner) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		found, err := r.RunOnce(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if found {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the job was never claimed again")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestKilledRunnersJobIsFinishedByAnother: runner A dies in the middle of
// a job (its context is cancelled and it records nothing); once A's lease
// has run out, runner B claims the job and completes it.
func TestKilledRunnersJobIsFinishedByAnother(t *testing.T) {
	eachPair(t, func(t *testing.T, dbA, dbB *store.DB) {
		ctx := context.Background()
		a := jobs.NewRunner(dbA, quiet)
		a.Lease = 300 * time.Millisecond
		started := make(chan struct{})
		a.Handle("work", func(ctx context.Context, _ json.RawMessage) error {
			close(started)
			<-ctx.Done()
			return ctx.Err()
		})
		b := jobs.NewRunner(dbB, quiet)
		ran := 0
		b.Handle("work", func(context.Context, json.RawMessage) error { ran++; return nil })
		if err := dbA.InTx(ctx, func(tx *store.Tx) error { return jobs.Enqueue(ctx, tx, "work", 1) }); err != nil {
			t.Fatal(err)
		}
		actx, kill := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { a.RunOnce(actx); close(done) }()
		<-started
		kill()
		<-done
		if state, _ := jobState(t, dbB, "work"); state != "running" {
			t.Fatalf("killed runner's job is %q, want still running under its lease", state)
		}
		claimEventually(t, b)
		if state, attempts := jobState(t, dbB, "work"); state != "completed" || attempts != 2 || ran != 1 {
			t.Fatalf("state %q attempts %d ran %d", state, attempts, ran)
		}
	})
}

// TestStaleRunnerCannotUndoAnotherRunnersWork: a runner that comes back
// after its lease ran out (a long pause) must not overwrite the outcome of
// the runner that took the job over; without the fence its late failure
// would put the finished job back in the queue.
func TestStaleRunnerCannotUndoAnotherRunnersWork(t *testing.T) {
	eachPair(t, func(t *testing.T, dbA, dbB *store.DB) {
		ctx := context.Background()
		a := jobs.NewRunner(dbA, quiet)
		a.Lease = 300 * time.Millisecond
		started, release := make(chan struct{}), make(chan struct{})
		a.Handle("work", func(context.Context, json.RawMessage) error {
			close(started)
			<-release
			return errors.New("late failure")
		})
		b := jobs.NewRunner(dbB, quiet)
		ran := 0
		b.Handle("work", func(context.Context, json.RawMessage) error { ran++; return nil })
		if err := dbA.InTx(ctx, func(tx *store.Tx) error { return jobs.Enqueue(ctx, tx, "work", 1) }); err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() { a.RunOnce(ctx); close(done) }()
		<-started
		claimEventually(t, b)
		close(release)
		<-done
		if state, attempts := jobState(t, dbB, "work"); state != "completed" || attempts != 2 || ran != 1 {
			t.Fatalf("state %q attempts %d ran %d", state, attempts, ran)
		}
		dbB.Exec(ctx, `UPDATE jobs SET run_at = 0`)
		if found, _ := b.RunOnce(ctx); found {
			t.Fatal("the finished job ran again")
		}
	})
}

// TestScheduleRunsOncePerTickAcrossInstances: two schedulers and two
// runners on one store; each tick becomes exactly one job, run once.
func TestScheduleRunsOncePerTickAcrossInstances(t *testing.T) {
	eachPair(t, func(t *testing.T, dbA, dbB *store.DB) {
		ctx := context.Background()
		var mu sync.Mutex
		clock := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
		now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
		advance := func(d time.Duration) { mu.Lock(); clock = clock.Add(d); mu.Unlock() }
		start := now()

		var ticks []int64
		var tmu sync.Mutex
		var scheds []*jobs.Scheduler
		var runners []*jobs.Runner
		for _, db := range []*store.DB{dbA, dbB} {
			s := jobs.NewScheduler(db, quiet)
			s.Now = now
			s.Every("purge", time.Hour, "purge.things")
			scheds = append(scheds, s)
			r := jobs.NewRunner(db, quiet)
			r.Handle("purge.things", func(_ context.Context, p json.RawMessage) error {
				var tk jobs.Tick
				if err := json.Unmarshal(p, &tk); err != nil || tk.Schedule != "purge" {
					return jobs.Permanent(errors.New("bad tick"))
				}
				tmu.Lock()
				ticks = append(ticks, tk.At)
				tmu.Unlock()
				return nil
			})
			runners = append(runners, r)
		}
		both := func() int {
			var wg sync.WaitGroup
			counts := make([]int, len(scheds))
			for i, s := range scheds {
				wg.Go(func() {
					n, _, err := s.RunDue(ctx)
					if err != nil {
						t.Error(err)
					}
					counts[i] = n
				})
			}
			wg.Wait()
			return counts[0] + counts[1]
		}
		for i := range 3 {
			if n := both(); n != 1 {
				t.Fatalf("tick %d: %d jobs enqueued, want 1", i, n)
			}
			if n := both(); n != 0 {
				t.Fatalf("tick %d claimed twice (%d more)", i, n)
			}
			advance(time.Hour)
		}
		// Down for five and a half hours: one run, not a backlog, and the
		// cadence is kept.
		advance(5*time.Hour + 30*time.Minute)
		if n := both(); n != 1 {
			t.Fatalf("after downtime: %d jobs", n)
		}
		_, next, _ := scheds[0].RunDue(ctx)
		if want := start.Add(9 * time.Hour); !next.Equal(want) {
			t.Fatalf("next tick %v, want %v", next, want)
		}
		// Both runners drain the queue; every job runs once.
		for {
			fa, err := runners[0].RunOnce(ctx)
			if err != nil {
				t.Fatal(err)
			}
			fb, err := runners[1].RunOnce(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !fa && !fb {
				break
			}
		}
		want := []int64{start.UnixMicro(), start.Add(time.Hour).UnixMicro(), start.Add(2 * time.Hour).UnixMicro(), start.Add(3 * time.Hour).UnixMicro()}
		if len(ticks) != len(want) {
			t.Fatalf("ran ticks %v, want %v", ticks, want)
		}
		seen := map[int64]bool{}
		for _, at := range ticks {
			seen[at] = true
		}
		for _, at := range want {
			if !seen[at] {
				t.Fatalf("ran ticks %v, want %v", ticks, want)
			}
		}
	})
}
