package store

// Version 43: suspicious sign-in alerts (package account, issue P9).
//
// signin_networks remembers the networks (/24 for IPv4, /48 for IPv6) each
// user has signed in from, so a sign-in from a network never used before
// can be told apart; a user's first sign-in only records its network.
//
// security_alerts holds one row per suspicious sign-in: the reasons
// (comma-separated kinds), where and when, and the SHA-256 of the single-use
// "this wasn't me" token mailed to the user, with its expiry and the time it
// was used (0: not yet).
func init() {
	migrations = append(migrations, migration{
		Version: 43,
		SQL: `
CREATE TABLE signin_networks (
	user_id BIGINT NOT NULL,
	network TEXT NOT NULL,
	first_seen_at BIGINT NOT NULL,
	last_seen_at BIGINT NOT NULL,
	PRIMARY KEY (user_id, network)
);
CREATE TABLE security_alerts (
	id {{pk}},
	user_id BIGINT NOT NULL,
	reasons TEXT NOT NULL,
	ip TEXT NOT NULL DEFAULT '',
	network TEXT NOT NULL DEFAULT '',
	user_agent TEXT NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL,
	token_hash TEXT NOT NULL UNIQUE,
	token_expires_at BIGINT NOT NULL,
	disowned_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX security_alerts_created ON security_alerts(created_at, id);
CREATE INDEX security_alerts_user ON security_alerts(user_id, id);
`,
	})
}
