package store

// Version 15: indexes for the incremental exports (package ticket's ticket
// events export walks audits by creation time; package people's user and
// organization exports walk by update time), each ordered as the export
// pages: (time, id).
func init() {
	migrations = append(migrations, migration{
		Version: 15,
		SQL: `
CREATE INDEX ticket_audits_created ON ticket_audits(created_at, id);
CREATE INDEX users_updated ON users(updated_at, id);
CREATE INDEX organizations_updated ON organizations(updated_at, id);
`,
	})
}
