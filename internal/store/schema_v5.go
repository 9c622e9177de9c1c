package store

// Version 5: roles, the account owner and API token scopes (package people).
//
//   - custom_roles: named permission sets for agents (Zendesk's custom agent
//     roles). permissions is the JSON of desk.Permissions; role_type is
//     Zendesk's (0 custom, 1 light agent). The light-agent role is built in
//     and read-only; its permissions come from code, the stored copy is
//     informational.
//   - users.custom_role_id: an agent's custom role (NULL: the built-in agent
//     set; admins and end-users never have one).
//   - api_tokens.scope ('read' or 'read-write') and expires_at (microseconds,
//     0 = never). Existing tokens stay read-write and never expire.
//   - The account owner (settings key account.owner_id): an existing install
//     gets its oldest active admin, unless an owner is already recorded.
func init() {
	migrations = append(migrations, migration{
		Version: 5,
		SQL: `
CREATE TABLE custom_roles (
	id {{pk}},
	name TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	role_type INTEGER NOT NULL DEFAULT 0,
	permissions TEXT NOT NULL DEFAULT '{}',
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);

INSERT INTO custom_roles (name, description, role_type, permissions, created_at, updated_at)
	VALUES ('Light agent', 'Sees tickets and adds internal notes; cannot change tickets or reply publicly', 1,
	'{"ticket_access":"all","view_end_users":true}', 0, 0);

ALTER TABLE users ADD COLUMN custom_role_id BIGINT REFERENCES custom_roles(id);
CREATE INDEX users_custom_role ON users(custom_role_id) WHERE custom_role_id IS NOT NULL;

ALTER TABLE api_tokens ADD COLUMN scope TEXT NOT NULL DEFAULT 'read-write';
ALTER TABLE api_tokens ADD COLUMN expires_at BIGINT NOT NULL DEFAULT 0;

INSERT INTO settings (key, value)
	SELECT 'account.owner_id', CAST(MIN(u.id) AS TEXT) FROM users u
	WHERE u.role = 'admin' AND u.active = TRUE AND NOT EXISTS (SELECT 1 FROM settings s WHERE s.key = 'account.owner_id')
	HAVING COUNT(*) > 0;
`,
	})
}
