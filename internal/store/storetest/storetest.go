// Package storetest runs a test against every store Frontdesk supports:
// always a fresh embedded SQLite database, and PostgreSQL when
// FRONTDESK_TEST_DATABASE_URL is set (each test in a database of its own,
// or a schema where databases cannot be made, so tests can run in parallel
// and leave nothing behind).
package storetest

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/frontdesk/frontdesk/internal/store"
)

// PostgresURL is the server tests use, or "" to skip PostgreSQL.
func PostgresURL() string { return os.Getenv("FRONTDESK_TEST_DATABASE_URL") }

// Each runs fn once per available store as a subtest named after it.
func Each(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	if PostgresURL() != "" {
		t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
	} else if os.Getenv("FRONTDESK_REQUIRE_POSTGRES") != "" {
		t.Fatal("FRONTDESK_REQUIRE_POSTGRES is set but FRONTDESK_TEST_DATABASE_URL is not")
	}
}

// SQLite opens a migrated SQLite store in a temporary directory.
func SQLite(t testing.TB) *store.DB {
	t.Helper()
	dir := t.TempDir()
	SeedSQLite(t, dir)
	db, err := store.Open(context.Background(), "", dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// SeedSQLite puts a freshly migrated, empty SQLite database into the data
// directory dir, so that opening a store there finds every migration
// applied. Migrating costs seconds under the race detector; the file is
// built once per schema (store.SchemaDigest) and copied for every test. A
// directory that cannot be seeded is left alone: the store then migrates
// as it does on a first start.
func SeedSQLite(t testing.TB, dir string) {
	t.Helper()
	src, err := sqliteTemplate()
	if err != nil {
		t.Logf("no migrated template (%v): migrating from scratch", err)
		return
	}
	if err := copyFile(src, filepath.Join(dir, "frontdesk.db")); err != nil {
		t.Fatal(err)
	}
}

var template struct {
	once sync.Once
	path string
	err  error
}

// sqliteTemplate returns the path of the migrated empty database for this
// schema, building it on first use. Processes (test binaries of several
// packages) share it: each builds in a directory of its own and renames the
// finished file into place, so none reads a half-written one.
func sqliteTemplate() (string, error) {
	template.once.Do(func() {
		dir := filepath.Join(os.TempDir(), "frontdesk-storetest-"+store.SchemaDigest()[:16])
		path := filepath.Join(dir, "frontdesk.db")
		if _, err := os.Stat(path); err == nil {
			template.path = path
			return
		}
		template.err = buildTemplate(dir, path)
		if template.err == nil {
			template.path = path
		}
	})
	return template.path, template.err
}

func buildTemplate(dir, path string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	work, err := os.MkdirTemp(dir, "build-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	db, err := store.Open(context.Background(), "", work)
	if err != nil {
		return err
	}
	if err := db.Close(); err != nil {
		return err
	}
	built := filepath.Join(work, "frontdesk.db")
	// The last connection to close checkpoints the log into the file and
	// removes it; a log left behind would hold part of the schema.
	if fi, err := os.Stat(built + "-wal"); err == nil && fi.Size() > 0 {
		return fmt.Errorf("the write-ahead log was not checkpointed on close")
	}
	return os.Rename(built, path)
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// Postgres opens a migrated store in a new schema on the test server.
func Postgres(t testing.TB) *store.DB {
	t.Helper()
	return PostgresPool(t, 0)
}

// PostgresPool is Postgres with a pool of n connections (0: the default).
// With one, code that waits for a second connection while it holds one
// (in a transaction, or reading rows) waits for ever; tests give such
// calls a deadline.
func PostgresPool(t testing.TB, n int) *store.DB {
	t.Helper()
	base := PostgresURL()
	if base == "" {
		t.Skip("FRONTDESK_TEST_DATABASE_URL not set")
	}
	u, _ := SchemaURL(t, base)
	db, err := store.OpenWith(context.Background(), u, "", store.Options{PostgresPool: n})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// SchemaURL returns the URL of an empty, migrated store of the test's own
// on the server at base, removed when the test ends: a database copied
// from the migrated template (see pgtemplate.go) or, where the test role
// may not create databases, a fresh schema in base's database (migrated by
// the first store.Open). The second result names the schema ("public" in a
// database of the test's own).
func SchemaURL(t testing.TB, base string) (string, string) {
	t.Helper()
	if u, ok := templateURL(t, base); ok {
		return u, "public"
	}
	schema := throwAway(t, base, "t_",
		func(name string) string { return "CREATE SCHEMA " + name },
		func(name string) string { return "DROP SCHEMA " + name + " CASCADE" })
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), schema
}
