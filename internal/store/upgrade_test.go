package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
)

// eachAtVersion opens a fresh store per dialect, migrates it only up to
// version, and runs fn: upgrade tests seed old-shaped data there, then run
// Migrate and check what the newer versions made of it.
func eachAtVersion(t *testing.T, version int, fn func(t *testing.T, db *DB)) {
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
			db, err := openPostgres(ctx, u.String(), 0)
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
				if m.Version <= version {
					old = append(old, m)
				}
			}
			migrations = old
			err := db.Migrate(ctx)
			migrations = all
			if err != nil {
				t.Fatal(err)
			}
			fn(t, db)
		})
	}
}
