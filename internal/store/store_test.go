package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

func TestMigrateIsIdempotent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if err := db.Migrate(ctx); err != nil {
			t.Fatalf("second migrate: %v", err)
		}
		v, err := db.SchemaVersion(ctx)
		if err != nil || v < 1 {
			t.Fatalf("version = %d, %v", v, err)
		}
		if err := db.Ping(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

func TestTxRollsBackAndRunsHooksOnlyAfterCommit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ran := 0
		err := db.InTx(ctx, func(tx *store.Tx) error {
			tx.AfterCommit(func() { ran++ })
			if _, err := tx.Exec(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)`, "a", "1"); err != nil {
				return err
			}
			return context.Canceled
		})
		if err != context.Canceled || ran != 0 {
			t.Fatalf("err=%v ran=%d", err, ran)
		}
		var n int
		db.QueryRow(ctx, `SELECT COUNT(*) FROM settings`).Scan(&n)
		if n != 0 {
			t.Fatalf("rolled-back row visible: %d", n)
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			tx.AfterCommit(func() { ran++ })
			_, err := tx.Exec(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)`, "a", "1")
			return err
		}); err != nil || ran != 1 {
			t.Fatalf("err=%v ran=%d", err, ran)
		}
		err = db.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)`, "a", "2")
			return err
		})
		if !store.IsUniqueViolation(err) {
			t.Fatalf("want unique violation, got %v", err)
		}
	})
}

func TestRebind(t *testing.T) {
	db := &store.DB{Dialect: store.Postgres}
	if got := db.Rebind("a = ? AND b IN (?, ?)"); got != "a = $1 AND b IN ($2, $3)" {
		t.Fatal(got)
	}
}

// TestConcurrentTransactionsAreIsolated drives many writers at once: on
// SQLite they share group commits, so a failing or panicking transaction must
// roll back alone while its neighbours in the same batch commit.
func TestConcurrentTransactionsAreIsolated(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		const n = 200
		var hooks atomic.Int64
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				errs[i] = db.InTx(ctx, func(tx *store.Tx) error {
					tx.AfterCommit(func() { hooks.Add(1) })
					if _, err := tx.Exec(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)`, fmt.Sprintf("k%d", i), "v"); err != nil {
						return err
					}
					switch i % 10 {
					case 3:
						return errors.New("refused")
					case 7:
						panic("boom")
					case 9:
						// A duplicate key fails inside the transaction after a good write.
						_, err := tx.Exec(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)`, fmt.Sprintf("k%d", i), "dup")
						return err
					}
					return nil
				})
			})
		}
		wg.Wait()
		ok := 0
		for i, err := range errs {
			want := i%10 != 3 && i%10 != 7 && i%10 != 9
			if (err == nil) != want {
				t.Fatalf("tx %d: err = %v", i, err)
			}
			if err == nil {
				ok++
			}
		}
		var rows int
		db.QueryRow(ctx, `SELECT COUNT(*) FROM settings`).Scan(&rows)
		if rows != ok || int(hooks.Load()) != ok {
			t.Fatalf("%d committed, %d rows, %d hooks", ok, rows, hooks.Load())
		}
		if txs, commits := db.BatchStats(); db.Dialect == store.SQLite && (txs < n || commits > txs) {
			t.Fatalf("batch stats %d/%d", txs, commits)
		}
	})
}

// BeforeCommit steps run inside the transaction after its function, in
// order; one that fails rolls everything back and no AfterCommit hook runs.
// Values live for one transaction.
func TestBeforeCommitRunsInsideTheTransaction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var order []string
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			if tx.Value("k") != nil {
				t.Error("a new transaction has a value")
			}
			tx.SetValue("k", 1)
			tx.BeforeCommit(func() error {
				order = append(order, fmt.Sprint("pre1:", tx.Value("k")))
				_, err := tx.Exec(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)`, "pre", "1")
				return err
			})
			tx.BeforeCommit(func() error { order = append(order, "pre2"); return nil })
			tx.AfterCommit(func() { order = append(order, "after") })
			order = append(order, "fn")
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(order) != "[fn pre1:1 pre2 after]" {
			t.Fatalf("order %v", order)
		}
		ran := false
		err := db.InTx(ctx, func(tx *store.Tx) error {
			if _, err := tx.Exec(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)`, "fn", "1"); err != nil {
				return err
			}
			tx.BeforeCommit(func() error { return errors.New("late failure") })
			tx.AfterCommit(func() { ran = true })
			return nil
		})
		if err == nil || err.Error() != "late failure" || ran {
			t.Fatalf("err=%v after-commit ran=%v", err, ran)
		}
		var n int
		if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM settings WHERE key IN ('pre', 'fn')`).Scan(&n); err != nil || n != 1 {
			t.Fatalf("rows %d, %v (want only the first transaction's)", n, err)
		}
	})
}

