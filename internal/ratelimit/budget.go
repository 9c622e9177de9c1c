package ratelimit

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/frontdesk/frontdesk/internal/store"
)

// Budgets counts uses of keyed budgets whose limit and window the caller
// names at each use (a limit an admin may change while the server runs,
// over windows longer than a minute: the community's posts per user per
// hour, say). The windows live in the rate_budgets table on both stores,
// so every instance shares them; each use is one UPSERT, exact under
// concurrency by the row lock. Like Shared, a key's window starts at its
// first use, refused uses do not move its end, and ended windows are
// swept by the uses themselves.
type Budgets struct {
	db     *store.DB
	now    func() time.Time
	logger *slog.Logger
	// nextSweep is when (unix microseconds) the next sweep is due.
	nextSweep atomic.Int64
}

// NewBudgets returns budgets kept in db; now is the clock (nil =
// time.Now).
func NewBudgets(db *store.DB, now func() time.Time, logger *slog.Logger) *Budgets {
	if now == nil {
		now = time.Now
	}
	if logger == nil {
		logger = slog.Default()
	}
	return &Budgets{db: db, now: now, logger: logger}
}

// sweepEvery bounds how often one instance sweeps ended windows.
const sweepEvery = time.Minute

const upsertBudget = `INSERT INTO rate_budgets (rate_key, window_end, hits) VALUES (?, ?, 1)
ON CONFLICT (rate_key) DO UPDATE SET
	hits = CASE WHEN rate_budgets.window_end <= ? THEN 1 ELSE rate_budgets.hits + 1 END,
	window_end = CASE WHEN rate_budgets.window_end <= ? THEN excluded.window_end ELSE rate_budgets.window_end END
RETURNING window_end, hits`

// Take counts one use of key against limit uses per window. A limit of 0
// (or less) is no limit: nothing is counted and the use is allowed.
func (b *Budgets) Take(ctx context.Context, key string, limit int, window time.Duration) (Decision, error) {
	if limit <= 0 {
		return Decision{Allowed: true}, nil
	}
	if window <= 0 {
		return Decision{}, fmt.Errorf("rate budget %s: window must be positive", key)
	}
	now := b.now().UnixMicro()
	var end, hits int64
	if err := b.db.WriteRow(ctx, upsertBudget, []any{key, now + window.Microseconds(), now, now}, &end, &hits); err != nil {
		return Decision{}, fmt.Errorf("rate budget: %w", err)
	}
	b.maybeSweep(ctx, now)
	reset := max(time.Duration(end-now)*time.Microsecond, 0)
	if hits > int64(limit) {
		return Decision{Allowed: false, Limit: limit, RetryAfter: reset, Reset: reset}, nil
	}
	return Decision{Allowed: true, Limit: limit, Remaining: limit - int(hits), Reset: reset}, nil
}

func (b *Budgets) maybeSweep(ctx context.Context, now int64) {
	due := b.nextSweep.Load()
	if now < due || !b.nextSweep.CompareAndSwap(due, now+sweepEvery.Microseconds()) {
		return
	}
	if _, err := b.db.Exec(ctx, `DELETE FROM rate_budgets WHERE window_end <= ?`, now); err != nil {
		b.logger.Warn("rate budget sweep failed", "err", err)
	}
}
