package store

// Version 22: permanently deleted users. Zendesk's DELETE
// /deleted_users/{id} erases a deleted user's personal data but keeps the
// row, so tickets and their audit trail still name a user; purged_at
// (microseconds, 0 while not purged) marks those rows.
func init() {
	migrations = append(migrations, migration{
		Version: 22,
		SQL: `
ALTER TABLE users ADD COLUMN purged_at BIGINT NOT NULL DEFAULT 0;
`,
	})
}
