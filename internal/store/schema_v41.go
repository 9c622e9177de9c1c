package store

// Version 41: the audit log becomes tamper-evident (package audit). Every
// entry recorded from now on carries seq (its place in the chain, 1, 2, …
// without gaps), prev_hash (the hash of the entry before it) and hash
// (SHA-256 over a canonical encoding of the entry and prev_hash, hex).
//
// audit_chain holds the chain's one row (id 1): the head (seq and hash of
// the last chained entry), which every writer locks and moves in the
// transaction that appends, so concurrent writers still form one chain;
// legacy_max_id, the highest id recorded before this version (those entries
// stay unchained, as the triggers of version 11 refuse to update them); and
// the anchor, the seq of the first entry kept and the hash before it, so a
// retention run that removes old entries leaves the rest verifiable.
//
// api_token_ips (package people) remembers the addresses each API token has
// been used from, so its first use from a new one is written to the audit
// log once.
func init() {
	migrations = append(migrations, migration{
		Version: 41,
		SQL: `
ALTER TABLE audit_log ADD COLUMN seq BIGINT;
ALTER TABLE audit_log ADD COLUMN prev_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN hash TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX audit_log_seq ON audit_log(seq);
CREATE INDEX audit_log_action ON audit_log(action, id);
CREATE TABLE audit_chain (
	id INTEGER PRIMARY KEY,
	seq BIGINT NOT NULL DEFAULT 0,
	hash TEXT NOT NULL DEFAULT '',
	legacy_max_id BIGINT NOT NULL DEFAULT 0,
	anchor_seq BIGINT NOT NULL DEFAULT 1,
	anchor_hash TEXT NOT NULL DEFAULT ''
);
INSERT INTO audit_chain (id, seq, hash, legacy_max_id, anchor_seq, anchor_hash)
	SELECT 1, 0, '', COALESCE(MAX(id), 0), 1, '' FROM audit_log;
CREATE TABLE api_token_ips (
	token_id BIGINT NOT NULL,
	ip TEXT NOT NULL,
	first_seen_at BIGINT NOT NULL,
	PRIMARY KEY (token_id, ip)
);
`,
	})
}
