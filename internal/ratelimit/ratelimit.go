// Package ratelimit holds the API's per-token request budget: in process
// memory when there is one instance (SQLite), and in the database when
// several instances share a PostgreSQL store, so a token has one budget
// whichever instance its requests reach. This package is the only writer
// of the api_rate_windows table.
package ratelimit

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/frontdesk/frontdesk/internal/httpx"
	"github.com/frontdesk/frontdesk/internal/store"
)

// Decision is the answer for one request: whether it may proceed, and what
// to put in the X-Rate-Limit, X-Rate-Limit-Remaining and Retry-After
// headers (httpx.SetHeaders, httpx.WriteRetryAfter). Limit 0 means
// unlimited.
type Decision struct {
	Allowed    bool
	Limit      int
	Remaining  int
	RetryAfter time.Duration
	// Reset is the time until the key's window resets (for the
	// ratelimit-reset header), allowed or not.
	Reset time.Duration
}

// Limiter counts one request for key.
type Limiter interface {
	Allow(ctx context.Context, key string) (Decision, error)
}

// Window is the length of a budget window, matching the per-minute limits
// Zendesk documents.
const Window = time.Minute

// Memory is the in-process limiter (one instance only).
type Memory struct{ l *httpx.Limiter }

// NewMemory allows perMinute requests per key per minute (0 = unlimited);
// now is the clock (nil = time.Now).
func NewMemory(perMinute int, now func() time.Time) *Memory {
	return &Memory{l: httpx.NewLimiter(perMinute, now)}
}

// Allow never fails.
func (m *Memory) Allow(_ context.Context, key string) (Decision, error) {
	ok, limit, remaining, reset := m.l.AllowWindow(key)
	d := Decision{Allowed: ok, Limit: limit, Remaining: remaining, Reset: reset}
	if !ok {
		d.RetryAfter = reset
	}
	return d, nil
}

// For picks the limiter a store needs: shared in the database on
// PostgreSQL, in memory on SQLite.
func For(db *store.DB, perMinute int, logger *slog.Logger) Limiter {
	if db.Dialect == store.Postgres && perMinute > 0 {
		return NewShared(db, perMinute, nil, logger)
	}
	return NewMemory(perMinute, nil)
}

// Shared keeps each key's window in api_rate_windows. Each request costs one
// statement: an UPSERT that starts a new window when the old one has ended,
// or counts one more hit in the current one, and returns the window — so
// concurrent requests on any number of instances are counted exactly, by
// the row lock, without a read-then-write race.
//
// As in Memory, a key's window starts at its first request, and requests
// refused while over the limit do not move its reset further away.
//
// Ended windows are swept by the instance's own requests: at most once per
// Window, the request that notices it is due deletes every ended row (one
// extra, indexed statement). No background goroutine is needed, so nothing
// has to be stopped on shutdown.
type Shared struct {
	db     *store.DB
	limit  int
	now    func() time.Time
	logger *slog.Logger
	// nextSweep is when (unix microseconds) the next sweep is due.
	nextSweep atomic.Int64
}

// NewShared allows perMinute (> 0) requests per key per minute across every
// instance on db; now is the clock (nil = time.Now).
func NewShared(db *store.DB, perMinute int, now func() time.Time, logger *slog.Logger) *Shared {
	if perMinute <= 0 {
		panic("ratelimit: NewShared: perMinute must be positive, got " + strconv.Itoa(perMinute))
	}
	if now == nil {
		now = time.Now
	}
	if logger == nil {
		logger = slog.Default()
	}
	return &Shared{db: db, limit: perMinute, now: now, logger: logger}
}

const upsertWindow = `INSERT INTO api_rate_windows (rate_key, window_start, hits) VALUES (?, ?, 1)
ON CONFLICT (rate_key) DO UPDATE SET
	hits = CASE WHEN api_rate_windows.window_start <= ? THEN 1 ELSE api_rate_windows.hits + 1 END,
	window_start = CASE WHEN api_rate_windows.window_start <= ? THEN excluded.window_start ELSE api_rate_windows.window_start END
RETURNING window_start, hits`

// Allow counts a request for key.
func (s *Shared) Allow(ctx context.Context, key string) (Decision, error) {
	now := s.now().UnixMicro()
	ended := now - Window.Microseconds()
	var start, hits int64
	if err := s.db.WriteRow(ctx, upsertWindow, []any{key, now, ended, ended}, &start, &hits); err != nil {
		return Decision{}, fmt.Errorf("rate limit: %w", err)
	}
	s.maybeSweep(ctx, now)
	reset := max(time.Duration(start+Window.Microseconds()-now)*time.Microsecond, 0)
	if hits > int64(s.limit) {
		return Decision{Allowed: false, Limit: s.limit, Remaining: 0, RetryAfter: reset, Reset: reset}, nil
	}
	return Decision{Allowed: true, Limit: s.limit, Remaining: s.limit - int(hits), Reset: reset}, nil
}

// maybeSweep deletes ended windows if this instance has not done so in
// the last Window. A failed sweep is logged and retried next time: it only
// costs table space, never a wrong answer (ended rows are reset on use).
func (s *Shared) maybeSweep(ctx context.Context, now int64) {
	due := s.nextSweep.Load()
	if now < due || !s.nextSweep.CompareAndSwap(due, now+Window.Microseconds()) {
		return
	}
	if _, err := s.Sweep(ctx, now); err != nil {
		s.logger.Warn("rate limit sweep failed", "err", err)
	}
}

// Sweep deletes the windows that ended before now (unix microseconds).
func (s *Shared) Sweep(ctx context.Context, now int64) (int64, error) {
	res, err := s.db.Exec(ctx, `DELETE FROM api_rate_windows WHERE window_start <= ?`, now-Window.Microseconds())
	if err != nil {
		return 0, fmt.Errorf("rate limit sweep: %w", err)
	}
	return res.RowsAffected()
}
