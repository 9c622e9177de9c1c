package people

import (
	"context"

	"github.com/frontdesk/frontdesk/internal/audit"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/events"
	"github.com/frontdesk/frontdesk/internal/store"
)

// GroupInput is the writable part of a group; nil pointers mean "leave as is".
type GroupInput struct {
	Name        *string
	Description *string
	Default     *bool
	IsPublic    *bool
}

const groupCols = `g.id, g.name, g.description, g.is_default, g.is_public, g.deleted, g.created_at, g.updated_at`

func scanGroup(sc scanner) (*desk.Group, error) {
	var g desk.Group
	var created, updated int64
	if err := sc.Scan(&g.ID, &g.Name, &g.Description, &g.Default, &g.IsPublic, &g.Deleted, &created, &updated); err != nil {
		return nil, err
	}
	g.CreatedAt = desk.TimeFromMicros(created)
	g.UpdatedAt = desk.TimeFromMicros(updated)
	return &g, nil
}

func queryGroups(ctx context.Context, q store.Querier, query string, args ...any) ([]*desk.Group, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*desk.Group{}
	for rows.Next() {
		g, err := scanGroup(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

func loadGroup(ctx context.Context, q store.Querier, id int64) (*desk.Group, error) {
	g, err := scanGroup(q.QueryRow(ctx, `SELECT `+groupCols+` FROM agent_groups g WHERE g.id = ?`, id))
	if isNoRows(err) {
		return nil, desk.NotFound()
	}
	return g, err
}

// makeDefaultGroup makes id the only default group.
func makeDefaultGroup(ctx context.Context, tx *store.Tx, id int64) error {
	now := store.Now()
	if _, err := tx.Exec(ctx, `UPDATE agent_groups SET is_default = ?, updated_at = ? WHERE is_default = ? AND id <> ?`,
		false, now, true, id); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `UPDATE agent_groups SET is_default = ?, updated_at = ? WHERE id = ?`, true, now, id)
	return err
}

// CreateGroup creates a group (manage_groups_orgs). The first group becomes the
// default; Default=true moves the default to the new group.
func (s *Service) CreateGroup(ctx context.Context, in GroupInput) (*desk.Group, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	if !p.IsStaff() || !p.Can().ManageGroupsOrgs {
		return nil, desk.Forbidden("You are not allowed to create groups")
	}
	var v desk.Validation
	name, desc, public := "", "", true
	if in.Name == nil {
		v.Add("name", "can't be blank")
	} else {
		name = checkName(&v, "name", *in.Name)
	}
	if in.Description != nil {
		desc = checkText(&v, "description", *in.Description)
	}
	if in.IsPublic != nil {
		public = *in.IsPublic
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	var g *desk.Group
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		hasDefault, err := exists(ctx, tx, `SELECT COUNT(*) FROM agent_groups WHERE is_default = ? AND deleted = ?`, true, false)
		if err != nil {
			return err
		}
		now := store.Now()
		id, err := tx.InsertID(ctx, `INSERT INTO agent_groups (name, description, is_default, is_public, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?)`, name, desc, false, public, now, now)
		if err != nil {
			return err
		}
		if !hasDefault || (in.Default != nil && *in.Default) {
			if err := makeDefaultGroup(ctx, tx, id); err != nil {
				return err
			}
		}
		if g, err = loadGroup(ctx, tx, id); err != nil {
			return err
		}
		if err := audit.RecordTx(ctx, tx, audit.Entry{Action: AuditGroupCreated, TargetType: "group", TargetID: id,
			Data: map[string]any{"name": g.Name, "is_public": g.IsPublic}}); err != nil {
			return err
		}
		return s.changedTx(ctx, tx, events.Event{Type: events.GroupCreated, GroupID: id})
	})
	if err != nil {
		return nil, err
	}
	return g, nil
}

// UpdateGroup changes a group (manage_groups_orgs). Default=true makes it the only
// default; the default group cannot be un-defaulted except by making another
// group the default. Changing a private group, or any group's visibility,
// needs the account owner or a member of the group; a private group cannot
// be made public.
func (s *Service) UpdateGroup(ctx context.Context, id int64, in GroupInput) (*desk.Group, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	if !p.IsStaff() {
		return nil, desk.NotFound()
	}
	if !p.IsStaff() || !p.Can().ManageGroupsOrgs {
		return nil, desk.Forbidden("You are not allowed to update groups")
	}
	var g *desk.Group
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		cur, err := loadGroup(ctx, tx, id)
		if err != nil {
			return err
		}
		if cur.Deleted {
			return desk.NotFound()
		}
		var v desk.Validation
		name, desc, public := cur.Name, cur.Description, cur.IsPublic
		if in.Name != nil {
			name = checkName(&v, "name", *in.Name)
		}
		if in.Description != nil {
			desc = checkText(&v, "description", *in.Description)
		}
		if in.IsPublic != nil {
			public = *in.IsPublic
		}
		if in.Default != nil && !*in.Default && cur.Default {
			v.Add("default", "cannot be unset; make another group the default instead")
		}
		if !cur.IsPublic || public != cur.IsPublic {
			if err := requireGroupInsiderTx(ctx, tx, p, id); err != nil {
				return err
			}
		}
		if !cur.IsPublic && public {
			v.Add("is_public", "cannot be changed: a private group cannot be made public")
		}
		if err := v.Err(); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE agent_groups SET name = ?, description = ?, is_public = ?, updated_at = ? WHERE id = ?`,
			name, desc, public, store.Now(), id); err != nil {
			return err
		}
		if in.Default != nil && *in.Default && !cur.Default {
			if err := makeDefaultGroup(ctx, tx, id); err != nil {
				return err
			}
		}
		if g, err = loadGroup(ctx, tx, id); err != nil {
			return err
		}
		changes := groupChanges(cur, g)
		if len(changes) == 0 {
			return nil
		}
		if err := audit.RecordTx(ctx, tx, audit.Entry{Action: AuditGroupUpdated, TargetType: "group", TargetID: id, Changes: changes}); err != nil {
			return err
		}
		return s.changedTx(ctx, tx, events.Event{Type: events.GroupUpdated, GroupID: id})
	})
	if err != nil {
		return nil, err
	}
	return g, nil
}

// groupChanges lists what differs between two states of a group.
func groupChanges(a, b *desk.Group) map[string]audit.Change {
	c := map[string]audit.Change{}
	if a.Name != b.Name {
		c["name"] = audit.Change{Before: a.Name, After: b.Name}
	}
	if a.Description != b.Description {
		c["description"] = audit.Change{Before: a.Description, After: b.Description}
	}
	if a.IsPublic != b.IsPublic {
		c["is_public"] = audit.Change{Before: a.IsPublic, After: b.IsPublic}
	}
	if a.Default != b.Default {
		c["default"] = audit.Change{Before: a.Default, After: b.Default}
	}
	return c
}

// GetGroup returns a group, deleted ones included (staff only).
func (s *Service) GetGroup(ctx context.Context, id int64) (*desk.Group, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	if !p.IsStaff() {
		return nil, desk.NotFound()
	}
	return loadGroup(ctx, s.DB, id)
}

// GetGroups returns the groups among ids, in id order (staff only; end-users
// get an empty list).
func (s *Service) GetGroups(ctx context.Context, ids []int64) ([]*desk.Group, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	ids = uniqueIDs(ids)
	if len(ids) > maxIDs {
		return nil, desk.Errorf(desk.ETOOLARGE, "Too many ids (maximum is %d)", maxIDs)
	}
	if !p.IsStaff() || len(ids) == 0 {
		return []*desk.Group{}, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return queryGroups(ctx, s.DB, `SELECT `+groupCols+` FROM agent_groups g WHERE g.id IN (`+store.Placeholders(len(ids))+`) ORDER BY g.id`, args...)
}

// ListGroups lists groups that are not deleted (staff only), by id.
func (s *Service) ListGroups(ctx context.Context, afterID int64, limit, offset int) ([]*desk.Group, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	if !p.IsStaff() {
		return nil, desk.Forbidden("You are not allowed to list groups")
	}
	page, pargs := pageArgs(limit, offset)
	return queryGroups(ctx, s.DB, `SELECT `+groupCols+` FROM agent_groups g WHERE g.deleted = ? AND g.id > ? ORDER BY g.id`+page,
		append([]any{false, afterID}, pargs...)...)
}

// CountGroups counts the groups that are not deleted (staff only).
func (s *Service) CountGroups(ctx context.Context) (int, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return 0, err
	}
	if !p.IsStaff() {
		return 0, desk.Forbidden("You are not allowed to list groups")
	}
	var n int
	err = s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM agent_groups WHERE deleted = ?`, false).Scan(&n)
	return n, err
}

