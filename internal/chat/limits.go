package chat

import (
	"context"
	"fmt"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
)

// Per-IP budgets of what a visitor may do without a token: starting chats
// and leaving messages share one budget (each makes a ticket). They are
// kept in the store (ratelimit.Budgets), so every instance counts the same
// uses, on SQLite as on PostgreSQL.
const (
	DefaultStartsPerMinute = 10
	DefaultStartsPerHour   = 60
)

// LimitError is a refused use of a budget: a desk.Error (too_many) with
// how long until the budget has room again, for a Retry-After header.
type LimitError struct {
	Err        *desk.Error
	RetryAfter time.Duration
}

func (e *LimitError) Error() string { return e.Err.Error() }
func (e *LimitError) Unwrap() error { return e.Err }

// LimitOf is a configured limit: def when v is zero (unset), none (0)
// when v is negative.
func LimitOf(v, def int) int {
	switch {
	case v == 0:
		return def
	case v < 0:
		return 0
	}
	return v
}

// takeBudgets counts one use of each budget (key suffix, limit, window)
// for ip, refusing with a LimitError at the first one spent.
func (s *Service) takeBudgets(ctx context.Context, what, ip, message string, budgets ...budget) error {
	if s.Budgets == nil || ip == "" {
		return nil
	}
	for _, b := range budgets {
		d, err := s.Budgets.Take(ctx, "chat:"+what+":"+b.name+":"+ip, b.limit, b.window)
		if err != nil {
			return fmt.Errorf("chat: %s budget: %w", what, err)
		}
		if !d.Allowed {
			return &LimitError{Err: &desk.Error{Code: desk.ETOOMANY, Message: message}, RetryAfter: d.RetryAfter}
		}
	}
	return nil
}

type budget struct {
	name   string
	limit  int
	window time.Duration
}

// admitStart counts a new chat or left message from ip.
func (s *Service) admitStart(ctx context.Context, ip string) error {
	return s.takeBudgets(ctx, "start", ip, "Too many new chats and messages from here; wait a while and try again",
		budget{"m", LimitOf(s.StartsPerMinute, DefaultStartsPerMinute), time.Minute},
		budget{"h", LimitOf(s.StartsPerHour, DefaultStartsPerHour), time.Hour})
}
