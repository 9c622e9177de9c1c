package store

// Version 71: agents' declines of live chats (package chat). A waiting
// chat an agent declined leaves that agent's queue; round-robin routing
// passes over the agents who declined it.
func init() {
	migrations = append(migrations, migration{
		Version: 71,
		SQL: `
CREATE TABLE chat_declines (
	conversation_id BIGINT NOT NULL REFERENCES chat_conversations(id) ON DELETE CASCADE,
	user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	created_at BIGINT NOT NULL,
	PRIMARY KEY (conversation_id, user_id)
);
CREATE INDEX chat_declines_user ON chat_declines(user_id);
`,
	})
}
