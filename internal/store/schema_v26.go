package store

// Version 26: the outbound half of the email channel (packages
// channel/email/mailbox, channel/email/thread and outbox).
//
//   - email_mailboxes: support addresses, with their inbound IMAP and
//     outbound SMTP relay settings. Every credential (IMAP password or OAuth2
//     token, SMTP password, DKIM private key) is sealed with the instance key
//     (package secrets) for its mailbox and kind; the columns never hold a
//     readable secret.
//   - email_messages: the Message-IDs of mail sent and received, each with
//     its ticket, mailbox and direction, so replies thread onto tickets.
//   - outbox: what a real message needs beside its sealed body (ticket,
//     mailbox, Message-ID) and its delivery state (attempts, next attempt,
//     last error, permanent failure time).
func init() {
	migrations = append(migrations, migration{
		Version: 26,
		SQL: `
CREATE TABLE email_mailboxes (
	id {{pk}},
	address TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL DEFAULT '',
	brand_name TEXT NOT NULL DEFAULT '',
	default_group_id BIGINT NOT NULL DEFAULT 0,
	is_default BOOLEAN NOT NULL DEFAULT FALSE,
	enabled BOOLEAN NOT NULL DEFAULT TRUE,
	imap_host TEXT NOT NULL DEFAULT '',
	imap_port INTEGER NOT NULL DEFAULT 0,
	imap_security TEXT NOT NULL DEFAULT 'tls',
	imap_username TEXT NOT NULL DEFAULT '',
	imap_auth TEXT NOT NULL DEFAULT 'password',
	imap_secret TEXT NOT NULL DEFAULT '',
	imap_folder TEXT NOT NULL DEFAULT 'INBOX',
	imap_after_fetch TEXT NOT NULL DEFAULT 'seen',
	imap_move_to TEXT NOT NULL DEFAULT '',
	smtp_host TEXT NOT NULL DEFAULT '',
	smtp_port INTEGER NOT NULL DEFAULT 0,
	smtp_security TEXT NOT NULL DEFAULT 'starttls',
	smtp_username TEXT NOT NULL DEFAULT '',
	smtp_secret TEXT NOT NULL DEFAULT '',
	dkim_selector TEXT NOT NULL DEFAULT '',
	dkim_key TEXT NOT NULL DEFAULT '',
	check_status TEXT NOT NULL DEFAULT 'unchecked',
	check_error TEXT NOT NULL DEFAULT '',
	checked_at BIGINT NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);

CREATE TABLE email_messages (
	message_id TEXT NOT NULL,
	mailbox_id BIGINT NOT NULL DEFAULT 0,
	direction TEXT NOT NULL,
	ticket_id BIGINT NOT NULL,
	created_at BIGINT NOT NULL,
	PRIMARY KEY (message_id, mailbox_id, direction)
);
CREATE INDEX email_messages_ticket ON email_messages(ticket_id);

ALTER TABLE outbox ADD COLUMN ticket_id BIGINT NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN mailbox_id BIGINT NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN message_id TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN next_attempt_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN last_error TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN failed_at BIGINT NOT NULL DEFAULT 0;
CREATE INDEX outbox_due ON outbox(next_attempt_at, id) WHERE sent_at = 0 AND failed_at = 0;
`,
	})
}
