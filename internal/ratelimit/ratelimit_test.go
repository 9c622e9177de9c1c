package ratelimit

import (
	"context"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// twoInstances gives two separate handles on one database, as two
// instances have: the same SQLite file opened twice, or the same
// PostgreSQL schema through two pools.
func twoInstances(t *testing.T, fn func(t *testing.T, a, b *store.DB)) {
	t.Run("sqlite", func(t *testing.T) {
		dir := t.TempDir()
		a, b := open(t, "", dir), open(t, "", dir)
		fn(t, a, b)
	})
	if base := storetest.PostgresURL(); base != "" {
		t.Run("postgres", func(t *testing.T) {
			u, _ := storetest.SchemaURL(t, base)
			a, b := open(t, u, ""), open(t, u, "")
			fn(t, a, b)
		})
	} else if os.Getenv("FRONTDESK_REQUIRE_POSTGRES") != "" {
		t.Fatal("FRONTDESK_REQUIRE_POSTGRES is set but FRONTDESK_TEST_DATABASE_URL is not")
	}
}

func open(t *testing.T, url, dir string) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), url, dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

type clock struct{ t atomic.Int64 }

func newClock() *clock {
	c := &clock{}
	c.t.Store(time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC).UnixMicro())
	return c
}
func (c *clock) Now() time.Time          { return time.UnixMicro(c.t.Load()) }
func (c *clock) Advance(d time.Duration) { c.t.Add(d.Microseconds()) }

func allow(t *testing.T, l Limiter, key string) Decision {
	t.Helper()
	d, err := l.Allow(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestSharedBudgetAcrossInstances: two limiters on two handles of one
// database draw from one budget per key; refused requests do not push the
// reset away; the window reopens after a minute; keys are independent.
func TestSharedBudgetAcrossInstances(t *testing.T) {
	twoInstances(t, func(t *testing.T, dbA, dbB *store.DB) {
		c := newClock()
		a, b := NewShared(dbA, 5, c.Now, nil), NewShared(dbB, 5, c.Now, nil)
		want := []struct {
			l         Limiter
			allowed   bool
			remaining int
		}{{a, true, 4}, {b, true, 3}, {a, true, 2}, {b, true, 1}, {b, true, 0}, {a, false, 0}, {b, false, 0}}
		for i, w := range want {
			d := allow(t, w.l, "u1")
			if d.Allowed != w.allowed || d.Remaining != w.remaining || d.Limit != 5 {
				t.Fatalf("request %d: got %+v, want allowed=%v remaining=%d", i, d, w.allowed, w.remaining)
			}
			if !d.Allowed && d.RetryAfter != time.Minute {
				t.Fatalf("request %d: retry after %v, want 1m (the window started now)", i, d.RetryAfter)
			}
		}
		if d := allow(t, a, "u2"); !d.Allowed || d.Remaining != 4 {
			t.Fatalf("another token shares the budget: %+v", d)
		}
		c.Advance(59 * time.Second)
		if d := allow(t, b, "u1"); d.Allowed || d.RetryAfter != time.Second {
			t.Fatalf("refused requests moved the reset: %+v", d)
		}
		c.Advance(time.Second)
		if d := allow(t, b, "u1"); !d.Allowed || d.Remaining != 4 {
			t.Fatalf("after the window: %+v", d)
		}
		if d := allow(t, a, "u1"); !d.Allowed || d.Remaining != 3 {
			t.Fatalf("the new window is shared too: %+v", d)
		}
	})
}

// TestSharedConcurrent: requests racing on both instances are counted
// exactly — the limit lets through exactly limit requests.
func TestSharedConcurrent(t *testing.T) {
	twoInstances(t, func(t *testing.T, dbA, dbB *store.DB) {
		c := newClock()
		ls := []Limiter{NewShared(dbA, 10, c.Now, nil), NewShared(dbB, 10, c.Now, nil)}
		if n := race(t, ls, 24); n != 10 {
			t.Fatalf("%d requests allowed, want exactly 10", n)
		}
	})
}

// race sends n requests for one key at once, spread over the limiters in
// turn, and returns how many were allowed.
func race(t *testing.T, ls []Limiter, n int) int32 {
	t.Helper()
	var allowed atomic.Int32
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			d, err := ls[i%len(ls)].Allow(context.Background(), "hot")
			if err != nil {
				t.Error(err)
				return
			}
			if d.Allowed {
				allowed.Add(1)
			}
		})
	}
	wg.Wait()
	return allowed.Load()
}

// TestSharedSweep: ended windows are deleted by a later request once the
// sweep is due; live ones stay.
func TestSharedSweep(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := newClock()
		l := NewShared(db, 5, c.Now, nil)
		for _, k := range []string{"old1", "old2"} {
			allow(t, l, k)
		}
		c.Advance(2 * time.Minute)
		allow(t, l, "new")
		var keys []string
		rows, err := db.Query(context.Background(), `SELECT rate_key FROM api_rate_windows ORDER BY rate_key`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var k string
			rows.Scan(&k)
			keys = append(keys, k)
		}
		if len(keys) != 1 || keys[0] != "new" {
			t.Fatalf("rows after sweep: %v, want [new]", keys)
		}
	})
}

func TestForPicksByStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		l := For(db, 10, nil)
		_, shared := l.(*Shared)
		if shared != (db.Dialect == store.Postgres) {
			t.Fatalf("%s store got %T", db.Dialect, l)
		}
		if _, ok := For(db, 0, nil).(*Memory); !ok {
			t.Fatal("unlimited should need no database")
		}
	})
}

// BenchmarkSharedAllow measures the per-request cost of the shared limiter
// on each store, spread over 100 tokens: with blocks of one hit (every
// request an UPSERT … RETURNING, as for a limit under 100 a minute) and
// with the default block (a busy token at a limit too high to reach here).
func BenchmarkSharedAllow(b *testing.B) {
	dbs := map[string]*store.DB{"sqlite": storetest.SQLite(b)}
	if storetest.PostgresURL() != "" {
		dbs["postgres"] = storetest.Postgres(b)
	}
	for name, db := range dbs {
		for _, lease := range []int{1, 0} {
			label := "lease=1"
			if lease == 0 {
				label = "lease=default"
			}
			b.Run(name+"/"+label, func(b *testing.B) {
				l := NewShared(db, 1<<30, nil, nil)
				if lease != 0 {
					l.MaxLease = lease
				}
				keys := make([]string, 100)
				for i := range keys {
					keys[i] = "u" + strconv.Itoa(i)
				}
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					i := 0
					for pb.Next() {
						if _, err := l.Allow(context.Background(), keys[i%len(keys)]); err != nil {
							b.Error(err)
							return
						}
						i++
					}
				})
			})
		}
	}
}

// TestWindowsTableUnloggedOnPostgres: the hot-path table skips the WAL
// (a crash may only reset budgets), so a request does not wait on a flush.
func TestWindowsTableUnloggedOnPostgres(t *testing.T) {
	db := storetest.Postgres(t)
	var persistence string
	if err := db.QueryRow(context.Background(), `SELECT relpersistence FROM pg_class WHERE oid = 'api_rate_windows'::regclass`).Scan(&persistence); err != nil {
		t.Fatal(err)
	}
	if persistence != "u" {
		t.Fatalf("api_rate_windows relpersistence = %q, want u (unlogged)", persistence)
	}
}

// TestSharedLeases: with blocks of more than one hit, one instance alone
// still gets exactly the limit, with exact Remaining headers, from a
// statement per block rather than per request; once the window is spent
// it refuses without a round trip; and the next window starts again with
// a block of one.
func TestSharedLeases(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := newClock()
		l := NewShared(db, 20, c.Now, nil)
		l.MaxLease = 8
		statements := 0 // claims: the UPSERTs (not the sweep, nor SQLite's BEGIN and COMMIT)
		ctx := store.TraceStatements(context.Background(), func(q string) {
			if strings.Contains(q, "INSERT INTO api_rate_windows") {
				statements++
			}
		})
		for i := range 20 {
			d, err := l.Allow(ctx, "busy")
			if err != nil {
				t.Fatal(err)
			}
			if !d.Allowed || d.Remaining != 19-i || d.Limit != 20 {
				t.Fatalf("request %d: %+v, want allowed with %d remaining", i, d, 19-i)
			}
		}
		// Blocks of 1, 2, 4, 8 and the 5 left.
		if statements != 5 {
			t.Errorf("%d statements for 20 requests, want 5 (one per block)", statements)
		}
		statements = 0
		for range 3 {
			if d, err := l.Allow(ctx, "busy"); err != nil || d.Allowed || d.RetryAfter != time.Minute {
				t.Fatalf("over the limit: %+v, %v", d, err)
			}
		}
		if statements > 1 {
			t.Errorf("%d statements for 3 refusals, want at most 1", statements)
		}
		c.Advance(time.Minute)
		statements = 0
		if d, err := l.Allow(ctx, "busy"); err != nil || !d.Allowed || d.Remaining != 19 {
			t.Fatalf("next window: %+v, %v", d, err)
		}
		var hits int
		if err := db.QueryRow(context.Background(), `SELECT hits FROM api_rate_windows WHERE rate_key = ?`, "busy").Scan(&hits); err != nil || hits != 1 {
			t.Fatalf("the new window's first claim counted %d hits (%v), want 1", hits, err)
		}
	})
}

// TestSharedLeasesConcurrent: requests racing on two instances that claim
// blocks never get more than the limit through together, and no fewer
// than the limit less what one instance may hold unused (MaxLease − 1).
func TestSharedLeasesConcurrent(t *testing.T) {
	twoInstances(t, func(t *testing.T, dbA, dbB *store.DB) {
		c := newClock()
		a, b := NewShared(dbA, 40, c.Now, nil), NewShared(dbB, 40, c.Now, nil)
		a.MaxLease, b.MaxLease = 4, 4
		if n := race(t, []Limiter{a, b}, 100); n > 40 || n < 40-3 {
			t.Fatalf("%d requests allowed, want 37–40 and never over 40", n)
		}
	})
}

// TestSharedDefaultLease: the default block is a fiftieth of the limit, at
// least one hit (small limits are counted request by request) and at most
// a thousand.
func TestSharedDefaultLease(t *testing.T) {
	db := storetest.SQLite(t)
	for limit, want := range map[int]int{5: 1, 99: 1, 700: 14, 1 << 30: 1000} {
		if got := NewShared(db, limit, nil, nil).MaxLease; got != want {
			t.Errorf("limit %d: MaxLease %d, want %d", limit, got, want)
		}
	}
}
