package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/frontdesk/frontdesk/internal/store"
)

// Scheduler turns recurring tasks into jobs, once per tick across every
// instance sharing the store.
//
// Each task is a row in the schedules table holding its next tick. Any
// instance whose clock has passed that tick may claim it: in one
// transaction it advances next_run_at with a conditional UPDATE (… WHERE
// name = ? AND next_run_at = <the tick it read>) and enqueues the task's job.
// Only one such UPDATE can succeed per tick, so exactly one instance
// enqueues it; the job queue then runs it with its lease and retries, so an
// instance that dies mid-task loses nothing. Missed ticks (everything was
// down) are not made up: the next tick is the first one after now.
//
// This is the hook point for time-based work — automations, SLA breach
// checks, retention: register a task with Every and handle its job kind on
// the Runner (see server.registerSchedules).
type Scheduler struct {
	DB     *store.DB
	Logger *slog.Logger
	// Poll is the longest the scheduler sleeps between looks at the table
	// (default one minute); it wakes earlier for a tick it knows is due.
	Poll time.Duration
	// Now is the clock (tests move it by hand). Default time.Now.
	Now func() time.Time
	// OnEnqueue is called after a commit that enqueued a job, to wake the
	// local runner.
	OnEnqueue func()

	mu    sync.Mutex
	tasks []task
}

type task struct {
	name  string
	every time.Duration
	kind  string
}

// Tick is the payload of a scheduled job: which task, and which tick
// (microseconds since the epoch) it is the run of.
type Tick struct {
	Schedule string `json:"schedule"`
	At       int64  `json:"at"`
}

// NewScheduler returns a scheduler with default settings.
func NewScheduler(db *store.DB, logger *slog.Logger) *Scheduler {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Scheduler{DB: db, Logger: logger, Poll: time.Minute, Now: time.Now}
}

// Every registers a task: a job of kind kind (with a Tick payload) once per
// interval, the first as soon as a scheduler sees the task. Every instance
// registers the same tasks; a changed interval takes effect at start.
func (s *Scheduler) Every(name string, interval time.Duration, kind string) {
	if interval <= 0 || name == "" || kind == "" {
		panic(fmt.Sprintf("jobs: bad schedule %q every %v of %q", name, interval, kind))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, t := range s.tasks {
		if t.name == name {
			s.tasks[i] = task{name, interval, kind}
			return
		}
	}
	s.tasks = append(s.tasks, task{name, interval, kind})
}

func (s *Scheduler) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// RunDue enqueues the job of every task whose tick has come and that no
// other instance claimed first. It returns how many it enqueued and when
// the next known tick is due.
func (s *Scheduler) RunDue(ctx context.Context) (int, time.Time, error) {
	s.mu.Lock()
	tasks := append([]task(nil), s.tasks...)
	s.mu.Unlock()
	n := 0
	var next time.Time
	var errs []error
	for _, t := range tasks {
		claimed, at, err := s.runTask(ctx, t)
		if err != nil {
			errs = append(errs, fmt.Errorf("schedule %s: %w", t.name, err))
			continue
		}
		if claimed {
			n++
		}
		if next.IsZero() || at.Before(next) {
			next = at
		}
	}
	if n > 0 && s.OnEnqueue != nil {
		s.OnEnqueue()
	}
	return n, next, errors.Join(errs...)
}

// runTask claims t's tick when it is due; it returns the task's next tick.
func (s *Scheduler) runTask(ctx context.Context, t task) (bool, time.Time, error) {
	now := s.now().UnixMicro()
	every := t.every.Microseconds()
	var kind string
	var interval, due int64
	err := s.DB.QueryRow(ctx, `SELECT kind, interval_us, next_run_at FROM schedules WHERE name = ?`, t.name).Scan(&kind, &interval, &due)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		// First sight of the task anywhere: due now. A racing instance's
		// row wins; we then read it like any other.
		if _, err := s.DB.Exec(ctx, `INSERT INTO schedules (name, kind, interval_us, next_run_at, updated_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (name) DO NOTHING`, t.name, t.kind, every, now, now); err != nil {
			return false, time.Time{}, err
		}
		return s.runTask(ctx, t)
	case err != nil:
		return false, time.Time{}, err
	}
	if kind != t.kind || interval != every {
		// The task changed (a new release): keep its place, but never
		// wait longer than one new interval.
		newDue := min(due, now+every)
		if _, err := s.DB.Exec(ctx, `UPDATE schedules SET kind = ?, interval_us = ?, next_run_at = ?, updated_at = ? WHERE name = ? AND next_run_at = ?`,
			t.kind, every, newDue, now, t.name, due); err != nil {
			return false, time.Time{}, err
		}
		due = newDue
	}
	if due > now {
		return false, time.UnixMicro(due), nil
	}
	// The next tick is the first one after now on the task's cadence.
	after := due + ((now-due)/every+1)*every
	claimed := false
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE schedules SET next_run_at = ?, last_run_at = ?, updated_at = ? WHERE name = ? AND next_run_at = ?`,
			after, now, now, t.name, due)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return err // another instance has this tick
		}
		claimed = true
		return Enqueue(ctx, tx, t.kind, Tick{Schedule: t.name, At: due})
	})
	if err != nil {
		return false, time.Time{}, err
	}
	return claimed, time.UnixMicro(after), nil
}

// Run enqueues due tasks until ctx ends.
func (s *Scheduler) Run(ctx context.Context) {
	poll := s.Poll
	if poll <= 0 {
		poll = time.Minute
	}
	for {
		_, next, err := s.RunDue(ctx)
		if err != nil && ctx.Err() == nil {
			s.Logger.Error("scheduler", "err", err)
		}
		wait := poll
		if !next.IsZero() {
			wait = min(wait, max(next.Sub(s.now()), 10*time.Millisecond))
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}
