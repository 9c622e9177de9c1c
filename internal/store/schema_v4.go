package store

// Version 4: two-factor authentication (package twofactor).
//
// user_totp holds at most one row per user: the TOTP seed sealed with
// package secrets (never plaintext; "" while unset), a pending seed while
// enrolment awaits its first code, the last accepted time step (replay
// protection) and the count of consecutive failed codes with the lock they
// cause. Recovery codes are stored only as hashes. Times are BIGINT
// microseconds; used_at and locked_until are 0 while unset.
func init() {
	migrations = append(migrations, migration{
		Version: 4,
		SQL: `
CREATE TABLE user_totp (
	user_id BIGINT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
	secret_sealed TEXT NOT NULL DEFAULT '',
	pending_secret_sealed TEXT NOT NULL DEFAULT '',
	enabled BOOLEAN NOT NULL DEFAULT FALSE,
	last_step BIGINT NOT NULL DEFAULT 0,
	failures INTEGER NOT NULL DEFAULT 0,
	locked_until BIGINT NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);

CREATE TABLE recovery_codes (
	id {{pk}},
	user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	code_hash TEXT NOT NULL UNIQUE,
	created_at BIGINT NOT NULL,
	used_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX recovery_codes_user ON recovery_codes(user_id, used_at);
`,
	})
}