// TestLookupSeesCommitsWithoutAMemoryMap checks Lookup on both stores: it
// reads what the last write committed, and on SQLite its connections have
// no memory map while the read pool's do (see openSQLite: a map is dropped
// after every commit, which cost an API token check more than its read).
func TestLookupSeesCommitsWithoutAMemoryMap(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		for i := range 3 {
			if err := db.InTx(ctx, func(tx *store.Tx) error {
				_, err := tx.Exec(ctx, `INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, "lookup.test", fmt.Sprint(i))
				return err
			}); err != nil {
				t.Fatal(err)
			}
			var v string
			if err := db.Lookup(ctx, `SELECT value FROM settings WHERE key = ?`, "lookup.test").Scan(&v); err != nil || v != fmt.Sprint(i) {
				t.Fatalf("after commit %d Lookup read %q, %v", i, v, err)
			}
		}
		if err := db.Lookup(ctx, `SELECT value FROM settings WHERE key = ?`, "no such key").Scan(new(string)); !errors.Is(err, sql.ErrNoRows) {
			t.Fatalf("Lookup of a missing key: %v, want sql.ErrNoRows", err)
		}
		if db.Dialect != store.SQLite {
			return
		}
		var lookupMap, readMap int64
		if err := db.Lookup(ctx, `PRAGMA mmap_size`).Scan(&lookupMap); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRow(ctx, `PRAGMA mmap_size`).Scan(&readMap); err != nil {
			t.Fatal(err)
		}
		if lookupMap != 0 || readMap == 0 {
			t.Errorf("mmap_size: lookups %d (want 0), reads %d (want a map)", lookupMap, readMap)
		}
	})
}

// TestInsertIDReturnsTheRowsID checks InsertID on both stores (SQLite reads
// the last insert's rowid instead of RETURNING): each id is its row's, an
// insert that a conflict skips is sql.ErrNoRows, and an insert after the
// skipped one still gets its own id.
func TestInsertIDReturnsTheRowsID(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		const ins = `INSERT INTO organizations (name, name_key, created_at, updated_at) VALUES (?, ?, 1, 1) ON CONFLICT DO NOTHING`
		err := db.InTx(ctx, func(tx *store.Tx) error {
			seen := map[int64]string{}
			for _, name := range []string{"Acme", "Globex", "Acme", "Initech"} {
				id, err := tx.InsertID(ctx, ins, name, "insertid-"+name)
				if name == "Acme" && len(seen) > 0 {
					if !errors.Is(err, sql.ErrNoRows) {
						return fmt.Errorf("a skipped insert gave id %d, %v; want sql.ErrNoRows", id, err)
					}
					continue
				}
				if err != nil {
					return err
				}
				var got string
				if err := tx.QueryRow(ctx, `SELECT name FROM organizations WHERE id = ?`, id).Scan(&got); err != nil || got != name {
					return fmt.Errorf("id %d of %s is the row of %q (%v)", id, name, got, err)
				}
				if _, dup := seen[id]; dup {
					return fmt.Errorf("id %d given twice", id)
				}
				seen[id] = name
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
