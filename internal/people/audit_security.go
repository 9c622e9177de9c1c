package people

// Audit entries for the security-relevant changes the people service makes
// (issue P9): users created, suspended, deleted; role, custom role and
// primary address changes; passwords set by someone else; custom roles
// created, changed and deleted; API tokens created, revoked, and used from
// an address other than the last one. Each is written in the transaction
// of the change.

import (
	"context"
	"encoding/json"

	"github.com/frontdesk/frontdesk/internal/audit"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
)

// Audit actions for users, roles and API tokens.
const (
	AuditUserCreated        = "user.created"
	AuditUserRoleChanged    = "user.role_changed"
	AuditUserSuspended      = "user.suspended"
	AuditUserUnsuspended    = "user.unsuspended"
	AuditUserEmailChanged   = "user.email_changed"
	AuditUserPasswordSet    = "user.password_set"
	AuditUserDeleted        = "user.deleted"
	AuditUserPurged         = "user.permanently_deleted"
	AuditRoleCreated        = "custom_role.created"
	AuditRoleUpdated        = "custom_role.updated"
	AuditRoleDeleted        = "custom_role.deleted"
	AuditTokenCreated       = "api_token.created"
	AuditTokenRevoked       = "api_token.revoked"
	AuditTokenUsedFromNewIP = "api_token.new_ip"
)

func auditUserCreatedTx(ctx context.Context, tx *store.Tx, id int64, st userState) error {
	d := map[string]any{"name": st.Name, "role": string(st.Role)}
	if st.Email != "" {
		d["email"] = st.Email
	}
	if st.CustomRoleID != 0 {
		d["custom_role_id"] = st.CustomRoleID
	}
	return audit.RecordTx(ctx, tx, audit.Entry{Action: AuditUserCreated, TargetType: "user", TargetID: id, Data: d})
}

// auditUserUpdatedTx records the security-relevant parts of a user update:
// one entry per kind of change, so each can be filtered on.
func auditUserUpdatedTx(ctx context.Context, tx *store.Tx, id int64, before, after userState, passwordSet bool) error {
	var es []audit.Entry
	if before.Role != after.Role || before.CustomRoleID != after.CustomRoleID {
		ch := map[string]audit.Change{}
		if before.Role != after.Role {
			ch["role"] = audit.Change{Before: string(before.Role), After: string(after.Role)}
		}
		if before.CustomRoleID != after.CustomRoleID {
			ch["custom_role_id"] = audit.Change{Before: nullID(before.CustomRoleID), After: nullID(after.CustomRoleID)}
		}
		es = append(es, audit.Entry{Action: AuditUserRoleChanged, Changes: ch})
	}
	if before.Suspended != after.Suspended {
		action := AuditUserSuspended
		if !after.Suspended {
			action = AuditUserUnsuspended
		}
		es = append(es, audit.Entry{Action: action, Changes: map[string]audit.Change{"suspended": {Before: before.Suspended, After: after.Suspended}}})
	}
	if before.Email != after.Email {
		es = append(es, audit.Entry{Action: AuditUserEmailChanged, Changes: map[string]audit.Change{"email": {Before: before.Email, After: after.Email}}})
	}
	if passwordSet {
		es = append(es, audit.Entry{Action: AuditUserPasswordSet})
	}
	for _, e := range es {
		e.TargetType, e.TargetID = "user", id
		if e.Data == nil {
			e.Data = map[string]any{"name": after.Name}
		}
		if err := audit.RecordTx(ctx, tx, e); err != nil {
			return err
		}
	}
	return nil
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func auditUserTx(ctx context.Context, tx *store.Tx, action string, id int64, name string) error {
	return audit.RecordTx(ctx, tx, audit.Entry{Action: action, TargetType: "user", TargetID: id, Data: map[string]any{"name": name}})
}

// permissionsMap is a permission set as a map, for before/after changes.
func permissionsMap(p desk.Permissions) map[string]any {
	var m map[string]any
	_ = json.Unmarshal([]byte(p.String()), &m)
	return m
}

func auditRoleTx(ctx context.Context, tx *store.Tx, action string, before, after *desk.CustomRole) error {
	e := audit.Entry{Action: action, TargetType: "custom_role"}
	ch := map[string]audit.Change{}
	var bName, aName string
	var bPerms, aPerms map[string]any
	if before != nil {
		e.TargetID, bName, bPerms = before.ID, before.Name, permissionsMap(before.Configuration)
	}
	if after != nil {
		e.TargetID, aName, aPerms = after.ID, after.Name, permissionsMap(after.Configuration)
	}
	if bName != aName {
		ch["name"] = audit.Change{Before: bName, After: aName}
	}
	for k, v := range aPerms {
		if bv, ok := bPerms[k]; !ok || bv != v {
			ch["permissions."+k] = audit.Change{Before: bPerms[k], After: v}
		}
	}
	for k, v := range bPerms {
		if _, ok := aPerms[k]; !ok {
			ch["permissions."+k] = audit.Change{Before: v, After: nil}
		}
	}
	e.Changes = ch
	return audit.RecordTx(ctx, tx, e)
}

func auditTokenTx(ctx context.Context, tx *store.Tx, action string, t *desk.APIToken) error {
	return audit.RecordTx(ctx, tx, audit.Entry{Action: action, TargetType: "api_token", TargetID: t.ID,
		Data: map[string]any{"user_id": t.UserID, "name": t.Name, "scope": t.Scope, "account": t.Account}})
}
