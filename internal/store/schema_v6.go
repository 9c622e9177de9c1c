package store

// Version 6: per-session security state of the web UI (package web).
//
//   - session_flags.mfa_pending: the password was right but the second
//     factor has not been given yet; the session may reach only the
//     code-entry page and sign-out.
//   - session_flags.reauth_at: when the user last proved who they are
//     (sign-in, or the re-authentication form), microseconds; sensitive
//     actions need a recent one.
//
// Rows are keyed by the session's token hash (sessions.token_hash) and go
// away with the session.
func init() {
	migrations = append(migrations, migration{
		Version: 6,
		SQL: `
CREATE TABLE session_flags (
	token_hash TEXT PRIMARY KEY REFERENCES sessions(token_hash) ON DELETE CASCADE,
	mfa_pending BOOLEAN NOT NULL DEFAULT FALSE,
	reauth_at BIGINT NOT NULL DEFAULT 0
);
`,
	})
}
