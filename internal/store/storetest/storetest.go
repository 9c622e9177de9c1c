// Package storetest runs a test against every store Frontdesk supports:
// always a fresh embedded SQLite database, and PostgreSQL when
// FRONTDESK_TEST_DATABASE_URL is set (each test in a schema of its own, so
// tests can run in parallel and leave nothing behind).
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
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
	db, err := store.Open(context.Background(), "", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// Postgres opens a migrated store in a new schema on the test server.
func Postgres(t testing.TB) *store.DB {
	t.Helper()
	base := PostgresURL()
	if base == "" {
		t.Skip("FRONTDESK_TEST_DATABASE_URL not set")
	}
	u, schema := SchemaURL(t, base)
	db, err := store.Open(context.Background(), u, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	_ = schema
	return db
}

// SchemaURL creates a fresh schema on the server at base and returns a URL
// whose connections use it; the schema is dropped when the test ends.
func SchemaURL(t testing.TB, base string) (string, string) {
	t.Helper()
	b := make([]byte, 6)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		admin.Close()
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), schema
}