// DeleteGroup soft-deletes a group (manage_groups_orgs): it keeps its row for old
// tickets but loses its members; if it was the default, the oldest remaining
// group becomes the default. A private group is deleted only by the account
// owner or one of its members (it takes every member out).
func (s *Service) DeleteGroup(ctx context.Context, id int64) error {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return err
	}
	if !p.IsStaff() {
		return desk.NotFound()
	}
	if !p.IsStaff() || !p.Can().ManageGroupsOrgs {
		return desk.Forbidden("You are not allowed to delete groups")
	}
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		cur, err := loadGroup(ctx, tx, id)
		if err != nil {
			return err
		}
		if cur.Deleted {
			return desk.NotFound()
		}
		if !cur.IsPublic {
			if err := requireGroupInsiderTx(ctx, tx, p, id); err != nil {
				return err
			}
		}
		now := store.Now()
		if _, err := tx.Exec(ctx, `UPDATE agent_groups SET deleted = ?, is_default = ?, updated_at = ? WHERE id = ?`,
			true, false, now, id); err != nil {
			return err
		}
		// Users whose default this was fall back to another of their groups.
		rows, err := tx.Query(ctx, `SELECT user_id, is_default FROM group_memberships WHERE group_id = ? ORDER BY user_id`, id)
		if err != nil {
			return err
		}
		members := []int64{}
		var users []int64
		for rows.Next() {
			var u int64
			var def bool
			if err := rows.Scan(&u, &def); err != nil {
				rows.Close()
				return err
			}
			members = append(members, u)
			if def {
				users = append(users, u)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM group_memberships WHERE group_id = ?`, id); err != nil {
			return err
		}
		for _, u := range users {
			if err := promoteDefaultMembership(ctx, tx, u); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET default_group_id = NULL WHERE default_group_id = ?`, id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE organizations SET group_id = NULL WHERE group_id = ?`, id); err != nil {
			return err
		}
		if cur.Default {
			var next int64
			err := tx.QueryRow(ctx, `SELECT id FROM agent_groups WHERE deleted = ? ORDER BY id LIMIT 1`, false).Scan(&next)
			if err != nil && !isNoRows(err) {
				return err
			}
			if next != 0 {
				if err := makeDefaultGroup(ctx, tx, next); err != nil {
					return err
				}
			}
		}
		if err := audit.RecordTx(ctx, tx, audit.Entry{Action: AuditGroupDeleted, TargetType: "group", TargetID: id,
			Data: map[string]any{"name": cur.Name, "is_public": cur.IsPublic, "member_ids": members}}); err != nil {
			return err
		}
		return s.changedTx(ctx, tx, events.Event{Type: events.GroupDeleted, GroupID: id})
	})
}

// DefaultGroupID returns the default group's id, or 0 if there is none.
// Any signed-in principal may ask (ticket creation needs it).
func (s *Service) DefaultGroupID(ctx context.Context) (int64, error) {
	if _, err := desk.RequirePrincipal(ctx); err != nil {
		return 0, err
	}
	var id int64
	err := s.DB.QueryRow(ctx, `SELECT id FROM agent_groups WHERE is_default = ? AND deleted = ? ORDER BY id LIMIT 1`, true, false).Scan(&id)
	if isNoRows(err) {
		return 0, nil
	}
	return id, err
}

const membershipCols = `m.id, m.user_id, m.group_id, m.is_default, m.created_at, m.updated_at`

func scanMembership(sc scanner) (*desk.GroupMembership, error) {
	var m desk.GroupMembership
	var created, updated int64
	if err := sc.Scan(&m.ID, &m.UserID, &m.GroupID, &m.Default, &created, &updated); err != nil {
		return nil, err
	}
	m.CreatedAt = desk.TimeFromMicros(created)
	m.UpdatedAt = desk.TimeFromMicros(updated)
	return &m, nil
}

func loadMembership(ctx context.Context, q store.Querier, id int64) (*desk.GroupMembership, error) {
	m, err := scanMembership(q.QueryRow(ctx, `SELECT `+membershipCols+` FROM group_memberships m WHERE m.id = ?`, id))
	if isNoRows(err) {
		return nil, desk.NotFound()
	}
	return m, err
}

// promoteDefaultMembership makes the user's oldest membership the default
// when none is, and mirrors it in users.default_group_id.
func promoteDefaultMembership(ctx context.Context, tx *store.Tx, userID int64) error {
	has, err := exists(ctx, tx, `SELECT COUNT(*) FROM group_memberships WHERE user_id = ? AND is_default = ?`, userID, true)
	if err != nil || has {
		return err
	}
	var gid int64
	err = tx.QueryRow(ctx, `SELECT group_id FROM group_memberships WHERE user_id = ? ORDER BY id LIMIT 1`, userID).Scan(&gid)
	if isNoRows(err) {
		_, err = tx.Exec(ctx, `UPDATE users SET default_group_id = NULL WHERE id = ?`, userID)
		return err
	}
	if err != nil {
		return err
	}
	return setDefaultMembership(ctx, tx, userID, gid)
}

// AddMembership puts an agent or admin in a group (manage_groups_orgs). The user's
// first membership, or one with isDefault, becomes their default group.
// Joining a private group, or adding someone to it, needs the account
// owner or a member of the group.
func (s *Service) AddMembership(ctx context.Context, userID, groupID int64, isDefault bool) (*desk.GroupMembership, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	if !p.IsStaff() || !p.Can().ManageGroupsOrgs {
		return nil, desk.Forbidden("You are not allowed to manage group memberships")
	}
	var m *desk.GroupMembership
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		var role string
		var active bool
		err := tx.QueryRow(ctx, `SELECT role, active FROM users WHERE id = ?`, userID).Scan(&role, &active)
		if isNoRows(err) {
			return desk.Invalid("user_id", "does not exist")
		}
		if err != nil {
			return err
		}
		var v desk.Validation
		switch {
		case !desk.Role(role).Staff():
			v.Add("user_id", "must be an agent")
		case !active:
			v.Add("user_id", "is deleted")
		}
		ok, err := exists(ctx, tx, `SELECT COUNT(*) FROM agent_groups WHERE id = ? AND deleted = ?`, groupID, false)
		if err != nil {
			return err
		}
		if !ok {
			v.Add("group_id", "does not exist")
		}
		if err := v.Err(); err != nil {
			return err
		}
		private, err := groupIsPrivateTx(ctx, tx, groupID)
		if err != nil {
			return err
		}
		if private {
			if err := requireGroupInsiderTx(ctx, tx, p, groupID); err != nil {
				return err
			}
		}
		dup, err := IsGroupMemberTx(ctx, tx, userID, groupID)
		if err != nil {
			return err
		}
		if dup {
			return desk.Invalid("group_id", "the user is already a member of this group")
		}
		now := store.Now()
		id, err := tx.InsertID(ctx, `INSERT INTO group_memberships (user_id, group_id, is_default, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?)`, userID, groupID, false, now, now)
		if err != nil {
			if store.IsUniqueViolation(err) {
				return desk.Invalid("group_id", "the user is already a member of this group")
			}
			return err
		}
		if isDefault {
			err = setDefaultMembership(ctx, tx, userID, groupID)
		} else {
			err = promoteDefaultMembership(ctx, tx, userID)
		}
		if err != nil {
			return err
		}
		if m, err = loadMembership(ctx, tx, id); err != nil {
			return err
		}
		if err := auditMembershipTx(ctx, tx, AuditGroupMemberAdded, groupID, userID, id); err != nil {
			return err
		}
		return s.changedTx(ctx, tx, events.Event{Type: events.GroupMembershipCreated, UserID: userID, GroupID: groupID})
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// RemoveMembership takes an agent out of a group (manage_groups_orgs); out of
// a private group only by the account owner or a member of the group.
func (s *Service) RemoveMembership(ctx context.Context, id int64) error {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return err
	}
	if !p.IsStaff() {
		return desk.NotFound()
	}
	if !p.IsStaff() || !p.Can().ManageGroupsOrgs {
		return desk.Forbidden("You are not allowed to manage group memberships")
	}
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		m, err := loadMembership(ctx, tx, id)
		if err != nil {
			return err
		}
		private, err := groupIsPrivateTx(ctx, tx, m.GroupID)
		if err != nil {
			return err
		}
		if private {
			if err := requireGroupInsiderTx(ctx, tx, p, m.GroupID); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `DELETE FROM group_memberships WHERE id = ?`, id); err != nil {
			return err
		}
		if m.Default {
			if _, err := tx.Exec(ctx, `UPDATE users SET default_group_id = NULL WHERE id = ?`, m.UserID); err != nil {
				return err
			}
			if err := promoteDefaultMembership(ctx, tx, m.UserID); err != nil {
				return err
			}
		}
		if err := auditMembershipTx(ctx, tx, AuditGroupMemberRemoved, m.GroupID, m.UserID, id); err != nil {
			return err
		}
		return s.changedTx(ctx, tx, events.Event{Type: events.GroupMembershipDeleted, UserID: m.UserID, GroupID: m.GroupID})
	})
}

// ListMemberships lists memberships (staff only), filtered by user and/or
// group when those are non-zero, by id.
func (s *Service) ListMemberships(ctx context.Context, userID, groupID int64) ([]*desk.GroupMembership, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	if !p.IsStaff() {
		return nil, desk.Forbidden("You are not allowed to list group memberships")
	}
	q := `SELECT ` + membershipCols + ` FROM group_memberships m WHERE 1 = 1`
	var args []any
	if userID != 0 {
		q += ` AND m.user_id = ?`
		args = append(args, userID)
	}
	if groupID != 0 {
		q += ` AND m.group_id = ?`
		args = append(args, groupID)
	}
	rows, err := s.DB.Query(ctx, q+` ORDER BY m.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*desk.GroupMembership{}
	for rows.Next() {
		m, err := scanMembership(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// GetMembership returns one membership (staff only).
func (s *Service) GetMembership(ctx context.Context, id int64) (*desk.GroupMembership, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	if !p.IsStaff() {
		return nil, desk.NotFound()
	}
	return loadMembership(ctx, s.DB, id)
}
