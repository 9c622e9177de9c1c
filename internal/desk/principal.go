package desk

import "context"

// Role is a user's built-in role, spelled as Zendesk spells it.
type Role string

const (
	RoleEndUser Role = "end-user"
	RoleAgent   Role = "agent"
	RoleAdmin   Role = "admin"
)

// Valid reports whether r is one of the built-in roles.
func (r Role) Valid() bool { return r == RoleEndUser || r == RoleAgent || r == RoleAdmin }

// Staff reports whether r works tickets (agents and admins).
func (r Role) Staff() bool { return r == RoleAgent || r == RoleAdmin }

// Principal is who is acting. Every service call reads it from the context,
// so the API, the web UI and background channels all meet the same rules.
type Principal struct {
	UserID int64
	Role   Role
	OrgID  int64 // 0 when the user has no organization
	Email  string
	// System marks trusted internal callers (CLI, migrations, background jobs).
	System bool
	// Via is the channel the action came through: api, web, email, chat, system.
	Via string
	// Perms are the permissions of the user's custom role, loaded at
	// authentication (people.PrincipalFor); nil means the built-in set of
	// Role. Read them through Can, never directly.
	Perms *Permissions `json:",omitempty"`
	// ReadOnly marks a principal authenticated with a read-scoped API
	// token: it may read but change nothing.
	ReadOnly bool `json:",omitempty"`
	// OAuth is set when the principal authenticated with an OAuth access
	// token: the grant's scopes bound what it may reach (see package oauth).
	OAuth *OAuthGrant `json:",omitempty"`
	// AccountTokenID is set when the principal authenticated with an
	// account API token acting as this user (the audit log names both).
	AccountTokenID int64 `json:",omitempty"`
}

// OAuthGrant is what an OAuth access token carries: which token and client,
// the scopes granted, and the admin who acts on behalf of the user when the
// token's impersonate scope was used (0 otherwise).
type OAuthGrant struct {
	TokenID        int64
	ClientID       int64
	Scopes         []string
	ImpersonatorID int64 `json:",omitempty"`
}

// Can returns p's effective permissions: everything for the system and
// admins, the custom role's set for agents that have one, the built-in set
// of the role otherwise, and nothing for an anonymous caller.
func (p *Principal) Can() Permissions {
	switch {
	case p == nil:
		return Permissions{}
	case p.System || p.Role == RoleAdmin:
		return AllPermissions()
	case p.Role == RoleAgent && p.Perms != nil:
		return *p.Perms
	}
	return RolePermissions(p.Role)
}

// IsAdmin reports whether p may manage people and settings.
func (p *Principal) IsAdmin() bool { return p != nil && (p.System || p.Role == RoleAdmin) }

// IsStaff reports whether p is an agent, an admin or the system.
func (p *Principal) IsStaff() bool { return p != nil && (p.System || p.Role.Staff()) }

type principalKey struct{}

// WithPrincipal returns a context carrying p.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the acting principal, or nil for an anonymous caller.
func PrincipalFrom(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}

// SystemContext is for trusted callers such as the CLI and background jobs.
func SystemContext(ctx context.Context) context.Context {
	return WithPrincipal(ctx, &Principal{System: true, Role: RoleAdmin, Via: "system"})
}

// RequirePrincipal returns the principal or an EUNAUTHORIZED error, so every
// service method starts deny-by-default with one line.
func RequirePrincipal(ctx context.Context) (*Principal, error) {
	p := PrincipalFrom(ctx)
	if p == nil {
		return nil, &Error{Code: EUNAUTHORIZED, Message: "Couldn't authenticate you"}
	}
	return p, nil
}
