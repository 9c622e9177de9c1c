package store

// Version 23: custom fields on people (package people).
//
//   - person_fields: the definitions of Zendesk's user fields (scope
//     'user') and organization fields (scope 'organization'). field_key is
//     what clients use in user_fields / organization_fields objects: unique
//     per scope and never changed once created. options holds a dropdown's
//     [{id, name, value}] as JSON.
//   - users.user_fields: a user's values as a JSON object {key: value}
//     (organizations already have organizations.fields).
func init() {
	migrations = append(migrations, migration{
		Version: 23,
		SQL: `
CREATE TABLE person_fields (
	id {{pk}},
	scope TEXT NOT NULL,
	field_key TEXT NOT NULL,
	type TEXT NOT NULL,
	title TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	position BIGINT NOT NULL DEFAULT 0,
	active BOOLEAN NOT NULL DEFAULT TRUE,
	tag TEXT,
	regexp_for_validation TEXT,
	options TEXT NOT NULL DEFAULT '[]',
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	UNIQUE (scope, field_key)
);
ALTER TABLE users ADD COLUMN user_fields TEXT NOT NULL DEFAULT '{}';
`,
	})
}
