package store

// Version 66 (p10-community, second round):
//
//   - community_comment_votes (package community): one vote per user on a
//     community comment, up (1) or down (-1), as community_votes is for
//     posts; removed with the comment or the user.
//   - rate_budgets (package ratelimit): fixed windows of any length (the
//     community's posts and comments per user and per IP per hour), shared
//     by every instance. A row whose window has ended carries nothing and is
//     swept. UNLOGGED on PostgreSQL: a crash only resets budgets.
func init() {
	migrations = append(migrations, migration{
		Version: 66,
		SQL: `
CREATE TABLE community_comment_votes (
	id {{pk}},
	comment_id BIGINT NOT NULL REFERENCES community_comments(id) ON DELETE CASCADE,
	user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	value INTEGER NOT NULL,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	UNIQUE (comment_id, user_id)
);
CREATE INDEX community_comment_votes_user ON community_comment_votes(user_id);
`,
		SQLiteOnly: `
CREATE TABLE rate_budgets (
	rate_key TEXT PRIMARY KEY,
	window_end BIGINT NOT NULL,
	hits BIGINT NOT NULL
);
CREATE INDEX rate_budgets_end ON rate_budgets (window_end);
`,
		PostgresOnly: `
CREATE UNLOGGED TABLE rate_budgets (
	rate_key TEXT PRIMARY KEY,
	window_end BIGINT NOT NULL,
	hits BIGINT NOT NULL
);
CREATE INDEX rate_budgets_end ON rate_budgets (window_end);
`,
	})
}
