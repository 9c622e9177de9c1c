package store

import (
	"context"
	"strconv"
	"testing"
)

// TestV5Upgrade migrates a version-4 database and checks what version 5
// gives existing data: the oldest active admin becomes the account owner,
// existing API tokens stay read-write and never expire, nobody holds a
// custom role, and the built-in light-agent role exists.
func TestV5Upgrade(t *testing.T) {
	ctx := context.Background()
	eachAtVersion(t, 4, func(t *testing.T, db *DB) {
		ids := map[string]int64{}
		for _, u := range []struct {
			email, role string
			active      bool
		}{
			{"gone@example.com", "admin", false},
			{"agent@example.com", "agent", true},
			{"first@example.com", "admin", true},
			{"second@example.com", "admin", true},
		} {
			var id int64
			err := db.InTx(ctx, func(tx *Tx) error {
				var err error
				id, err = tx.InsertID(ctx, `INSERT INTO users (name, email, role, active, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
					"U", u.email, u.role, u.active, 1, 1)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			ids[u.email] = id
		}
		if _, err := db.Exec(ctx, `INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES (?, ?, ?, ?)`,
			ids["agent@example.com"], "old", "hash", 1); err != nil {
			t.Fatal(err)
		}
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		var owner string
		if err := db.QueryRow(ctx, `SELECT value FROM settings WHERE key = 'account.owner_id'`).Scan(&owner); err != nil {
			t.Fatal(err)
		}
		if owner != strconv.FormatInt(ids["first@example.com"], 10) {
			t.Fatalf("owner %s, want the oldest active admin %d", owner, ids["first@example.com"])
		}
		var scope string
		var expires int64
		if err := db.QueryRow(ctx, `SELECT scope, expires_at FROM api_tokens`).Scan(&scope, &expires); err != nil || scope != "read-write" || expires != 0 {
			t.Fatalf("token %q %d %v", scope, expires, err)
		}
		var held, light int
		db.QueryRow(ctx, `SELECT COUNT(*) FROM users WHERE custom_role_id IS NOT NULL`).Scan(&held)
		db.QueryRow(ctx, `SELECT COUNT(*) FROM custom_roles WHERE role_type = 1`).Scan(&light)
		if held != 0 || light != 1 {
			t.Fatalf("custom roles held %d, light-agent roles %d", held, light)
		}
	})
}
