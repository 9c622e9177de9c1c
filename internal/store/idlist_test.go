package store_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// TestAnyID: the condition finds exactly the rows of the ids given, one id
// or a thousand, through the pool and inside a transaction, on both stores;
// on PostgreSQL as one array parameter whatever the count, so the text of
// the statement does not change with it.
func TestAnyID(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if _, err := db.Exec(ctx, `CREATE TABLE anyid_probe (id BIGINT PRIMARY KEY)`); err != nil {
			t.Fatal(err)
		}
		for i := int64(1); i <= 1200; i++ {
			if _, err := db.Exec(ctx, `INSERT INTO anyid_probe (id) VALUES (?)`, i); err != nil {
				t.Fatal(err)
			}
		}
		find := func(q store.Querier, ids []int64) []int64 {
			t.Helper()
			in, args := store.AnyID(q, ids)
			rows, err := q.Query(ctx, `SELECT id FROM anyid_probe WHERE id`+in+` ORDER BY id`, args...)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var got []int64
			for rows.Next() {
				var id int64
				if err := rows.Scan(&id); err != nil {
					t.Fatal(err)
				}
				got = append(got, id)
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			return got
		}
		thousand := make([]int64, 1000)
		for i := range thousand {
			thousand[i] = int64(2 * (i + 1)) // even ids, up to 2,000: 600 exist
		}
		if got := find(db, []int64{7}); !slices.Equal(got, []int64{7}) {
			t.Fatalf("one id: %v", got)
		}
		if got := find(db, []int64{5, 99999, 3, 5}); !slices.Equal(got, []int64{3, 5}) {
			t.Fatalf("missing and repeated ids: %v", got)
		}
		if got := find(db, thousand); len(got) != 600 || got[0] != 2 || got[599] != 1200 {
			t.Fatalf("a thousand ids: %d rows, %v…", len(got), got[:min(3, len(got))])
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			if got := find(tx, []int64{1, 1200}); !slices.Equal(got, []int64{1, 1200}) {
				t.Fatalf("in a transaction: %v", got)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		one, args1 := store.AnyID(db, []int64{1})
		many, args2 := store.AnyID(db, thousand)
		if db.Dialect == store.Postgres {
			if one != many || len(args1) != 1 || len(args2) != 1 || !strings.Contains(one, "ANY") {
				t.Fatalf("PostgreSQL: %q (%d args) and %q (%d args), want one array parameter", one, len(args1), many, len(args2))
			}
		} else if len(args2) != 1000 {
			t.Fatalf("SQLite: %d arguments for 1,000 ids", len(args2))
		}
	})
}

func TestPlaceholders(t *testing.T) {
	for n, want := range map[int]string{-1: "", 0: "", 1: "?", 3: "?, ?, ?"} {
		if got := store.Placeholders(n); got != want {
			t.Errorf("Placeholders(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestByValue: ByValue's reads answer as Query's do, on both stores, and
// on PostgreSQL leave no prepared statement behind (so each run is planned
// for its values), where Query's statements stay prepared.
func TestByValue(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var n int64
		var s string
		if err := db.ByValue().QueryRow(ctx, `SELECT ? + 1, CAST(? AS TEXT)`, int64(41), "ok").Scan(&n, &s); err != nil || n != 42 || s != "ok" {
			t.Fatalf("ByValue().QueryRow = %d, %q, %v", n, s, err)
		}
		rows, err := db.ByValue().Query(ctx, `SELECT x FROM (SELECT 1 AS x UNION ALL SELECT 2) v WHERE x >= ? ORDER BY x`, 1)
		if err != nil {
			t.Fatal(err)
		}
		var got []int
		for rows.Next() {
			var x int
			if err := rows.Scan(&x); err != nil {
				t.Fatal(err)
			}
			got = append(got, x)
		}
		if rows.Close(); !slices.Equal(got, []int{1, 2}) {
			t.Fatalf("ByValue().Query = %v", got)
		}
		viaValue, _ := store.AnyID(db.ByValue(), []int64{1, 2})
		viaDB, _ := store.AnyID(db, []int64{1, 2})
		if viaValue != viaDB {
			t.Fatalf("AnyID through ByValue = %q, through the DB %q", viaValue, viaDB)
		}
	})
	if storetest.PostgresURL() == "" {
		return
	}
	db := storetest.PostgresPool(t, 1)
	ctx := context.Background()
	for range 7 {
		var one int
		if err := db.ByValue().QueryRow(ctx, `SELECT CAST(? AS INTEGER) /* byvalue */`, 1).Scan(&one); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRow(ctx, `SELECT CAST(? AS INTEGER) /* prepared */`, 1).Scan(&one); err != nil {
			t.Fatal(err)
		}
	}
	count := func(marker string) int {
		var n int
		if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM pg_prepared_statements WHERE statement LIKE ?`, "%/* "+marker+" */%").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count("byvalue"); n != 0 {
		t.Errorf("ByValue's statement is prepared (%d)", n)
	}
	if n := count("prepared"); n != 1 {
		t.Errorf("Query's statement prepared %d times, want 1 (the check sees nothing)", n)
	}
}
