package people

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
)

// CustomRoleInput is the writable part of a custom role; nil means "leave
// as is". Configuration lists permissions to set by name (the JSON names of
// desk.Permissions); names it leaves out keep their value, which for a new
// role is "denied".
type CustomRoleInput struct {
	Name          *string
	Description   *string
	Configuration map[string]json.RawMessage
}

const roleCols = `r.id, r.name, r.description, r.role_type, r.permissions, r.created_at, r.updated_at,
	(SELECT COUNT(*) FROM users m WHERE m.custom_role_id = r.id AND m.active = ?)`

func scanRole(sc scanner) (*desk.CustomRole, error) {
	var r desk.CustomRole
	var perms string
	var created, updated int64
	if err := sc.Scan(&r.ID, &r.Name, &r.Description, &r.RoleType, &perms, &created, &updated, &r.TeamMemberCount); err != nil {
		return nil, err
	}
	r.Configuration = rolePermissions(r.RoleType, perms)
	r.CreatedAt = desk.NullTimeFromMicros(created)
	r.UpdatedAt = desk.NullTimeFromMicros(updated)
	return &r, nil
}

func loadRole(ctx context.Context, q store.Querier, id int64) (*desk.CustomRole, error) {
	r, err := scanRole(q.QueryRow(ctx, `SELECT `+roleCols+` FROM custom_roles r WHERE r.id = ?`, true, id))
	if isNoRows(err) {
		return nil, desk.NotFound()
	}
	return r, err
}

// requireRoleAdmin: roles are managed by admins only, and a role that could
// manage roles could grant itself anything.
func requireRoleAdmin(ctx context.Context) (*desk.Principal, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	if !p.IsAdmin() {
		return nil, desk.Forbidden("Only admins can manage roles")
	}
	return p, nil
}

// permissionNames are the JSON names of every permission.
var permissionNames = func() map[string]bool {
	var m map[string]any
	_ = json.Unmarshal([]byte(desk.AllPermissions().String()), &m)
	out := make(map[string]bool, len(m))
	for k := range m {
		out[k] = true
	}
	return out
}()

// applyConfiguration sets the permissions named in raw on cur, by
// Frontdesk's names or Zendesk's keys (roles_zendesk.go), reporting unknown
// names, values of the wrong kind, and two keys that set one permission to
// different values.
func applyConfiguration(v *desk.Validation, cur desk.Permissions, raw map[string]json.RawMessage) desk.Permissions {
	if raw == nil {
		return cur
	}
	var m map[string]any
	_ = json.Unmarshal([]byte(cur.String()), &m)
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	set := map[string]any{}     // permission -> new value
	from := map[string]string{} // permission -> the key that set it
	put := func(k, perm string, val any) {
		if prev, ok := set[perm]; ok && prev != val {
			v.Add("configuration", fmt.Sprintf("%s and %s disagree", from[perm], k))
			return
		}
		set[perm], from[perm] = val, k
	}
	for _, k := range keys {
		val := raw[k]
		switch {
		case k == "ticket_access":
			var s string
			if json.Unmarshal(val, &s) != nil {
				v.Add("configuration", ticketAccessHint)
				continue
			}
			norm, ok := desk.NormalizeTicketAccess(s)
			if !ok {
				v.Add("configuration", ticketAccessHint)
				continue
			}
			put(k, k, norm)
		case permissionNames[k]:
			var b bool
			if json.Unmarshal(val, &b) != nil {
				v.Add("configuration", fmt.Sprintf("%s must be true or false", k))
				continue
			}
			put(k, k, b)
		case zendeskAliases[k].perm != "" || zendeskAliases[k].values != nil:
			perms, why := decodeZendeskKey(k, val)
			if why != "" {
				v.Add("configuration", why)
				continue
			}
			names := make([]string, 0, len(perms))
			for p := range perms {
				names = append(names, p)
			}
			sort.Strings(names)
			for _, p := range names {
				put(k, p, perms[p])
			}
		case zendeskIgnored[k]:
			// Zendesk's, with no Frontdesk counterpart: nothing to store.
		default:
			v.Add("configuration", fmt.Sprintf("%q is not a known permission", trimName(k)))
		}
	}
	for p, val := range set {
		m[p] = val
	}
	b, _ := json.Marshal(m)
	return desk.ParsePermissions(string(b))
}

const ticketAccessHint = "ticket_access must be all, within-groups, within-groups-and-public-groups or assigned-only"

