package store

// Version 76: the answer bot's admin-defined flows (package answerbot).
//
// answer_bot_flows names each flow; at most one is active (new chats start
// it). Every save is a new row in answer_bot_flow_versions holding the
// whole decision tree as JSON (steps with per-locale texts); the flow's
// version is its newest. A running chat keeps the version it started
// with, so old versions stay until the flow is deleted.
func init() {
	migrations = append(migrations, migration{
		Version: 76,
		SQL: `
CREATE TABLE answer_bot_flows (
	id {{pk}},
	name TEXT NOT NULL,
	active BOOLEAN NOT NULL DEFAULT FALSE,
	version INTEGER NOT NULL DEFAULT 1,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);

CREATE TABLE answer_bot_flow_versions (
	flow_id BIGINT NOT NULL REFERENCES answer_bot_flows(id) ON DELETE CASCADE,
	version INTEGER NOT NULL,
	definition TEXT NOT NULL,
	author_id BIGINT NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL,
	PRIMARY KEY (flow_id, version)
);
`,
	})
}
