package store

// Version 70: live chat (package chat).
//
// chat_widget_keys are the embeddable widget's keys: the public key the
// <script data-key> names, the origins allowed to embed it (one per line),
// the group its chats go to, and the optional identity-verification secret
// (sealed with the instance key; "" = off).
//
// chat_conversations are chats, each bound to a ticket (via chat). state is
// bot (the answer bot holds it), waiting (queued for a person), active (an
// agent accepted it), ended, or offline (left as a message). token_nonce is
// the random part of the visitor's signed token: a new one revokes the old.
// resolution says how a chat ended for reports: bot, agent, visitor,
// message (left as a message) or abandoned.
//
// chat_messages are the lines of a chat: visitor, agent, bot or system
// (notes are ticket comments only). client_msg_id is the widget's own id of
// a visitor message: a replayed send (offline queue, reconnect) finds the
// stored one instead of storing it twice.
func init() {
	migrations = append(migrations, migration{
		Version: 70,
		SQL: `
CREATE TABLE chat_widget_keys (
	id {{pk}},
	public_key TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL,
	origins TEXT NOT NULL DEFAULT '',
	group_id BIGINT REFERENCES agent_groups(id) ON DELETE SET NULL,
	enabled BOOLEAN NOT NULL DEFAULT TRUE,
	identity_secret TEXT NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);

CREATE TABLE chat_conversations (
	id {{pk}},
	widget_key_id BIGINT NOT NULL REFERENCES chat_widget_keys(id) ON DELETE CASCADE,
	ticket_id BIGINT NOT NULL,
	visitor_user_id BIGINT NOT NULL,
	visitor_name TEXT NOT NULL DEFAULT '',
	verified BOOLEAN NOT NULL DEFAULT FALSE,
	token_nonce TEXT NOT NULL,
	state TEXT NOT NULL,
	group_id BIGINT,
	agent_id BIGINT,
	locale TEXT NOT NULL DEFAULT 'en',
	bot_state {{blob}},
	resolution TEXT NOT NULL DEFAULT '',
	resolved_article_id BIGINT,
	current_page TEXT NOT NULL DEFAULT '',
	pages TEXT NOT NULL DEFAULT '',
	ip TEXT NOT NULL DEFAULT '',
	visitor_read_id BIGINT NOT NULL DEFAULT 0,
	agent_read_id BIGINT NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL,
	queued_at BIGINT NOT NULL DEFAULT 0,
	accepted_at BIGINT NOT NULL DEFAULT 0,
	ended_at BIGINT NOT NULL DEFAULT 0,
	updated_at BIGINT NOT NULL
);
CREATE INDEX chat_conversations_state ON chat_conversations(state, queued_at);
CREATE INDEX chat_conversations_agent ON chat_conversations(agent_id, state);
CREATE INDEX chat_conversations_ticket ON chat_conversations(ticket_id);
CREATE INDEX chat_conversations_visitor ON chat_conversations(visitor_user_id);

CREATE TABLE chat_messages (
	id {{pk}},
	conversation_id BIGINT NOT NULL REFERENCES chat_conversations(id) ON DELETE CASCADE,
	kind TEXT NOT NULL,
	author_id BIGINT,
	author_name TEXT NOT NULL DEFAULT '',
	body TEXT NOT NULL DEFAULT '',
	data TEXT NOT NULL DEFAULT '',
	client_msg_id TEXT,
	created_at BIGINT NOT NULL,
	UNIQUE (conversation_id, client_msg_id)
);
CREATE INDEX chat_messages_conversation ON chat_messages(conversation_id, id);
`,
	})
}
