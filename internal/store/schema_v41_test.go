package store

import (
	"context"
	"testing"
)

// TestV41Upgrade: entries recorded before the hash chain stay as they were
// (no seq, no hash) and are counted as legacy by the chain's one row, which
// starts empty.
func TestV41Upgrade(t *testing.T) {
	ctx := context.Background()
	eachAtVersion(t, 40, func(t *testing.T, db *DB) {
		var last int64
		err := db.InTx(ctx, func(tx *Tx) error {
			for range 3 {
				var err error
				if last, err = tx.InsertID(ctx, `INSERT INTO audit_log (created_at, action, target_type) VALUES (?, ?, ?)`, 1, "group.created", "group"); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		var seq, legacy, anchor int64
		var hash string
		if err := db.QueryRow(ctx, `SELECT seq, hash, legacy_max_id, anchor_seq FROM audit_chain WHERE id = 1`).Scan(&seq, &hash, &legacy, &anchor); err != nil {
			t.Fatal(err)
		}
		if seq != 0 || hash != "" || legacy != last || anchor != 1 {
			t.Errorf("chain row seq=%d hash=%q legacy=%d anchor=%d, want 0 \"\" %d 1", seq, hash, legacy, anchor, last)
		}
		var unchained int
		if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE seq IS NULL AND hash = ''`).Scan(&unchained); err != nil || unchained != 3 {
			t.Errorf("unchained legacy entries %d (%v), want 3", unchained, err)
		}
	})
}
