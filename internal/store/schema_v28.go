package store

// Version 28: the inbound half of the email channel (packages
// channel/email/ingest, channel/email/imapin and people).
//
//   - suspended_tickets: mail that would have made a ticket or comment but
//     came from a suspended user or a blocked address, waiting for an agent
//     to recover (accept) or delete (reject) it. The original message and
//     its attachments are pending uploads (tokens in uploads, bound to the
//     ticket a recovery creates); (message_id, mailbox_id) is
//     unique, so the same mail fetched twice is suspended once.
//   - imap_state: per mailbox, the IMAP folder's UIDVALIDITY and the last
//     UID whose message was ingested, and the poller's health for the admin
//     page.
//   - user_identities.undeliverable_count / deliverable_state: bounces mark
//     an email identity as failing (Zendesk's deliverable_state).
func init() {
	migrations = append(migrations, migration{
		Version: 28,
		SQL: `
CREATE TABLE suspended_tickets (
	id {{pk}},
	mailbox_id BIGINT NOT NULL DEFAULT 0,
	message_id TEXT NOT NULL,
	author_name TEXT NOT NULL DEFAULT '',
	author_email TEXT NOT NULL DEFAULT '',
	recipient TEXT NOT NULL DEFAULT '',
	subject TEXT NOT NULL DEFAULT '',
	content TEXT NOT NULL DEFAULT '',
	cause TEXT NOT NULL,
	cause_id INTEGER NOT NULL DEFAULT 0,
	ticket_id BIGINT NOT NULL DEFAULT 0,
	uploads TEXT NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	UNIQUE (message_id, mailbox_id)
);
CREATE INDEX suspended_tickets_created ON suspended_tickets(created_at);

CREATE TABLE imap_state (
	mailbox_id BIGINT PRIMARY KEY,
	uid_validity BIGINT NOT NULL DEFAULT 0,
	last_uid BIGINT NOT NULL DEFAULT 0,
	status TEXT NOT NULL DEFAULT '',
	last_error TEXT NOT NULL DEFAULT '',
	failures INTEGER NOT NULL DEFAULT 0,
	fetched BIGINT NOT NULL DEFAULT 0,
	polled_at BIGINT NOT NULL DEFAULT 0,
	updated_at BIGINT NOT NULL DEFAULT 0
);

ALTER TABLE user_identities ADD COLUMN undeliverable_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE user_identities ADD COLUMN deliverable_state TEXT NOT NULL DEFAULT 'deliverable';
`,
	})
}
