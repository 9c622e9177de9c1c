//go:build unix

package store_test

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/frontdesk/frontdesk/internal/store"
)

func wantMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("%s: %v", filepath.Base(path), err)
	}
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("%s has mode %o, want %o", filepath.Base(path), got, want)
	}
}

// The database and its journal files hold password hashes, tokens and
// every ticket: only their owner may read them, like secret.key.
func TestSQLiteFilesOwnerOnly(t *testing.T) {
	// The usual umask, under which SQLite alone would make 0644 files.
	defer syscall.Umask(syscall.Umask(0o022))
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "data")
	db, err := store.Open(ctx, "", dir)
	if err != nil {
		t.Fatal(err)
	}
	// A write, so the -wal and -shm files exist.
	if _, err := db.Exec(ctx, `INSERT INTO settings (key, value) VALUES ('perm.test', 'x')`); err != nil {
		t.Fatal(err)
	}
	wantMode(t, dir, 0o700)
	for _, f := range []string{"frontdesk.db", "frontdesk.db-wal", "frontdesk.db-shm"} {
		wantMode(t, filepath.Join(dir, f), 0o600)
	}
	db.Close()

	// An install made by an older version, with a database file readable
	// by others, is tightened when opened, and the journal files SQLite
	// creates afterwards follow.
	for _, f := range []string{"frontdesk.db", "frontdesk.db-wal", "frontdesk.db-shm"} {
		if err := os.Chmod(filepath.Join(dir, f), 0o644); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
	db, err = store.Open(ctx, "", dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(ctx, `INSERT INTO settings (key, value) VALUES ('perm.test2', 'x')`); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"frontdesk.db", "frontdesk.db-wal", "frontdesk.db-shm"} {
		wantMode(t, filepath.Join(dir, f), 0o600)
	}
}
