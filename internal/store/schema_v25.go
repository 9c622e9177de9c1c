package store

// Version 25: organization memberships (package people). A user may belong
// to several organizations; users.organization_id stays as the user's
// default membership (kept in step by package people), so everything that
// reads it keeps working. Existing users' organization_id becomes their
// one, default, membership.
func init() {
	migrations = append(migrations, migration{
		Version: 25,
		SQL: `
CREATE TABLE organization_memberships (
	id {{pk}},
	user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	organization_id BIGINT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
	is_default BOOLEAN NOT NULL DEFAULT FALSE,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	UNIQUE (user_id, organization_id)
);
CREATE INDEX organization_memberships_org ON organization_memberships(organization_id);

INSERT INTO organization_memberships (user_id, organization_id, is_default, created_at, updated_at)
	SELECT u.id, u.organization_id, TRUE, u.updated_at, u.updated_at FROM users u
	WHERE u.organization_id IS NOT NULL AND EXISTS (SELECT 1 FROM organizations o WHERE o.id = u.organization_id)
	ORDER BY u.id;
`,
	})
}
