package store

// Version 42: trigger loops (package rules). When a ticket change sets off
// triggers that keep firing past rules.MaxPasses, the run stops and the
// loop is recorded here (the triggers of the last pass as JSON
// [{id, title}]), so the triggers admin page can list recent loops; only
// the newest few hundred are kept.
func init() {
	migrations = append(migrations, migration{
		Version: 42,
		SQL: `
CREATE TABLE trigger_loops (
	id {{pk}},
	ticket_id BIGINT NOT NULL,
	audit_id BIGINT NOT NULL DEFAULT 0,
	passes INTEGER NOT NULL,
	triggers TEXT NOT NULL,
	created_at BIGINT NOT NULL
);
CREATE INDEX trigger_loops_created ON trigger_loops(created_at, id);
`,
	})
}
