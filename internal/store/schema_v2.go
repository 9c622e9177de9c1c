package store

// Version 2: web sign-in sessions, password resets, email verification and
// the outbox of emails waiting for delivery (packages account and outbox).
//
// Every secret (session cookie, reset link, verification link) is stored
// only as its hash (auth.HashToken). Times are BIGINT microseconds like
// everywhere else; used_at and sent_at are 0 while unset.
func init() {
	migrations = append(migrations, migration{
		Version: 2,
		SQL: `
CREATE TABLE sessions (
	id {{pk}},
	user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	token_hash TEXT NOT NULL UNIQUE,
	created_at BIGINT NOT NULL,
	last_seen_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL,
	ip TEXT NOT NULL DEFAULT '',
	user_agent TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions(user_id, last_seen_at);
CREATE INDEX sessions_expires ON sessions(expires_at);

CREATE TABLE password_resets (
	id {{pk}},
	user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	email TEXT NOT NULL DEFAULT '',
	token_hash TEXT NOT NULL UNIQUE,
	created_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL,
	used_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX password_resets_user ON password_resets(user_id, created_at);
CREATE INDEX password_resets_expires ON password_resets(expires_at);

CREATE TABLE email_verifications (
	id {{pk}},
	user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	email TEXT NOT NULL,
	token_hash TEXT NOT NULL UNIQUE,
	created_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL,
	used_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX email_verifications_user ON email_verifications(user_id, used_at);
CREATE INDEX email_verifications_expires ON email_verifications(expires_at);

CREATE TABLE outbox (
	id {{pk}},
	to_addr TEXT NOT NULL,
	subject TEXT NOT NULL,
	text_body TEXT NOT NULL DEFAULT '',
	html_body TEXT NOT NULL DEFAULT '',
	kind TEXT NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL,
	sent_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX outbox_to ON outbox(to_addr, kind, created_at);
CREATE INDEX outbox_pending ON outbox(id) WHERE sent_at = 0;
`,
	})
}
