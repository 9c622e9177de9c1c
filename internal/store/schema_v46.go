package store

// Version 46: personal data in the audit log can be erased without
// breaking its hash chain (package audit, pii.go; crypto-shredding).
//
// An entry about people (a user target, or users named in its data) is
// recorded with its personal strings moved out of audit_log.details (which
// then holds {"$pii": n} placeholders) into audit_pii: vals, the strings as
// a JSON array, salt, 32 random bytes (hex), and digest, SHA-256 of salt
// and vals. The entry's chained hash covers details and digest, not the
// strings, so an erasure (which blanks vals and salt and sets erased_at)
// leaves every hash verifiable, while an edit of vals still shows (the
// digest no longer matches) and so does an edit of digest (the hash no
// longer matches). audit_pii_subjects names the users each such entry is
// about, which an erasure looks up. Entries recorded before this version
// have no audit_pii row and keep their original hash encoding.
func init() {
	migrations = append(migrations, migration{
		Version: 46,
		SQL: `
CREATE TABLE audit_pii (
	entry_id BIGINT PRIMARY KEY,
	digest TEXT NOT NULL,
	salt TEXT NOT NULL DEFAULT '',
	vals TEXT NOT NULL DEFAULT '',
	erased_at BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE audit_pii_subjects (
	user_id BIGINT NOT NULL,
	entry_id BIGINT NOT NULL,
	PRIMARY KEY (user_id, entry_id)
);
`,
	})
}
