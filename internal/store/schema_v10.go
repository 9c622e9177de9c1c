package store

// Version 10: sealed outgoing mail and known sign-in devices (packages
// outbox and account).
//
//   - outbox.sealed: the deliverable message (text and HTML bodies),
//     AES-GCM sealed with the instance key (package secrets) for the
//     recipient; only the delivery path opens it. text_body now holds a
//     display copy with every link and token-like word replaced, and
//     html_body is no longer filled. Rows queued before this version held
//     links in clear: their bodies are blanked here (reset links expire
//     within the hour anyway, and nothing delivered them yet), so no
//     admin page can show those links again; they cannot be delivered.
//   - known_devices: browsers that signed in to an account with the right
//     password. The browser keeps a random token in an HttpOnly cookie;
//     only its SHA-256 is stored. A known device keeps its own sign-in
//     attempts while the account is locked for everyone else.
func init() {
	migrations = append(migrations, migration{
		Version: 10,
		SQL: `
ALTER TABLE outbox ADD COLUMN sealed TEXT NOT NULL DEFAULT '';
UPDATE outbox SET text_body = '', html_body = '';

CREATE TABLE known_devices (
	token_hash TEXT PRIMARY KEY,
	user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	created_at BIGINT NOT NULL,
	last_used_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL
);
CREATE INDEX known_devices_user ON known_devices(user_id);
CREATE INDEX known_devices_expires ON known_devices(expires_at);
`,
	})
}
