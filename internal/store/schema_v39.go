package store

// Version 39: agent availability and automatic assignment (package assign).
// agent_availability holds each agent's chosen status (online, away,
// offline) and their own capacity (0: the group's); group_assignment holds
// a group's assignment mode (off, round_robin, least_busy), its capacity
// per agent (0: no limit) and the round-robin cursor (last_user_id), whose
// row every assignment in the group locks (turns) so concurrent tickets
// take turns on both stores.
func init() {
	migrations = append(migrations, migration{
		Version: 39,
		SQL: `
CREATE TABLE agent_availability (
	user_id BIGINT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
	status TEXT NOT NULL DEFAULT 'offline',
	capacity INTEGER NOT NULL DEFAULT 0,
	updated_at BIGINT NOT NULL
);
CREATE INDEX agent_availability_status ON agent_availability(status);

CREATE TABLE group_assignment (
	group_id BIGINT PRIMARY KEY REFERENCES agent_groups(id) ON DELETE CASCADE,
	mode TEXT NOT NULL DEFAULT 'off',
	capacity INTEGER NOT NULL DEFAULT 0,
	last_user_id BIGINT NOT NULL DEFAULT 0,
	turns BIGINT NOT NULL DEFAULT 0,
	updated_at BIGINT NOT NULL
);
`,
	})
}
