package store

// Version 75: the answer bot's outcomes (package answerbot), for reports.
//
// answer_bot_outcomes has one row per conversation the bot let go of:
// channel chat (conversation_id set) or email (the "this answered my
// question" link of a new ticket's first automatic reply), the ticket,
// the article that answered (0 for a handover) and the outcome, resolved
// or handover.
//
// answer_bot_links remembers every email suggestion link that was used
// (by its random id); one per ticket, so the links of one mail solve the
// ticket at most once.
func init() {
	migrations = append(migrations, migration{
		Version: 75,
		SQL: `
CREATE TABLE answer_bot_outcomes (
	id {{pk}},
	channel TEXT NOT NULL,
	conversation_id BIGINT NOT NULL DEFAULT 0,
	ticket_id BIGINT NOT NULL DEFAULT 0,
	article_id BIGINT NOT NULL DEFAULT 0,
	outcome TEXT NOT NULL,
	created_at BIGINT NOT NULL
);
CREATE INDEX answer_bot_outcomes_created ON answer_bot_outcomes(created_at);
CREATE INDEX answer_bot_outcomes_ticket ON answer_bot_outcomes(ticket_id);

CREATE TABLE answer_bot_links (
	link_id TEXT PRIMARY KEY,
	ticket_id BIGINT NOT NULL,
	used_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX answer_bot_links_ticket ON answer_bot_links(ticket_id);
`,
	})
}