func trimName(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// ListCustomRoles lists the roles, the built-in light-agent role first
// (admins only).
func (s *Service) ListCustomRoles(ctx context.Context) ([]*desk.CustomRole, error) {
	if _, err := requireRoleAdmin(ctx); err != nil {
		return nil, err
	}
	rows, err := s.DB.Query(ctx, `SELECT `+roleCols+` FROM custom_roles r ORDER BY r.id`, true)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*desk.CustomRole{}
	for rows.Next() {
		r, err := scanRole(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// GetCustomRole returns one role (admins only).
func (s *Service) GetCustomRole(ctx context.Context, id int64) (*desk.CustomRole, error) {
	if _, err := requireRoleAdmin(ctx); err != nil {
		return nil, err
	}
	return loadRole(ctx, s.DB, id)
}

// LightAgentRoleID returns the ID of the built-in light-agent role, which
// users get through custom_role_id like any other role. Any staff member
// may ask.
func (s *Service) LightAgentRoleID(ctx context.Context) (int64, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return 0, err
	}
	if !p.IsStaff() {
		return 0, desk.Forbidden("You are not allowed to see roles")
	}
	var id int64
	err = s.DB.QueryRow(ctx, `SELECT id FROM custom_roles WHERE role_type = ? ORDER BY id LIMIT 1`, desk.RoleTypeLightAgent).Scan(&id)
	if isNoRows(err) {
		return 0, desk.NotFound()
	}
	return id, err
}

// checkRoleName validates a role name and that no other role has it.
func checkRoleName(ctx context.Context, q store.Querier, v *desk.Validation, id int64, name string) (string, error) {
	name = checkName(v, "name", name)
	if name == "" {
		return name, nil
	}
	taken, err := exists(ctx, q, `SELECT COUNT(*) FROM custom_roles WHERE LOWER(name) = ? AND id <> ?`, strings.ToLower(name), id)
	if err != nil {
		return name, err
	}
	if taken {
		v.Add("name", "has already been taken")
	}
	return name, nil
}

// CreateCustomRole creates a custom agent role (admins only). Permissions
// it does not name are denied; ticket_access defaults to "assigned".
func (s *Service) CreateCustomRole(ctx context.Context, in CustomRoleInput) (*desk.CustomRole, error) {
	if _, err := requireRoleAdmin(ctx); err != nil {
		return nil, err
	}
	var out *desk.CustomRole
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		var v desk.Validation
		name := ""
		if in.Name == nil {
			v.Add("name", "can't be blank")
		} else {
			var err error
			if name, err = checkRoleName(ctx, tx, &v, 0, *in.Name); err != nil {
				return err
			}
		}
		desc := ""
		if in.Description != nil {
			desc = checkText(&v, "description", *in.Description)
		}
		perms := applyConfiguration(&v, desk.Permissions{TicketAccess: desk.TicketAccessAssigned}, in.Configuration)
		if err := v.Err(); err != nil {
			return err
		}
		now := store.Now()
		id, err := tx.InsertID(ctx, `INSERT INTO custom_roles (name, description, role_type, permissions, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?)`, name, desc, desk.RoleTypeCustom, perms.String(), now, now)
		if err != nil {
			return err
		}
		if out, err = loadRole(ctx, tx, id); err != nil {
			return err
		}
		return auditRoleTx(ctx, tx, AuditRoleCreated, nil, out)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// UpdateCustomRole changes a custom role (admins only). The change applies
// to its agents from their next request. Built-in roles cannot change.
func (s *Service) UpdateCustomRole(ctx context.Context, id int64, in CustomRoleInput) (*desk.CustomRole, error) {
	if _, err := requireRoleAdmin(ctx); err != nil {
		return nil, err
	}
	var out *desk.CustomRole
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		cur, err := loadRole(ctx, tx, id)
		if err != nil {
			return err
		}
		if cur.BuiltIn() {
			return desk.Forbidden("Built-in roles cannot be changed")
		}
		var v desk.Validation
		name, desc := cur.Name, cur.Description
		if in.Name != nil {
			if name, err = checkRoleName(ctx, tx, &v, id, *in.Name); err != nil {
				return err
			}
		}
		if in.Description != nil {
			desc = checkText(&v, "description", *in.Description)
		}
		perms := applyConfiguration(&v, cur.Configuration, in.Configuration)
		if err := v.Err(); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE custom_roles SET name = ?, description = ?, permissions = ?, updated_at = ? WHERE id = ?`,
			name, desc, perms.String(), store.Now(), id); err != nil {
			return err
		}
		if out, err = loadRole(ctx, tx, id); err != nil {
			return err
		}
		if err := s.accessChangedTx(ctx, tx); err != nil {
			return err
		}
		return auditRoleTx(ctx, tx, AuditRoleUpdated, cur, out)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteCustomRole deletes a custom role nobody holds (admins only). A role
// still held is refused rather than silently widening its agents to the
// built-in agent permissions; deleted users let go of theirs.
func (s *Service) DeleteCustomRole(ctx context.Context, id int64) error {
	if _, err := requireRoleAdmin(ctx); err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		cur, err := loadRole(ctx, tx, id)
		if err != nil {
			return err
		}
		if cur.BuiltIn() {
			return desk.Forbidden("Built-in roles cannot be deleted")
		}
		if cur.TeamMemberCount > 0 {
			return desk.Invalid("custom_role", fmt.Sprintf("is held by %d agent(s); give them another role first", cur.TeamMemberCount))
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET custom_role_id = NULL WHERE custom_role_id = ?`, id); err != nil {
			return err
		}
		if _, err = tx.Exec(ctx, `DELETE FROM custom_roles WHERE id = ?`, id); err != nil {
			return err
		}
		if err := s.accessChangedTx(ctx, tx); err != nil {
			return err
		}
		return auditRoleTx(ctx, tx, AuditRoleDeleted, cur, nil)
	})
}
