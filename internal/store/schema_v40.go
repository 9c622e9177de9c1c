package store

// Version 40: satisfaction ratings (package csat), one per solve of a
// ticket (solved_at is the solve's stamp): offered when the survey goes
// out, then good or bad with an optional comment, changeable until the
// ticket closes. The ticket's satisfaction_rating is the rating of its
// latest solve.
func init() {
	migrations = append(migrations, migration{
		Version: 40,
		SQL: `
CREATE TABLE satisfaction_ratings (
	id {{pk}},
	ticket_id BIGINT NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
	solved_at BIGINT NOT NULL,
	requester_id BIGINT NOT NULL,
	assignee_id BIGINT,
	group_id BIGINT,
	score TEXT NOT NULL,
	comment TEXT NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	UNIQUE (ticket_id, solved_at)
);
CREATE INDEX satisfaction_ratings_updated ON satisfaction_ratings(updated_at, id);
CREATE INDEX satisfaction_ratings_score ON satisfaction_ratings(score, ticket_id);
`,
	})
}
