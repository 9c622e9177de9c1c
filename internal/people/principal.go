package people

import (
	"context"
	"database/sql"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
)

// principalCols and principalJoin read what a principal is built from
// (users u with their custom role cr); token and session authentication
// both use them through scanPrincipal, so the two cannot drift apart.
const (
	principalCols = `u.id, u.role, u.organization_id, u.email, u.active, u.suspended, cr.role_type, cr.permissions`
	principalJoin = ` LEFT JOIN custom_roles cr ON cr.id = u.custom_role_id`
)

// principalRow is one scanned principalCols row.
type principalRow struct {
	userID            int64
	role              string
	org               sql.NullInt64
	email             sql.NullString
	active, suspended bool
	roleType          sql.NullInt64
	perms             sql.NullString
}

func (r *principalRow) dest() []any {
	return []any{&r.userID, &r.role, &r.org, &r.email, &r.active, &r.suspended, &r.roleType, &r.perms}
}

// principal builds the principal of the row; ok is false when the user may
// not act (deleted or suspended).
func (r *principalRow) principal(via string) (*desk.Principal, bool) {
	p := &desk.Principal{UserID: r.userID, Role: desk.Role(r.role), OrgID: r.org.Int64, Email: r.email.String, Via: via}
	if p.Role == desk.RoleAgent && r.roleType.Valid {
		perms := rolePermissions(int(r.roleType.Int64), r.perms.String)
		p.Perms = &perms
	}
	return p, r.active && !r.suspended
}

// rolePermissions is the permission set of a custom role: the built-in
// light-agent role's comes from code (so no stored value can widen it),
// every other role's from its stored JSON, deny by default.
func rolePermissions(roleType int, stored string) desk.Permissions {
	if roleType == desk.RoleTypeLightAgent {
		return desk.LightAgentPermissions()
	}
	return desk.ParsePermissions(stored)
}

// PrincipalFor builds the principal acting as userID, with the permissions
// of their role, for adapters that authenticate by other means than API
// tokens (web sessions). It checks no permission of the caller, and fails
// with EUNAUTHORIZED when the user does not exist, is deleted or suspended.
// Via is left empty for the caller to set.
func PrincipalFor(ctx context.Context, q store.Querier, userID int64) (*desk.Principal, error) {
	var row principalRow
	err := q.QueryRow(ctx, `SELECT `+principalCols+` FROM users u`+principalJoin+` WHERE u.id = ?`, userID).Scan(row.dest()...)
	if isNoRows(err) {
		return nil, unauthorized()
	}
	if err != nil {
		return nil, err
	}
	p, ok := row.principal("")
	if !ok {
		return nil, unauthorized()
	}
	return p, nil
}
