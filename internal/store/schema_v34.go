package store

// Version 34: views (package views), Zendesk's saved ticket filters.
//
//   - views: a title, the conditions (all/any, the rules engine's
//     language, JSON), the execution (columns, group_by, sort_by and their
//     orders, JSON), an active flag and a position. restriction_type is empty
//     for a shared view every agent sees, 'Group' for one seen by the
//     members of the groups in restriction_ids (JSON array), 'User' for a
//     personal view (restriction_ids holds its owner's id).
func init() {
	migrations = append(migrations, migration{
		Version: 34,
		SQL: `
CREATE TABLE views (
	id {{pk}},
	title TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	active BOOLEAN NOT NULL DEFAULT TRUE,
	position INTEGER NOT NULL DEFAULT 0,
	restriction_type TEXT NOT NULL DEFAULT '',
	restriction_ids TEXT NOT NULL DEFAULT '[]',
	conditions TEXT NOT NULL DEFAULT '{}',
	execution TEXT NOT NULL DEFAULT '{}',
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE INDEX views_position ON views(position, id);
`,
	})
}
