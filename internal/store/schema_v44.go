package store

// Version 44: data retention policies (package retention). Each row is one
// admin-defined rule run daily by the retention job: kind names what goes
// (closed tickets, suspended tickets, attachments of closed tickets,
// inactive end-users without tickets), days how old it must be; tag,
// group_id and via_channel narrow the closed-ticket kinds (empty or 0: any).
func init() {
	migrations = append(migrations, migration{
		Version: 44,
		SQL: `
CREATE TABLE retention_policies (
	id {{pk}},
	kind TEXT NOT NULL,
	days INTEGER NOT NULL,
	tag TEXT NOT NULL DEFAULT '',
	group_id BIGINT NOT NULL DEFAULT 0,
	via_channel TEXT NOT NULL DEFAULT '',
	active BOOLEAN NOT NULL DEFAULT TRUE,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
`,
	})
}
