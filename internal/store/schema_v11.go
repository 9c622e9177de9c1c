package store

// Version 11: the audit log (package audit), an append-only record of
// security-relevant changes: who (actor_id, 0 for the system), did what
// (action, e.g. "group.member_added"), to which record (target_type,
// target_id), from where (ip, user_agent), and the change itself (details,
// JSON: before/after per field plus context). created_at is microseconds.
//
// Rows are never changed or removed: triggers refuse UPDATE and DELETE on
// both stores (and TRUNCATE on PostgreSQL), so not even a bug elsewhere in
// the code can rewrite history.
func init() {
	migrations = append(migrations, migration{
		Version: 11,
		SQL: `
CREATE TABLE audit_log (
	id {{pk}},
	created_at BIGINT NOT NULL,
	actor_id BIGINT NOT NULL DEFAULT 0,
	action TEXT NOT NULL,
	target_type TEXT NOT NULL,
	target_id BIGINT NOT NULL DEFAULT 0,
	ip TEXT NOT NULL DEFAULT '',
	user_agent TEXT NOT NULL DEFAULT '',
	details TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_target ON audit_log(target_type, target_id, id);
CREATE INDEX audit_log_actor ON audit_log(actor_id, id);
CREATE INDEX audit_log_created ON audit_log(created_at);
`,
		SQLiteOnly: `
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
`,
		PostgresOnly: `
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
`,
	})
}
