package ratelimit

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/store"
)

// Budgets on two instances share one window per key: the limit named at
// each use holds across both, an hour's window ends after an hour (not a
// minute), a changed limit takes effect at once, 0 is no limit, and ended
// windows are swept.
func TestBudgetsShared(t *testing.T) {
	twoInstances(t, func(t *testing.T, a, b *store.DB) {
		ctx := context.Background()
		c := newClock()
		ba, bb := NewBudgets(a, c.Now, nil), NewBudgets(b, c.Now, nil)
		take := func(bu *Budgets, key string, limit int) Decision {
			t.Helper()
			d, err := bu.Take(ctx, key, limit, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			return d
		}
		for i := range 3 {
			bu := ba
			if i%2 == 1 {
				bu = bb
			}
			if d := take(bu, "k", 3); !d.Allowed || d.Remaining != 2-i {
				t.Fatalf("use %d: %+v", i+1, d)
			}
		}
		d := take(bb, "k", 3)
		if d.Allowed || d.RetryAfter != time.Hour {
			t.Fatalf("fourth use: %+v", d)
		}
		// Another key has its own budget.
		if d := take(ba, "other", 3); !d.Allowed {
			t.Fatalf("other key: %+v", d)
		}
		// A minute later the hour's window still holds; an admin raising
		// the limit lets the next use through at once.
		c.Advance(time.Minute)
		if d := take(ba, "k", 3); d.Allowed || d.RetryAfter != 59*time.Minute {
			t.Fatalf("after a minute: %+v", d)
		}
		if d := take(ba, "k", 10); !d.Allowed {
			t.Fatalf("raised limit: %+v", d)
		}
		// No limit counts nothing.
		for range 20 {
			if d := take(bb, "free", 0); !d.Allowed {
				t.Fatalf("unlimited: %+v", d)
			}
		}
		var n int
		if err := a.QueryRow(ctx, `SELECT COUNT(*) FROM rate_budgets WHERE rate_key = 'free'`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("unlimited uses stored %d rows (%v)", n, err)
		}
		// After the hour the window starts over, and the sweep removes the
		// ended ones.
		c.Advance(time.Hour)
		if d := take(bb, "k", 3); !d.Allowed || d.Remaining != 2 {
			t.Fatalf("next hour: %+v", d)
		}
		if err := a.QueryRow(ctx, `SELECT COUNT(*) FROM rate_budgets WHERE rate_key = 'other'`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("ended window kept: %d (%v)", n, err)
		}
		if _, err := ba.Take(ctx, "k", 1, 0); err == nil {
			t.Fatal("a zero window was accepted")
		}
	})
}

// Concurrent uses from two instances are counted exactly.
func TestBudgetsConcurrent(t *testing.T) {
	twoInstances(t, func(t *testing.T, a, b *store.DB) {
		ctx := context.Background()
		ba, bb := NewBudgets(a, nil, nil), NewBudgets(b, nil, nil)
		var mu sync.Mutex
		allowed := 0
		var wg sync.WaitGroup
		for i := range 40 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				bu := ba
				if i%2 == 1 {
					bu = bb
				}
				d, err := bu.Take(ctx, "c", 15, time.Hour)
				if err != nil {
					t.Error(err)
					return
				}
				if d.Allowed {
					mu.Lock()
					allowed++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if allowed != 15 {
			t.Fatalf("allowed %d of 40, want 15", allowed)
		}
	})
}
