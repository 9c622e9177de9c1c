package store

import (
	"context"
	"testing"
)

// TestV25Upgrade: each user's organization_id becomes their one, default,
// organization membership; users without an organization get none.
func TestV25Upgrade(t *testing.T) {
	ctx := context.Background()
	eachAtVersion(t, 24, func(t *testing.T, db *DB) {
		var org, member, loner int64
		err := db.InTx(ctx, func(tx *Tx) error {
			var err error
			if org, err = tx.InsertID(ctx, `INSERT INTO organizations (name, name_key, created_at, updated_at) VALUES (?, ?, ?, ?)`,
				"Acme", "acme", 1, 1); err != nil {
				return err
			}
			if member, err = tx.InsertID(ctx, `INSERT INTO users (name, email, role, organization_id, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?)`, "Member", "member@acme.test", "end-user", org, 1, 7); err != nil {
				return err
			}
			loner, err = tx.InsertID(ctx, `INSERT INTO users (name, email, role, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`,
				"Loner", "loner@example.test", "end-user", 1, 1)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		var user, gotOrg, created int64
		var def bool
		if err := db.QueryRow(ctx, `SELECT user_id, organization_id, is_default, created_at FROM organization_memberships`).
			Scan(&user, &gotOrg, &def, &created); err != nil {
			t.Fatal(err)
		}
		if user != member || gotOrg != org || !def || created != 7 {
			t.Fatalf("membership: user %d org %d default %v created %d; want user %d org %d default", user, gotOrg, def, created, member, org)
		}
		var n int
		if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM organization_memberships WHERE user_id = ?`, loner).Scan(&n); err != nil || n != 0 {
			t.Fatalf("user without an organization: %d memberships (%v)", n, err)
		}
	})
}
