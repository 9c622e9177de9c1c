package store

// Version 24: OAuth 2.0 as Zendesk has it (package oauth writes these).
//   - oauth_clients: registered apps; confidential ones hold a secret
//     (hashed), public ones none and must use PKCE. redirect_uris is the
//     newline-separated list of exact redirect URIs.
//   - oauth_codes: authorization codes (hashed), single-use (used_at) and
//     short-lived, bound to client, user, redirect URI and PKCE challenge.
//   - oauth_tokens: access tokens and their refresh tokens (both hashed);
//     code_id links every token of one grant, so a replayed code revokes
//     them all; token_hint is a short prefix shown in lists.
//   - api_tokens.account marks account tokens (Zendesk's kind: one token for
//     the account, acting as whichever user the request names); staff_only
//     limits one to acting as agents and admins.
func init() {
	migrations = append(migrations, migration{
		Version: 24,
		SQL: `
CREATE TABLE oauth_clients (
	id {{pk}},
	identifier TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL,
	company TEXT NOT NULL DEFAULT '',
	description TEXT NOT NULL DEFAULT '',
	kind TEXT NOT NULL DEFAULT 'confidential',
	secret_hash TEXT NOT NULL DEFAULT '',
	redirect_uris TEXT NOT NULL DEFAULT '',
	user_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);

CREATE TABLE oauth_codes (
	id {{pk}},
	code_hash TEXT NOT NULL UNIQUE,
	client_id BIGINT NOT NULL REFERENCES oauth_clients(id) ON DELETE CASCADE,
	user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	redirect_uri TEXT NOT NULL,
	scopes TEXT NOT NULL,
	code_challenge TEXT NOT NULL DEFAULT '',
	expires_at BIGINT NOT NULL,
	used_at BIGINT NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL
);
CREATE INDEX oauth_codes_client ON oauth_codes(client_id);
CREATE INDEX oauth_codes_expires ON oauth_codes(expires_at);

CREATE TABLE oauth_tokens (
	id {{pk}},
	client_id BIGINT NOT NULL REFERENCES oauth_clients(id) ON DELETE CASCADE,
	user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	code_id BIGINT NOT NULL DEFAULT 0,
	token_hash TEXT NOT NULL UNIQUE,
	token_hint TEXT NOT NULL DEFAULT '',
	refresh_hash TEXT UNIQUE,
	scopes TEXT NOT NULL,
	expires_at BIGINT NOT NULL DEFAULT 0,
	refresh_expires_at BIGINT NOT NULL DEFAULT 0,
	used_at BIGINT NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL
);
CREATE INDEX oauth_tokens_user ON oauth_tokens(user_id);
CREATE INDEX oauth_tokens_client ON oauth_tokens(client_id);
CREATE INDEX oauth_tokens_code ON oauth_tokens(code_id);

ALTER TABLE api_tokens ADD COLUMN account BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE api_tokens ADD COLUMN staff_only BOOLEAN NOT NULL DEFAULT FALSE;
`,
	})
}
