package store

// Version 8: state that several instances on one PostgreSQL database must
// share instead of keeping it on local disk or in process memory.
//
//   - blobs / blob_chunks (package attach): attachment bytes when the
//     database is the blob store (the default on PostgreSQL). A file is cut
//     into chunks of at most about a mebibyte so no statement ever carries a
//     whole 50 MiB file; the blobs row is written last and marks the file
//     complete, so a half-written upload is never served.
//   - api_rate_windows (package ratelimit): one fixed window per API token,
//     so the per-token budget is shared by every instance. Rows whose
//     window has ended carry no information and are swept periodically.
//     UNLOGGED on PostgreSQL: losing it in a crash only resets budgets.
func init() {
	migrations = append(migrations, migration{
		Version: 8,
		SQL: `
CREATE TABLE blobs (
	blob_key TEXT PRIMARY KEY,
	size BIGINT NOT NULL,
	chunks INTEGER NOT NULL,
	created_at BIGINT NOT NULL
);
CREATE TABLE blob_chunks (
	blob_key TEXT NOT NULL,
	seq INTEGER NOT NULL,
	data {{blob}} NOT NULL,
	created_at BIGINT NOT NULL,
	PRIMARY KEY (blob_key, seq)
);
`,
		// Rate windows are worth nothing after a crash (budgets simply start
		// over), so on PostgreSQL the table is UNLOGGED: no WAL, and a
		// request's UPSERT commits without waiting for a WAL flush.
		SQLiteOnly: `
CREATE TABLE api_rate_windows (
	rate_key TEXT PRIMARY KEY,
	window_start BIGINT NOT NULL,
	hits BIGINT NOT NULL
);
CREATE INDEX api_rate_windows_start ON api_rate_windows (window_start);
`,
		PostgresOnly: `
CREATE UNLOGGED TABLE api_rate_windows (
	rate_key TEXT PRIMARY KEY,
	window_start BIGINT NOT NULL,
	hits BIGINT NOT NULL
);
CREATE INDEX api_rate_windows_start ON api_rate_windows (window_start);
`,
	})
}
