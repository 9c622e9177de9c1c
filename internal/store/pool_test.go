package store_test

import (
	"context"
	"database/sql"
	"net/url"
	"runtime"
	"strings"
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

// TestPostgresWithoutJIT: the store's sessions run without JIT (a search
// spent half its time compiling itself), unless the URL asks for it; a URL
// pgx cannot parse is refused without repeating its password.
func TestPostgresWithoutJIT(t *testing.T) {
	ctx := context.Background()
	if _, err := store.Open(ctx, "postgres://frontdesk:s3cret-pw@127.0.0.1:notaport/db", ""); err == nil {
		t.Fatal("a URL with a port that is no number was accepted")
	} else if strings.Contains(err.Error(), "s3cret-pw") {
		t.Fatalf("the error repeats the password: %v", err)
	}
	base := storetest.PostgresURL()
	if base == "" {
		t.Skip("FRONTDESK_TEST_DATABASE_URL not set")
	}
	u, _ := storetest.SchemaURL(t, base)
	pu, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	q := pu.Query()
	q.Set("jit", "on")
	pu.RawQuery = q.Encode()
	for _, c := range []struct{ url, want string }{{u, "off"}, {pu.String(), "on"}} {
		db, err := store.Open(ctx, c.url, "")
		if err != nil {
			t.Fatal(err)
		}
		// Three connections of the pool at once, not one reused.
		var open []*sql.Rows
		for range 3 {
			rows, err := db.ByValue().Query(ctx, `SELECT current_setting('jit'), pg_backend_pid()`)
			if err != nil {
				t.Fatal(err)
			}
			open = append(open, rows)
		}
		pids := map[int]bool{}
		for _, rows := range open {
			var jit string
			var pid int
			if !rows.Next() {
				t.Fatal(rows.Err())
			}
			if err := rows.Scan(&jit, &pid); err != nil {
				t.Fatal(err)
			}
			rows.Close()
			pids[pid] = true
			if jit != c.want {
				t.Errorf("jit is %q on connection %d, want %q", jit, pid, c.want)
			}
		}
		db.Close()
		if len(pids) != 3 {
			t.Errorf("3 rows open at once came from %d connections", len(pids))
		}
	}
}
