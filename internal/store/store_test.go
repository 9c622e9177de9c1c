package store_test

import (
	"context"
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
