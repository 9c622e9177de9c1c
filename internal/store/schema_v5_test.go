package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// TestV5Upgrade migrates a version-4 database and checks what version 5
// gives existing data: the oldest active admin becomes the account owner,
// existing API tokens stay read-write and never expire, nobody holds a
// custom role, and the built-in light-agent role exists.
func TestV5Upgrade(t *testing.T) {
	ctx := context.Background()
	open := map[string]func(t *testing.T) *DB{
		"sqlite": func(t *testing.T) *DB {
			db, err := openSQLite(ctx, filepath.Join(t.TempDir(), "frontdesk.db"))
			if err != nil {
				t.Fatal(err)
			}
			return db
		},
	}
	if base := os.Getenv("FRONTDESK_TEST_DATABASE_URL"); base != "" {
		open["postgres"] = func(t *testing.T) *DB {
			admin, err := sql.Open("pgx", base)
			if err != nil {
				t.Fatal(err)
			}
			b := make([]byte, 6)
			rand.Read(b)
			schema := "t_" + hex.EncodeToString(b)
			if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				admin.Exec("DROP SCHEMA " + schema + " CASCADE")
				admin.Close()
			})
			u, _ := url.Parse(base)
			q := u.Query()
			q.Set("search_path", schema)
			u.RawQuery = q.Encode()
			db, err := openPostgres(ctx, u.String())
			if err != nil {
				t.Fatal(err)
			}
			return db
		}
	}
	for name, openDB := range open {
		t.Run(name, func(t *testing.T) {
			db := openDB(t)
			defer db.Close()
			all := migrations
			var old []migration
			for _, m := range all {
				if m.Version <= 4 {
					old = append(old, m)
				}
			}
			migrations = old
			err := db.Migrate(ctx)
			migrations = all
			if err != nil {
				t.Fatal(err)
			}
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
}

// TestV5NoAdminNoOwner: an install without an active admin gets no owner
// row (the first admin created claims it).
func TestV5NoAdminNoOwner(t *testing.T) {
	ctx := context.Background()
	db, err := openSQLite(ctx, filepath.Join(t.TempDir(), "frontdesk.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var n int
	db.QueryRow(ctx, `SELECT COUNT(*) FROM settings WHERE key = 'account.owner_id'`).Scan(&n)
	if n != 0 {
		t.Fatalf("%d owner rows on an empty install", n)
	}
}
