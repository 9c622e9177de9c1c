package store

// DB returns the store tx belongs to, so code given only a transaction can
// tell stores apart (the audit log's after-commit stream, per store).
func (tx *Tx) DB() *DB { return tx.db }
