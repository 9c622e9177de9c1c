package store

import (
	"context"
	"fmt"
)

// Scrub makes deleted and overwritten content leave the database files,
// after an erasure has committed. On SQLite every writer connection runs
// with secure_delete on (see openSQLite), so the pages written since hold
// zeros where deleted rows and old row versions were; Scrub then copies the
// write-ahead log into the database file and truncates the log
// (wal_checkpoint(TRUNCATE)), so the older page images the log still held,
// with the erased text, are gone too. It fails when readers kept the
// checkpoint from completing (a job retries it). On PostgreSQL it does
// nothing: dead row versions are the server's to reclaim (VACUUM).
func (db *DB) Scrub(ctx context.Context) error {
	if db.Dialect != SQLite {
		return nil
	}
	var busy, logPages, done int
	if err := db.read.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &logPages, &done); err != nil {
		return fmt.Errorf("store: scrub: %w", err)
	}
	if busy != 0 {
		return fmt.Errorf("store: scrub: the checkpoint was blocked (%d of %d log pages copied)", done, logPages)
	}
	return nil
}
