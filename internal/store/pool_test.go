package store_test

import (
	"context"
	"runtime"
	"testing"

	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// TestPostgresPoolIsSized: an open store keeps the connections Options ask
// for, twice the CPUs (at least 4) without them, and a size out of range is
// refused before anything is opened.
func TestPostgresPoolIsSized(t *testing.T) {
	if got, want := store.DefaultPostgresPool(), max(4, runtime.GOMAXPROCS(0)*2); got != want {
		t.Fatalf("default pool %d, want %d", got, want)
	}
	ctx := context.Background()
	for _, n := range []int{-1, store.MaxPostgresPool + 1} {
		if db, err := store.OpenWith(ctx, "postgres://nobody@127.0.0.1:1/none", "", store.Options{PostgresPool: n}); err == nil {
			db.Close()
			t.Errorf("pool of %d accepted", n)
		}
	}
	base := storetest.PostgresURL()
	if base == "" {
		t.Skip("FRONTDESK_TEST_DATABASE_URL not set")
	}
	u, _ := storetest.SchemaURL(t, base)
	for _, c := range []struct{ opt, want int }{{0, store.DefaultPostgresPool()}, {3, 3}, {store.MaxPostgresPool, store.MaxPostgresPool}} {
		db, err := store.OpenWith(ctx, u, "", store.Options{PostgresPool: c.opt})
		if err != nil {
			t.Fatal(err)
		}
		w, r := db.Stats()
		db.Close()
		if w.MaxOpenConnections != c.want || r.MaxOpenConnections != c.want {
			t.Errorf("PostgresPool %d: pool of %d/%d, want %d", c.opt, w.MaxOpenConnections, r.MaxOpenConnections, c.want)
		}
	}
}
