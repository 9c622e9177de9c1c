package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// DBFile is the name of the SQLite database file inside the data directory.
const DBFile = "frontdesk.db"

// SnapshotSQLite writes a consistent copy of the SQLite database in dataDir
// to dest (which must not exist) with VACUUM INTO, while other processes
// (a running `frontdesk serve`) keep reading and writing it: the copy is
// taken inside one read transaction, so it holds exactly the transactions
// committed before it began, and it never blocks the writer under WAL.
// It returns what InspectSQLite finds in the copy.
func SnapshotSQLite(ctx context.Context, dataDir, dest string) (*FileInfo, error) {
	src := filepath.Join(dataDir, DBFile)
	if _, err := os.Stat(src); err != nil {
		return nil, fmt.Errorf("snapshot: no database at %s: %w", src, err)
	}
	if _, err := os.Stat(dest); err == nil {
		return nil, fmt.Errorf("snapshot: %s already exists", dest)
	}
	// A connection of its own: the server's reader pool is query_only and
	// its writer is busy with requests. busy_timeout rides out the moment
	// the writer holds the WAL index lock.
	conn, err := sql.Open("sqlite", "file:"+src+"?_pragma=busy_timeout(30000)")
	if err != nil {
		return nil, fmt.Errorf("snapshot: %w", err)
	}
	defer conn.Close()
	conn.SetMaxOpenConns(1)
	if _, err := conn.ExecContext(ctx, `VACUUM INTO ?`, dest); err != nil {
		os.Remove(dest)
		return nil, fmt.Errorf("snapshot %s: %w", src, err)
	}
	if err := os.Chmod(dest, 0o600); err != nil {
		os.Remove(dest)
		return nil, fmt.Errorf("snapshot: %w", err)
	}
	fi, err := InspectSQLite(ctx, dest)
	if err != nil {
		os.Remove(dest)
		return nil, err
	}
	return fi, nil
}

// FileInfo describes a SQLite database file found by InspectSQLite.
type FileInfo struct {
	// SchemaVersion is the highest migration applied.
	SchemaVersion int
	// Unknown lists applied migrations this build does not have: the file
	// comes from a newer Frontdesk.
	Unknown []int
}

// InspectSQLite opens the SQLite database file at path read-only, checks
// its structure (PRAGMA quick_check) and reads its schema version. It
// changes nothing and creates nothing.
func InspectSQLite(ctx context.Context, path string) (*FileInfo, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("inspect database: %w", err)
	}
	conn, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=query_only(1)")
	if err != nil {
		return nil, fmt.Errorf("inspect database: %w", err)
	}
	defer conn.Close()
	conn.SetMaxOpenConns(1)
	rows, err := conn.QueryContext(ctx, `PRAGMA quick_check`)
	if err != nil {
		return nil, fmt.Errorf("inspect database %s: %w", path, err)
	}
	var problems []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return nil, fmt.Errorf("inspect database %s: %w", path, err)
		}
		if s != "ok" {
			problems = append(problems, s)
		}
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, fmt.Errorf("inspect database %s: %w", path, err)
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("database %s is damaged: %s", path, strings.Join(problems, "; "))
	}
	vrows, err := conn.QueryContext(ctx, `SELECT version FROM schema_version ORDER BY version`)
	if err != nil {
		return nil, fmt.Errorf("database %s has no Frontdesk schema: %w", path, err)
	}
	defer vrows.Close()
	known := make(map[int]bool, len(migrations))
	for _, m := range migrations {
		known[m.Version] = true
	}
	info := &FileInfo{}
	for vrows.Next() {
		var v int
		if err := vrows.Scan(&v); err != nil {
			return nil, fmt.Errorf("inspect database %s: %w", path, err)
		}
		info.SchemaVersion = max(info.SchemaVersion, v)
		if !known[v] {
			info.Unknown = append(info.Unknown, v)
		}
	}
	if err := vrows.Err(); err != nil {
		return nil, fmt.Errorf("inspect database %s: %w", path, err)
	}
	if info.SchemaVersion == 0 {
		return nil, fmt.Errorf("database %s has no Frontdesk schema", path)
	}
	slices.Sort(info.Unknown)
	return info, nil
}
