package store

// Version 48: retention of the audit log itself (package audit,
// retention.go). The triggers of version 11 refuse every UPDATE and DELETE
// on audit_log; from now on one narrow DELETE is let through: the removal
// of entries from the START of the hash chain by the audit-log retention
// run, which in one transaction
//
//  1. writes the permit, audit_prune's one row (id 1), naming the last seq
//     (and the last pre-chain id) it may remove,
//  2. moves the chain's anchor in audit_chain past those entries (anchor_seq,
//     anchor_hash, and the new anchor_entry_id/anchor_created_at/pruned_at:
//     the last removed entry's id, its time and when it was removed),
//  3. deletes them, and
//  4. deletes the permit again.
//
// A DELETE is allowed only for a row that the permit covers AND that lies
// before the anchor (or predates the chain), so nothing after the anchor —
// the part verification starts from — can be deleted, with or without a
// permit; UPDATE (and TRUNCATE on PostgreSQL) stay refused for every row.
func init() {
	migrations = append(migrations, migration{
		Version: 48,
		SQL: `
CREATE TABLE audit_prune (
	id INTEGER PRIMARY KEY,
	upto_seq BIGINT NOT NULL DEFAULT 0,
	upto_legacy_id BIGINT NOT NULL DEFAULT 0
);
ALTER TABLE audit_chain ADD COLUMN anchor_entry_id BIGINT NOT NULL DEFAULT 0;
ALTER TABLE audit_chain ADD COLUMN anchor_created_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE audit_chain ADD COLUMN pruned_at BIGINT NOT NULL DEFAULT 0;
`,
		SQLiteOnly: `
DROP TRIGGER audit_log_no_delete;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log WHEN NOT EXISTS (SELECT 1 FROM audit_prune p JOIN audit_chain c ON c.id = 1 WHERE p.id = 1 AND ((OLD.seq IS NOT NULL AND OLD.seq <= p.upto_seq AND OLD.seq < c.anchor_seq) OR (OLD.seq IS NULL AND OLD.id <= p.upto_legacy_id AND OLD.id <= c.legacy_max_id))) BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
`,
		PostgresOnly: `
DROP TRIGGER audit_log_no_change ON audit_log;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE FUNCTION audit_log_prune_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF EXISTS (SELECT 1 FROM audit_prune p JOIN audit_chain c ON c.id = 1 WHERE p.id = 1 AND ((OLD.seq IS NOT NULL AND OLD.seq <= p.upto_seq AND OLD.seq < c.anchor_seq) OR (OLD.seq IS NULL AND OLD.id <= p.upto_legacy_id AND OLD.id <= c.legacy_max_id))) THEN RETURN OLD; END IF; RAISE EXCEPTION 'audit_log is append-only'; END $$;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_prune_only();
`,
	})
}
