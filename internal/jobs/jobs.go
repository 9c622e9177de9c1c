// Package jobs is Frontdesk's durable background work queue. A job is a row
// in the jobs table inserted in the same transaction as the change that
// needs it, so a crash can neither lose the job nor run one for a change that
// rolled back. Workers claim jobs with a lease; a job whose worker died is
// claimed again when its lease runs out, and failures retry with back-off.
//
// River was considered; a table of our own keeps one schema and one code path
// on both stores, which matters more here than River's extra features.
package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/frontdesk/frontdesk/internal/store"
)

// Handler does the work of one job kind. Returning an error retries the job
// later; wrap the error with Permanent to give up at once.
type Handler func(ctx context.Context, payload json.RawMessage) error

type permanentError struct{ err error }

func (p permanentError) Error() string { return p.err.Error() }
func (p permanentError) Unwrap() error { return p.err }

// Permanent marks an error that retrying cannot fix.
func Permanent(err error) error { return permanentError{err} }

// Enqueue inserts a job inside tx, to run at once.
func Enqueue(ctx context.Context, tx *store.Tx, kind string, payload any) error {
	return EnqueueAt(ctx, tx, kind, payload, time.Time{})
}

// EnqueueAt inserts a job inside tx to run no earlier than at.
func EnqueueAt(ctx context.Context, tx *store.Tx, kind string, payload any, at time.Time) error {
	b, err := json.Marshal(payload)
	if err != nil {
		return fmt.Errorf("enqueue %s: %w", kind, err)
	}
	now := store.Now()
	runAt := now
	if !at.IsZero() {
		runAt = at.UnixMicro()
	}
	_, err = tx.Exec(ctx, `INSERT INTO jobs (kind, payload, run_at, created_at) VALUES (?, ?, ?, ?)`, kind, string(b), runAt, now)
	return err
}

// Runner polls for jobs and runs their handlers.
type Runner struct {
	DB       *store.DB
	Logger   *slog.Logger
	Poll     time.Duration // how often to look for work when idle
	Lease    time.Duration // how long a claimed job is ours before others may retry it
	handlers map[string]Handler
	wake     chan struct{}
}

// NewRunner returns a runner with sensible defaults.
func NewRunner(db *store.DB, logger *slog.Logger) *Runner {
	return &Runner{DB: db, Logger: logger, Poll: time.Second, Lease: 5 * time.Minute,
		handlers: map[string]Handler{}, wake: make(chan struct{}, 1)}
}

// Handle registers the handler for kind.
func (r *Runner) Handle(kind string, h Handler) { r.handlers[kind] = h }

// Notify tells an idle runner there may be new work (call after commit).
func (r *Runner) Notify() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

type claimed struct {
	id       int64
	kind     string
	payload  string
	attempts int
	max      int
}

// claim takes one due job and leases it.
func (r *Runner) claim(ctx context.Context) (*claimed, error) {
	var c *claimed
	err := r.DB.InTx(ctx, func(tx *store.Tx) error {
		now := store.Now()
		q := `SELECT id, kind, payload, attempts, max_attempts FROM jobs
			WHERE (state = 'available' AND run_at <= ?) OR (state = 'running' AND locked_until < ?)
			ORDER BY run_at, id LIMIT 1`
		if tx.Dialect() == store.Postgres {
			q += ` FOR UPDATE SKIP LOCKED`
		}
		var j claimed
		err := tx.QueryRow(ctx, q, now, now).Scan(&j.id, &j.kind, &j.payload, &j.attempts, &j.max)
		if err != nil {
			if errors.Is(err, errNoRows) {
				return nil
			}
			return err
		}
		j.attempts++
		if _, err := tx.Exec(ctx, `UPDATE jobs SET state = 'running', attempts = ?, locked_until = ? WHERE id = ?`,
			j.attempts, now+r.Lease.Microseconds(), j.id); err != nil {
			return err
		}
		c = &j
		return nil
	})
	return c, err
}

// RunOnce claims and runs at most one job; it reports whether it found one.
// Tests use it to drive the queue deterministically.
func (r *Runner) RunOnce(ctx context.Context) (bool, error) {
	j, err := r.claim(ctx)
	if err != nil || j == nil {
		return false, err
	}
	h := r.handlers[j.kind]
	var runErr error
	if h == nil {
		runErr = Permanent(fmt.Errorf("no handler for job kind %q", j.kind))
	} else {
		runErr = safeRun(ctx, h, json.RawMessage(j.payload))
	}
	// Every write below is fenced by the attempt number: a worker whose
	// lease ran out while it was busy (and whose job another worker has
	// claimed since) must not overwrite the newer attempt's outcome.
	now := store.Now()
	switch {
	case runErr == nil:
		_, err = r.DB.Exec(ctx, `UPDATE jobs SET state = 'completed', finished_at = ?, last_error = '' WHERE id = ? AND attempts = ?`, now, j.id, j.attempts)
	case errors.As(runErr, new(permanentError)) || j.attempts >= j.max:
		r.Logger.Error("job failed for good", "job_id", j.id, "kind", j.kind, "attempts", j.attempts, "err", runErr)
		_, err = r.DB.Exec(ctx, `UPDATE jobs SET state = 'discarded', finished_at = ?, last_error = ? WHERE id = ? AND attempts = ?`, now, runErr.Error(), j.id, j.attempts)
	default:
		backoff := time.Duration(1<<min(j.attempts, 12)) * time.Second
		r.Logger.Warn("job failed, will retry", "job_id", j.id, "kind", j.kind, "attempts", j.attempts, "in", backoff, "err", runErr)
		_, err = r.DB.Exec(ctx, `UPDATE jobs SET state = 'available', run_at = ?, last_error = ? WHERE id = ? AND attempts = ?`,
			now+backoff.Microseconds(), runErr.Error(), j.id, j.attempts)
	}
	return true, err
}

func safeRun(ctx context.Context, h Handler, p json.RawMessage) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("panic: %v", v)
		}
	}()
	return h(ctx, p)
}

// Run works until ctx ends. Jobs in flight finish before it returns.
func (r *Runner) Run(ctx context.Context, workers int) {
	var wg sync.WaitGroup
	for range max(1, workers) {
		wg.Go(func() {
			for {
				found, err := r.RunOnce(context.WithoutCancel(ctx))
				if err != nil && ctx.Err() == nil {
					r.Logger.Error("job queue", "err", err)
				}
				if found {
					if ctx.Err() != nil {
						return
					}
					continue
				}
				select {
				case <-ctx.Done():
					return
				case <-r.wake:
				case <-time.After(r.Poll):
				}
			}
		})
	}
	wg.Wait()
}

// Depth counts jobs waiting to run (for /metrics).
func (r *Runner) Depth(ctx context.Context) (int64, error) {
	var n int64
	err := r.DB.QueryRow(ctx, `SELECT COUNT(*) FROM jobs WHERE state IN ('available', 'running')`).Scan(&n)
	return n, err
}
