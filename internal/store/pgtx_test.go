package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// TestPostgresTxEnds: a PostgreSQL write transaction runs on a pool
// connection with BEGIN and COMMIT sent by the store, so it must end the
// way sql.Tx did — a transaction a failed statement aborted is not reported
// committed, one whose caller gave up is rolled back, and the connection
// goes back to the pool outside any transaction.
func TestPostgresTxEnds(t *testing.T) {
	db := storetest.Postgres(t) // skips without FRONTDESK_TEST_DATABASE_URL
	ctx := context.Background()
	if _, err := db.Exec(ctx, `CREATE TABLE tx_probe (id INTEGER PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	count := func() int {
		var n int
		if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM tx_probe`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	// A failed statement whose error the function swallows.
	err := db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO tx_probe (id) VALUES (1)`); err != nil {
			return err
		}
		_, _ = tx.Exec(ctx, `INSERT INTO tx_probe (id) VALUES (1)`) // unique violation, ignored
		return nil
	})
	if err == nil || count() != 0 {
		t.Fatalf("aborted transaction: err %v, %d rows", err, count())
	}
	// A caller that gave up after its statements ran.
	cctx, cancel := context.WithCancel(ctx)
	err = db.InTx(cctx, func(tx *store.Tx) error {
		_, err := tx.Exec(cctx, `INSERT INTO tx_probe (id) VALUES (2)`)
		cancel()
		return err
	})
	if !errors.Is(err, context.Canceled) || count() != 0 {
		t.Fatalf("cancelled caller: err %v, %d rows", err, count())
	}
	// The pool's connections (4 or more) are reused, those of the two transactions
	// above included: each must be back outside any transaction, or these
	// statements would fail in an aborted one.
	for i := range 20 {
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO tx_probe (id) VALUES (?)`, 100+i)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	if n := count(); n != 20 {
		t.Fatalf("%d rows after 20 commits, want 20", n)
	}
}
