package store

import "context"

// SetSearchDoc replaces the full-text document of one record in table
// (ticket_search, user_search or organization_search). doc must already be
// folded (see package textfold) so both stores match the same way.
func (tx *Tx) SetSearchDoc(ctx context.Context, table string, id int64, doc string) error {
	if tx.db.Dialect == SQLite {
		// FTS5 deletes the old document itself on REPLACE. A DELETE
		// statement on the table would get a statement journal of its own
		// and so flush the words the transaction has pending (a group
		// commit's other documents) to a new index segment; this single
		// row insert does not (see Tx.InsertID).
		_, err := tx.Exec(ctx, `INSERT OR REPLACE INTO `+table+` (rowid, doc) VALUES (?, ?)`, id, doc)
		return err
	}
	_, err := tx.Exec(ctx, `INSERT INTO `+table+` (id, doc) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET doc = excluded.doc`, id, doc)
	return err
}

// DeleteSearchDoc removes a record from a full-text table.
func (tx *Tx) DeleteSearchDoc(ctx context.Context, table string, id int64) error {
	col := "id"
	if tx.db.Dialect == SQLite {
		col = "rowid"
	}
	_, err := tx.Exec(ctx, `DELETE FROM `+table+` WHERE `+col+` = ?`, id)
	return err
}

// InsertSearchDoc adds the document of a record that has none yet (a new
// ticket), skipping the delete SetSearchDoc needs.
func (tx *Tx) InsertSearchDoc(ctx context.Context, table string, id int64, doc string) error {
	col := "id"
	if tx.db.Dialect == SQLite {
		col = "rowid"
	}
	_, err := tx.Exec(ctx, `INSERT INTO `+table+` (`+col+`, doc) VALUES (?, ?)`, id, doc)
	return err
}

// CompactSearch merges a full-text table's index so that the words of
// deleted or replaced documents leave it too: SQLite's FTS5 keeps them in
// older index segments until a merge. It rewrites the whole index, so it is
// for rare changes that must leave no trace (a person's erasure). A no-op
// on PostgreSQL, whose rows hold only the current documents.
func (tx *Tx) CompactSearch(ctx context.Context, table string) error {
	if tx.db.Dialect != SQLite {
		return nil
	}
	_, err := tx.Exec(ctx, `INSERT INTO `+table+` (`+table+`) VALUES ('optimize')`)
	return err
}
