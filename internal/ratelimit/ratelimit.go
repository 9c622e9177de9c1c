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
	"sync"
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

// Shared keeps each key's window in api_rate_windows, so every instance
// draws from one budget per key. An instance does not count each request
// in the store: it claims hits from the window in blocks (leases), one
// UPSERT per block, and lets requests through from its block without a
// round trip. The UPSERT starts a new window when the old one has ended or
// adds the block to the current one, and returns the window — so
// concurrent claims on any number of instances are counted exactly, by the
// row lock, without a read-then-write race, and an instance is granted only
// what is left under the limit.
//
// A key's first claim in a window is one hit, and each further claim in the
// same window twice the last, up to MaxLease: a token used a few times a
// minute costs a statement a request, as before, and a busy one a statement
// per MaxLease requests. So all instances together never let more than the
// limit through; a request may be refused while another instance still
// holds hits it claimed and has not used (at most MaxLease − 1 per other
// instance per window), and one instance alone gets exactly the limit.
//
// As in Memory, a key's window starts at its first request, and requests
// refused while over the limit do not move its reset further away; once an
// instance learns a window is spent it refuses that key without a round
// trip until the window ends.
//
// Ended windows are swept by the instance's own requests: at most once per
// Window, the request that notices it is due deletes every ended row (one
// extra, indexed statement) and forgets this instance's ended leases. No
// background goroutine is needed, so nothing has to be stopped on shutdown.
type Shared struct {
	db     *store.DB
	limit  int
	now    func() time.Time
	logger *slog.Logger
	// MaxLease is the largest block one claim takes (default: a fiftieth of
	// the limit, at least 1 and at most 1,000). 1 counts every request in
	// the store.
	MaxLease int
	// nextSweep is when (unix microseconds) the next sweep is due.
	nextSweep atomic.Int64

	mu     sync.Mutex
	leases map[string]*lease
}

// lease is this instance's share of one key's current window.
type lease struct {
	mu    sync.Mutex
	start int64 // the window's start (unix µs) as the store gave it; 0: none
	left  int64 // hits claimed and not yet used
	hits  int64 // the window's hits, all instances, after this instance's last claim
	next  int64 // the size of the next claim
	spent bool  // no hit is left in the window for this instance to claim
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
	return &Shared{db: db, limit: perMinute, now: now, logger: logger,
		MaxLease: min(max(perMinute/50, 1), 1000), leases: map[string]*lease{}}
}

const upsertWindow = `INSERT INTO api_rate_windows (rate_key, window_start, hits) VALUES (?, ?, ?)
ON CONFLICT (rate_key) DO UPDATE SET
	hits = CASE WHEN api_rate_windows.window_start <= ? THEN excluded.hits ELSE api_rate_windows.hits + excluded.hits END,
	window_start = CASE WHEN api_rate_windows.window_start <= ? THEN excluded.window_start ELSE api_rate_windows.window_start END
RETURNING window_start, hits`

// Allow counts a request for key.
func (s *Shared) Allow(ctx context.Context, key string) (Decision, error) {
	now := s.now().UnixMicro()
	l := s.lease(key)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.start != 0 && now >= l.start+Window.Microseconds() {
		l.start, l.left, l.hits, l.next, l.spent = 0, 0, 0, 0, false // the window ended
	}
	if l.start == 0 || (l.left == 0 && !l.spent) {
		if err := s.claim(ctx, key, l, now); err != nil {
			return Decision{}, err
		}
	}
	s.maybeSweep(ctx, now)
	reset := max(time.Duration(l.start+Window.Microseconds()-now)*time.Microsecond, 0)
	if l.left == 0 {
		return Decision{Allowed: false, Limit: s.limit, Remaining: 0, RetryAfter: reset, Reset: reset}, nil
	}
	l.left--
	// What is left of the budget as this instance knows it: the hits
	// counted so far, less those it holds unused.
	remaining := int64(s.limit) - (min(l.hits, int64(s.limit)) - l.left)
	return Decision{Allowed: true, Limit: s.limit, Remaining: int(max(remaining, 0)), Reset: reset}, nil
}

// claim takes the next block of hits for key from the store into l.
func (s *Shared) claim(ctx context.Context, key string, l *lease, now int64) error {
	n := min(max(l.next, 1), int64(max(s.MaxLease, 1)))
	ended := now - Window.Microseconds()
	var start, hits int64
	if err := s.db.WriteRow(ctx, upsertWindow, []any{key, now, n, ended, ended}, &start, &hits); err != nil {
		return fmt.Errorf("rate limit: %w", err)
	}
	granted := min(max(int64(s.limit)-(hits-n), 0), n)
	l.start, l.hits, l.left, l.next = start, hits, granted, 2*n
	l.spent = granted < n
	return nil
}

// lease returns this instance's lease for key.
func (s *Shared) lease(key string) *lease {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.leases[key]
	if l == nil {
		l = &lease{}
		s.leases[key] = l
	}
	return l
}

// forgetEnded drops the leases of windows that ended before now.
func (s *Shared) forgetEnded(now int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, l := range s.leases {
		if l.mu.TryLock() {
			if l.start == 0 || now >= l.start+Window.Microseconds() {
				delete(s.leases, k)
			}
			l.mu.Unlock()
		}
	}
}

// maybeSweep deletes ended windows if this instance has not done so in
// the last Window. A failed sweep is logged and retried next time: it only
// costs table space, never a wrong answer (ended rows are reset on use).
func (s *Shared) maybeSweep(ctx context.Context, now int64) {
	due := s.nextSweep.Load()
	if now < due || !s.nextSweep.CompareAndSwap(due, now+Window.Microseconds()) {
		return
	}
	s.forgetEnded(now)
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
