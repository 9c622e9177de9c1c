package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/frontdesk/frontdesk/internal/store"
)

// Migrating a new PostgreSQL schema costs 0.5–1 s under the race detector,
// and the suite opens about six hundred PostgreSQL stores. Instead, the
// migrated empty database is built once per schema (store.SchemaDigest) as
// a template, and each test gets a database of its own copied from it by
// CREATE DATABASE … TEMPLATE (about 0.1 s) and dropped when the test ends.
// Where the test server's role may not create databases, tests fall back
// to a schema of their own in the named database, migrated from scratch.

var pgTemplate struct {
	once sync.Once
	name string // "" when databases cannot be made here
	err  error
}

// templateLock serialises building the template across test processes
// (go test runs packages' binaries in parallel); advisory locks are per
// database, and every process locks in the base URL's.
const templateLock = 775534

// pgTemplateName returns the migrated template database for this schema,
// building it on first use, or "" when the server will not let the test
// role create databases.
func pgTemplateName(base string) (string, error) {
	pgTemplate.once.Do(func() {
		pgTemplate.name, pgTemplate.err = buildPGTemplate(base)
	})
	return pgTemplate.name, pgTemplate.err
}

func buildPGTemplate(base string) (string, error) {
	ctx := context.Background()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		return "", err
	}
	defer admin.Close()
	conn, err := admin.Conn(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	var may bool
	if err := conn.QueryRowContext(ctx, `SELECT rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = current_user`).Scan(&may); err != nil || !may {
		return "", err
	}
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, templateLock); err != nil {
		return "", err
	}
	defer conn.ExecContext(ctx, `SELECT pg_advisory_unlock($1)`, templateLock)

	name := "fdtmpl_" + store.SchemaDigest()[:16]
	// A finished template takes no connections (so autovacuum never holds
	// it open while a copy is made); one still taking them is what a
	// builder that died left behind.
	var allowConn sql.NullBool
	err = conn.QueryRowContext(ctx, `SELECT datallowconn FROM pg_database WHERE datname = $1`, name).Scan(&allowConn)
	if err != nil && err != sql.ErrNoRows {
		return "", err
	}
	if allowConn.Valid && !allowConn.Bool {
		return name, nil
	}
	if _, err := conn.ExecContext(ctx, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`); err != nil {
		return "", err
	}
	if _, err := conn.ExecContext(ctx, `CREATE DATABASE `+name); err != nil {
		return "", err
	}
	u, err := databaseURL(base, name)
	if err != nil {
		return "", err
	}
	db, err := store.Open(ctx, u, "")
	if err != nil {
		return "", fmt.Errorf("migrate the template database: %w", err)
	}
	if err := db.Close(); err != nil {
		return "", err
	}
	if _, err := conn.ExecContext(ctx, `ALTER DATABASE `+name+` ALLOW_CONNECTIONS false`); err != nil {
		return "", err
	}
	return name, nil
}

// databaseURL is base with its database replaced by name.
func databaseURL(base, name string) (string, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	u.Path = "/" + name
	return u.String(), nil
}

// templateURL makes a database copied from the template and returns its
// URL, dropping it when the test ends; ok is false when there is no
// template (the caller makes a schema instead).
func templateURL(t testing.TB, base string) (string, bool) {
	t.Helper()
	tmpl, err := pgTemplateName(base)
	if err != nil {
		t.Logf("no PostgreSQL template database (%v): migrating a schema of the test's own", err)
	}
	if tmpl == "" {
		return "", false
	}
	// FORCE: a connection a test leaked must not keep its database.
	name := throwAway(t, base, "fdt_",
		func(name string) string { return `CREATE DATABASE ` + name + ` TEMPLATE ` + tmpl },
		func(name string) string { return `DROP DATABASE ` + name + ` WITH (FORCE)` })
	u, err := databaseURL(base, name)
	if err != nil {
		t.Fatal(err)
	}
	return u, true
}

// throwAway creates an object on the server at base, named prefix and a
// random suffix, with the statement create(name), drops it with drop(name)
// when the test ends, and returns the name.
func throwAway(t testing.TB, base, prefix string, create, drop func(name string) string) string {
	t.Helper()
	b := make([]byte, 6)
	rand.Read(b)
	name := prefix + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec(create(name)); err != nil {
		admin.Close()
		t.Fatalf("%s: %v", create(name), err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec(drop(name)); err != nil && !strings.Contains(err.Error(), "does not exist") {
			t.Logf("%s: %v", drop(name), err)
		}
		admin.Close()
	})
	return name
}
