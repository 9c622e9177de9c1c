package store

import "context"

// WriteRow runs one writing statement that returns a row (INSERT … ON
// CONFLICT … RETURNING, say) and scans that row into dest. On PostgreSQL it
// is a single autocommitted statement — one round trip, no BEGIN/COMMIT —
// which suits hot paths such as the shared API rate limit; on SQLite it
// goes through the single writer like every other write.
func (db *DB) WriteRow(ctx context.Context, q string, args []any, dest ...any) error {
	if db.batch != nil {
		return db.InTx(ctx, func(tx *Tx) error {
			return tx.QueryRow(ctx, q, args...).Scan(dest...)
		})
	}
	traced(ctx, q)
	return db.write.QueryRowContext(ctx, db.Rebind(q), args...).Scan(dest...)
}
