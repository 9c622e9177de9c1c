package store

// Version 63: help-center votes get their own id, so a vote can be shown
// and withdrawn by id (Zendesk's GET/DELETE /help_center/votes/{id}). The
// table is rebuilt (SQLite cannot add a key column); one vote per visitor
// and article stays, now as a unique index.
func init() {
	migrations = append(migrations, migration{
		Version: 63,
		SQL: `
CREATE TABLE hc_votes_v63 (
	id {{pk}},
	article_id BIGINT NOT NULL REFERENCES hc_articles(id) ON DELETE CASCADE,
	voter TEXT NOT NULL,
	value INTEGER NOT NULL,
	created_at BIGINT NOT NULL
);
INSERT INTO hc_votes_v63 (article_id, voter, value, created_at) SELECT article_id, voter, value, created_at FROM hc_votes ORDER BY created_at;
DROP TABLE hc_votes;
ALTER TABLE hc_votes_v63 RENAME TO hc_votes;
CREATE UNIQUE INDEX hc_votes_article_voter ON hc_votes(article_id, voter);
CREATE INDEX hc_votes_voter ON hc_votes(voter);
`,
	})
}
