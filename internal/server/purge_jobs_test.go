package server_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/jobs"
	"github.com/frontdesk/frontdesk/internal/server"
	"github.com/frontdesk/frontdesk/internal/store"
)

// TestFinishedJobsArePurgedOnSchedule: the server schedules the purge of
// finished jobs, and its handler applies the configured retention.
func TestFinishedJobsArePurgedOnSchedule(t *testing.T) {
	for name, u := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			cfg := server.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), DatabaseURL: u, JobRetention: time.Microsecond}
			app, err := server.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { app.Close() })
			count := func(q string, args ...any) int {
				var n int
				if err := app.DB.QueryRow(ctx, q, args...).Scan(&n); err != nil {
					t.Fatal(err)
				}
				return n
			}
			drain := func() {
				for {
					found, err := app.Jobs.RunOnce(ctx)
					if err != nil {
						t.Fatal(err)
					}
					if !found {
						return
					}
				}
			}
			// Every scheduled task's first tick, the purge among them.
			if _, _, err := app.Schedules.RunDue(ctx); err != nil {
				t.Fatal(err)
			}
			if count(`SELECT COUNT(*) FROM schedules WHERE name = ? AND kind = ?`, "purge.finished_jobs", jobs.JobPurgeFinished) != 1 {
				t.Fatal("the purge of finished jobs is not scheduled")
			}
			drain()
			if count(`SELECT COUNT(*) FROM jobs WHERE state = 'completed' AND kind <> ?`, jobs.JobPurgeFinished) == 0 {
				t.Fatal("no completed jobs to purge")
			}
			time.Sleep(time.Millisecond) // past the retention of a microsecond
			if err := app.DB.InTx(ctx, func(tx *store.Tx) error { return jobs.Enqueue(ctx, tx, jobs.JobPurgeFinished, nil) }); err != nil {
				t.Fatal(err)
			}
			drain()
			if n := count(`SELECT COUNT(*) FROM jobs WHERE state = 'completed' AND kind <> ?`, jobs.JobPurgeFinished); n != 0 {
				t.Fatalf("%d completed jobs left after the purge", n)
			}
		})
	}
}
