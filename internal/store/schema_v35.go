package store

// Version 35: macros (package macros).
//
//   - macros: a title ("A::B" puts it in category A), the actions (the
//     rules engine's language plus comment_value / comment_value_html /
//     comment_mode_is_public, JSON), active flag, position, and the same
//     restriction columns as views (empty: everyone, 'Group', 'User').
//     usage_total counts every application.
//   - macro_usage: one row per application in the last 30 days (older rows
//     are pruned when the macro is next applied), for Zendesk's
//     usage_1h / usage_24h / usage_7d / usage_30d.
func init() {
	migrations = append(migrations, migration{
		Version: 35,
		SQL: `
CREATE TABLE macros (
	id {{pk}},
	title TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	active BOOLEAN NOT NULL DEFAULT TRUE,
	position INTEGER NOT NULL DEFAULT 0,
	restriction_type TEXT NOT NULL DEFAULT '',
	restriction_ids TEXT NOT NULL DEFAULT '[]',
	actions TEXT NOT NULL DEFAULT '[]',
	usage_total BIGINT NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE INDEX macros_position ON macros(position, id);
CREATE TABLE macro_usage (
	macro_id BIGINT NOT NULL,
	used_at BIGINT NOT NULL
);
CREATE INDEX macro_usage_macro ON macro_usage(macro_id, used_at);
`,
	})
}
