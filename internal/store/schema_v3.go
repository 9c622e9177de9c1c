package store

// Version 3: password policies and sign-in throttling (packages password
// and account).
//
//   - users.password_changed_at: when the current password was set (0 =
//     never recorded), for expiry. Passwords that exist at upgrade time count
//     from the upgrade, so turning on an expiry locks nobody out at once.
//   - password_history: argon2id hashes of each user's recent passwords
//     (the newest 24 are kept), for the no-reuse rule.
//   - login_failures: failed-sign-in counters per account, kept in the
//     database so that they survive restarts and hold across instances.
//     subject is "u:<user id>" for an account, or "e:<SHA-256 of the
//     address>" for an address nobody owns (so unknown addresses are
//     throttled exactly like real ones and no address is stored in clear).
//     Times are microseconds; failures counts attempts in the window that
//     began at window_start; next_attempt_at is the back-off; locked_until
//     the current lock; locks and last_lock_at drive the doubling of locks.
func init() {
	migrations = append(migrations, migration{
		Version: 3,
		SQL: `
ALTER TABLE users ADD COLUMN password_changed_at BIGINT NOT NULL DEFAULT 0;

CREATE TABLE password_history (
	id {{pk}},
	user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	hash TEXT NOT NULL,
	created_at BIGINT NOT NULL
);
CREATE INDEX password_history_user ON password_history(user_id, id);

CREATE TABLE login_failures (
	subject TEXT PRIMARY KEY,
	failures INTEGER NOT NULL DEFAULT 0,
	window_start BIGINT NOT NULL DEFAULT 0,
	next_attempt_at BIGINT NOT NULL DEFAULT 0,
	locked_until BIGINT NOT NULL DEFAULT 0,
	locks INTEGER NOT NULL DEFAULT 0,
	last_lock_at BIGINT NOT NULL DEFAULT 0,
	updated_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX login_failures_updated ON login_failures(updated_at);
`,
		SQLiteOnly: `
UPDATE users SET password_changed_at = CAST(strftime('%s', 'now') AS INTEGER) * 1000000
	WHERE password_hash IS NOT NULL AND password_hash <> '';
`,
		PostgresOnly: `
UPDATE users SET password_changed_at = CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000000 AS BIGINT)
	WHERE password_hash IS NOT NULL AND password_hash <> '';
`,
	})
}
