package storetest

import (
	"context"
	"database/sql"
	"net/url"
	"strings"
	"testing"
)

// TestPostgresStoresAreDatabasesOfTheirOwn: each PostgreSQL store a test
// opens is a migrated database copied from the template, sees nothing of
// another test's, and is gone when its test ends.
func TestPostgresStoresAreDatabasesOfTheirOwn(t *testing.T) {
	base := RequirePostgresURL(t)
	ctx := context.Background()
	var names [2]string
	for i := range names {
		t.Run("store", func(t *testing.T) {
			db := Postgres(t)
			var n int
			if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM tickets`).Scan(&n); err != nil || n != 0 {
				t.Fatalf("a new store's tickets: %d, %v", n, err)
			}
			if err := db.QueryRow(ctx, `SELECT current_database()`).Scan(&names[i]); err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(names[i], "fdt_") {
				t.Fatalf("the store is in database %q, not a copy of the template", names[i])
			}
			// What one test makes, the next does not see.
			var seen bool
			if err := db.QueryRow(ctx, `SELECT to_regclass('only_here') IS NOT NULL`).Scan(&seen); err != nil || seen {
				t.Fatalf("another test's table is here (%v)", err)
			}
			if _, err := db.Exec(ctx, `CREATE TABLE only_here (x INT)`); err != nil {
				t.Fatal(err)
			}
		})
	}
	if names[0] == names[1] {
		t.Fatalf("two tests shared database %s", names[0])
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	var left int
	if err := admin.QueryRow(`SELECT COUNT(*) FROM pg_database WHERE datname = $1 OR datname = $2`, names[0], names[1]).Scan(&left); err != nil || left != 0 {
		t.Fatalf("%d test databases left after their tests (%v)", left, err)
	}
	var allow bool
	tmpl, _ := pgTemplateName(base)
	if err := admin.QueryRow(`SELECT datallowconn FROM pg_database WHERE datname = $1`, tmpl).Scan(&allow); err != nil || allow {
		t.Fatalf("the template %q takes connections (%v, %v): autovacuum could hold it open during a copy", tmpl, allow, err)
	}
}

// TestNoTemplateWithoutCreateDB: a role that may not create databases gets
// no template (and its tests a schema each, as before templates).
func TestNoTemplateWithoutCreateDB(t *testing.T) {
	base := RequirePostgresURL(t)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	var super bool
	if err := admin.QueryRow(`SELECT rolsuper FROM pg_roles WHERE rolname = current_user`).Scan(&super); err != nil || !super {
		t.Skip("the test role cannot make another role")
	}
	admin.Exec(`DROP ROLE IF EXISTS fd_storetest_nocreatedb`)
	if _, err := admin.Exec(`CREATE ROLE fd_storetest_nocreatedb LOGIN NOCREATEDB`); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Exec(`DROP ROLE IF EXISTS fd_storetest_nocreatedb`) })
	pu, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	pu.User = url.User("fd_storetest_nocreatedb")
	u := pu.String()
	name, err := buildPGTemplate(u)
	if err != nil || name != "" {
		t.Fatalf("without CREATEDB: template %q, %v; want none and no error", name, err)
	}
}
