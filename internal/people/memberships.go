package people

import (
	"context"
	"fmt"

	"github.com/frontdesk/frontdesk/internal/audit"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/events"
	"github.com/frontdesk/frontdesk/internal/store"
)

// Organization memberships: a user may belong to several organizations, one
// of them the default. users.organization_id mirrors the default membership
// (every write below keeps the two in step), so code reading a user's
// organization keeps working; rules about what a membership grants (shared
// tickets, fellow members) read organization_memberships.

// Audit actions for organization memberships (target: the organization).
const (
	AuditOrgMemberAdded   = "organization.member_added"
	AuditOrgMemberRemoved = "organization.member_removed"
	AuditOrgMemberDefault = "organization.member_default"
)

// OrgMembershipFilter selects memberships to list: by user and/or
// organization when non-zero; AfterID, Limit and Offset page them.
type OrgMembershipFilter struct {
	UserID         int64
	OrganizationID int64
	AfterID        int64
	Limit, Offset  int
	// UserOrder lists a user's memberships as Zendesk does (the default
	// first, then by organization name) instead of by id; for offset
	// paging only.
	UserOrder bool
}

const orgMembershipCols = `m.id, m.user_id, m.organization_id, m.is_default, o.name, o.shared_tickets, u.role,
	m.created_at, m.updated_at`

const orgMembershipFrom = ` FROM organization_memberships m JOIN organizations o ON o.id = m.organization_id
	JOIN users u ON u.id = m.user_id`

func scanOrgMembership(sc scanner) (*desk.OrganizationMembership, error) {
	var (
		m                desk.OrganizationMembership
		shared           bool
		role             string
		created, updated int64
	)
	if err := sc.Scan(&m.ID, &m.UserID, &m.OrganizationID, &m.Default, &m.OrganizationName, &shared, &role,
		&created, &updated); err != nil {
		return nil, err
	}
	m.ViewTickets = shared || desk.Role(role).Staff()
	m.CreatedAt = desk.TimeFromMicros(created)
	m.UpdatedAt = desk.TimeFromMicros(updated)
	return &m, nil
}

func queryOrgMemberships(ctx context.Context, q store.Querier, where string, args ...any) ([]*desk.OrganizationMembership, error) {
	rows, err := q.Query(ctx, `SELECT `+orgMembershipCols+orgMembershipFrom+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*desk.OrganizationMembership{}
	for rows.Next() {
		m, err := scanOrgMembership(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// orgMembershipVisibility limits memberships m to what p may read: staff
// all, end-users their own.
func orgMembershipVisibility(p *desk.Principal) (string, []any) {
	if p.IsStaff() {
		return "", nil
	}
	return ` AND m.user_id = ?`, []any{p.UserID}
}

// visibleOrgMembership loads membership id if p may read it, else NotFound.
func visibleOrgMembership(ctx context.Context, q store.Querier, p *desk.Principal, id int64) (*desk.OrganizationMembership, error) {
	cond, args := orgMembershipVisibility(p)
	list, err := queryOrgMemberships(ctx, q, ` WHERE m.id = ?`+cond, append([]any{id}, args...)...)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, desk.NotFound()
	}
	return list[0], nil
}

// mayManageOrgMemberships says whether p may add or remove memberships of a
// user whose role is role: admins anyone's, agents whose role lets them
// edit end-users those of end-users (as Zendesk).
func mayManageOrgMemberships(p *desk.Principal, role desk.Role) error {
	switch {
	case p.System || p.IsAdmin():
		return nil
	case !p.IsStaff():
		return desk.Forbidden("You are not allowed to manage organization memberships")
	case role != desk.RoleEndUser:
		return desk.Forbidden("Agents can only manage the organization memberships of end-users")
	case !p.Can().EditEndUsers:
		return desk.Forbidden("Your role does not allow editing end-users")
	}
	return nil
}

// ListOrgMemberships lists the memberships p may read, by id after
// f.AfterID (or in f.UserOrder).
func (s *Service) ListOrgMemberships(ctx context.Context, f OrgMembershipFilter) ([]*desk.OrganizationMembership, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	where, args, err := orgMembershipWhere(p, f)
	if err != nil {
		return nil, err
	}
	order := ` ORDER BY m.id`
	if f.UserOrder {
		order = ` ORDER BY m.is_default DESC, o.name_key, m.id`
	}
	page, pargs := pageArgs(f.Limit, f.Offset)
	return queryOrgMemberships(ctx, s.DB, where+` AND m.id > ?`+order+page, append(append(args, f.AfterID), pargs...)...)
}

// CountOrgMemberships counts what ListOrgMemberships lists (without paging).
func (s *Service) CountOrgMemberships(ctx context.Context, f OrgMembershipFilter) (int, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return 0, err
	}
	where, args, err := orgMembershipWhere(p, f)
	if err != nil {
		return 0, err
	}
	var n int
	err = s.DB.QueryRow(ctx, `SELECT COUNT(*)`+orgMembershipFrom+where, args...).Scan(&n)
	return n, err
}

// orgMembershipWhere builds the WHERE clause for f as p sees it. An
// end-user asking for someone else's memberships gets NotFound.
func orgMembershipWhere(p *desk.Principal, f OrgMembershipFilter) (string, []any, error) {
	if !p.IsStaff() && f.UserID != 0 && f.UserID != p.UserID {
		return "", nil, desk.NotFound()
	}
	where, args := ` WHERE 1 = 1`, []any{}
	if f.UserID != 0 {
		where += ` AND m.user_id = ?`
		args = append(args, f.UserID)
	}
	if f.OrganizationID != 0 {
		where += ` AND m.organization_id = ?`
		args = append(args, f.OrganizationID)
	}
	cond, cargs := orgMembershipVisibility(p)
	return where + cond, append(args, cargs...), nil
}

// GetOrgMembership returns one membership: staff any, end-users their own
// (anyone else's is "not found").
func (s *Service) GetOrgMembership(ctx context.Context, id int64) (*desk.OrganizationMembership, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	return visibleOrgMembership(ctx, s.DB, p, id)
}

// UserOrganizations lists the organizations user userID belongs to, the
// default first: staff for anyone, end-users for themselves.
func (s *Service) UserOrganizations(ctx context.Context, userID int64) ([]*desk.Organization, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := visibleUser(ctx, s.DB, p, userID); err != nil {
		return nil, err
	}
	if !p.IsStaff() && userID != p.UserID {
		return nil, desk.NotFound()
	}
	return queryOrgs(ctx, s.DB, `SELECT `+orgCols+` FROM organizations o JOIN organization_memberships m ON m.organization_id = o.id
		WHERE m.user_id = ? ORDER BY m.is_default DESC, o.name_key, o.id`, userID)
}

// CreateOrgMembership puts user userID in organization orgID. The user's
// first membership, or one asked to be, becomes the default.
func (s *Service) CreateOrgMembership(ctx context.Context, userID, orgID int64, makeDefault bool) (*desk.OrganizationMembership, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	if !p.IsStaff() {
		return nil, desk.Forbidden("You are not allowed to manage organization memberships")
	}
	var m *desk.OrganizationMembership
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		if err := checkMembershipRefs(ctx, tx, p, userID, orgID); err != nil {
			return err
		}
		member, err := IsOrgMemberTx(ctx, tx, userID, orgID)
		if err != nil {
			return err
		}
		if member {
			return desk.Invalid("user_id", "is already a member of this organization")
		}
		id, err := joinOrgTx(ctx, tx, userID, orgID, makeDefault)
		if err != nil {
			if store.IsUniqueViolation(err) {
				return desk.Invalid("user_id", "is already a member of this organization")
			}
			return err
		}
		if m, err = visibleOrgMembership(ctx, tx, p, id); err != nil {
			return err
		}
		return s.changedTx(ctx, tx, events.Event{Type: events.UserUpdated, UserID: userID, OrganizationID: orgID})
	})
	if err != nil {
		return nil, wrapMembershipErr(err, "create")
	}
	return m, nil
}

// checkMembershipRefs validates the user and organization of a new
// membership (422 when either does not exist) and that p may manage the
// user's memberships.
func checkMembershipRefs(ctx context.Context, tx *store.Tx, p *desk.Principal, userID, orgID int64) error {
	var v desk.Validation
	role, _, active, err := UserRoleTx(ctx, tx, userID)
	switch {
	case desk.ErrorCode(err) == desk.ENOTFOUND:
		v.Add("user_id", "does not exist")
	case err != nil:
		return err
	case !active:
		v.Add("user_id", "is deleted")
	}
	ok, err := OrganizationExistsTx(ctx, tx, orgID)
	if err != nil {
		return err
	}
	if !ok {
		v.Add("organization_id", "does not exist")
	}
	if err := v.Err(); err != nil {
		return err
	}
	return mayManageOrgMemberships(p, role)
}

// DeleteOrgMembership ends a membership. When it was the user's default,
// their oldest remaining membership becomes the default (or they have none).
func (s *Service) DeleteOrgMembership(ctx context.Context, id int64) error {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return err
	}
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		m, err := visibleOrgMembership(ctx, tx, p, id)
		if err != nil {
			return err
		}
		role, _, _, err := UserRoleTx(ctx, tx, m.UserID)
		if err != nil {
			return err
		}
		if err := mayManageOrgMemberships(p, role); err != nil {
			return err
		}
		if err := leaveOrgTx(ctx, tx, m.ID, m.UserID, m.OrganizationID, m.Default); err != nil {
			return err
		}
		return s.changedTx(ctx, tx, events.Event{Type: events.UserUpdated, UserID: m.UserID, OrganizationID: m.OrganizationID})
	})
	return wrapMembershipErr(err, "delete")
}

// DeleteUserOrganization ends user userID's membership of orgID.
func (s *Service) DeleteUserOrganization(ctx context.Context, userID, orgID int64) error {
	id, err := s.membershipIDOf(ctx, userID, orgID)
	if err != nil {
		return err
	}
	return s.DeleteOrgMembership(ctx, id)
}

// MakeDefaultOrgMembership makes membership id the default of user userID
// and returns the user's memberships.
func (s *Service) MakeDefaultOrgMembership(ctx context.Context, userID, id int64) ([]*desk.OrganizationMembership, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		m, err := visibleOrgMembership(ctx, tx, p, id)
		if err != nil {
			return err
		}
		if m.UserID != userID {
			return desk.NotFound()
		}
		role, _, _, err := UserRoleTx(ctx, tx, m.UserID)
		if err != nil {
			return err
		}
		if err := mayManageOrgMemberships(p, role); err != nil {
			return err
		}
		if m.Default {
			return nil
		}
		if err := setDefaultOrgTx(ctx, tx, userID, m.OrganizationID); err != nil {
			return err
		}
		return s.changedTx(ctx, tx, events.Event{Type: events.UserUpdated, UserID: userID, OrganizationID: m.OrganizationID})
	})
	if err != nil {
		return nil, wrapMembershipErr(err, "make default")
	}
	return s.ListOrgMemberships(ctx, OrgMembershipFilter{UserID: userID, UserOrder: true})
}

// MakeDefaultOrganization makes orgID the default organization of user
// userID (who must belong to it) and returns the user's memberships.
func (s *Service) MakeDefaultOrganization(ctx context.Context, userID, orgID int64) ([]*desk.OrganizationMembership, error) {
	id, err := s.membershipIDOf(ctx, userID, orgID)
	if err != nil {
		return nil, err
	}
	return s.MakeDefaultOrgMembership(ctx, userID, id)
}

// membershipIDOf finds the id of userID's membership of orgID, as the
// principal may see it.
func (s *Service) membershipIDOf(ctx context.Context, userID, orgID int64) (int64, error) {
	list, err := s.ListOrgMemberships(ctx, OrgMembershipFilter{UserID: userID, OrganizationID: orgID})
	if err != nil {
		return 0, err
	}
	if len(list) == 0 {
		return 0, desk.NotFound()
	}
	return list[0].ID, nil
}

// AuthorizeBulkOrgMemberships checks that p may queue a bulk membership
// job of total records (each record is checked again when it runs).
func (s *Service) AuthorizeBulkOrgMemberships(ctx context.Context, total int) error {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return err
	}
	if !p.IsStaff() || (!p.IsAdmin() && !p.Can().EditEndUsers) {
		return desk.Forbidden("You are not allowed to manage organization memberships")
	}
	if total == 0 {
		return desk.Invalid("organization_memberships", "is empty")
	}
	if total > MaxBulkUsers {
		return desk.Errorf(desk.ETOOLARGE, "Too many organization memberships (maximum is %d)", MaxBulkUsers)
	}
	return nil
}

// IsOrgMemberTx reports whether userID belongs to organization orgID.
func IsOrgMemberTx(ctx context.Context, q store.Querier, userID, orgID int64) (bool, error) {
	return exists(ctx, q, `SELECT COUNT(*) FROM organization_memberships WHERE user_id = ? AND organization_id = ?`, userID, orgID)
}

// joinOrgTx adds userID to orgID (audited) and makes it the default when
// asked or when the user has no default yet; it returns the membership id.
func joinOrgTx(ctx context.Context, tx *store.Tx, userID, orgID int64, makeDefault bool) (int64, error) {
	now := store.Now()
	id, err := tx.InsertID(ctx, `INSERT INTO organization_memberships (user_id, organization_id, is_default, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?)`, userID, orgID, false, now, now)
	if err != nil {
		return 0, err
	}
	if err := auditOrgMembershipTx(ctx, tx, AuditOrgMemberAdded, orgID, userID, id); err != nil {
		return 0, err
	}
	if makeDefault {
		return id, setDefaultOrgTx(ctx, tx, userID, orgID)
	}
	return id, promoteDefaultOrgTx(ctx, tx, userID)
}

// ensureDefaultOrgTx makes orgID userID's default organization, adding the
// membership first when the user is not in it (setting organization_id on
// a user, and domain-based joining, work so).
func ensureDefaultOrgTx(ctx context.Context, tx *store.Tx, userID, orgID int64) error {
	member, err := IsOrgMemberTx(ctx, tx, userID, orgID)
	if err != nil {
		return err
	}
	if !member {
		_, err := joinOrgTx(ctx, tx, userID, orgID, true)
		return err
	}
	return setDefaultOrgTx(ctx, tx, userID, orgID)
}

// setDefaultOrgTx marks userID's membership of orgID as the default (the
// others not) and mirrors it in users.organization_id.
func setDefaultOrgTx(ctx context.Context, tx *store.Tx, userID, orgID int64) error {
	now := store.Now()
	if _, err := tx.Exec(ctx, `UPDATE organization_memberships SET is_default = ?, updated_at = ?
		WHERE user_id = ? AND is_default = ? AND organization_id <> ?`, false, now, userID, true, orgID); err != nil {
		return err
	}
	res, err := tx.Exec(ctx, `UPDATE organization_memberships SET is_default = ?, updated_at = ?
		WHERE user_id = ? AND organization_id = ? AND is_default = ?`, true, now, userID, orgID, false)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n > 0 {
		if err := auditOrgMembershipTx(ctx, tx, AuditOrgMemberDefault, orgID, userID, 0); err != nil {
			return err
		}
	}
	_, err = tx.Exec(ctx, `UPDATE users SET organization_id = ?, updated_at = ? WHERE id = ? AND
		(organization_id IS NULL OR organization_id <> ?)`, orgID, now, userID, orgID)
	return err
}

// promoteDefaultOrgTx gives userID a default membership when they have
// none: the oldest one (Zendesk's rule), or no organization at all.
func promoteDefaultOrgTx(ctx context.Context, tx *store.Tx, userID int64) error {
	has, err := exists(ctx, tx, `SELECT COUNT(*) FROM organization_memberships WHERE user_id = ? AND is_default = ?`, userID, true)
	if err != nil || has {
		return err
	}
	var orgID int64
	err = tx.QueryRow(ctx, `SELECT organization_id FROM organization_memberships WHERE user_id = ? ORDER BY id LIMIT 1`, userID).Scan(&orgID)
	if isNoRows(err) {
		_, err = tx.Exec(ctx, `UPDATE users SET organization_id = NULL, updated_at = ? WHERE id = ? AND organization_id IS NOT NULL`,
			store.Now(), userID)
		return err
	}
	if err != nil {
		return err
	}
	return setDefaultOrgTx(ctx, tx, userID, orgID)
}

// leaveOrgTx deletes membership id (userID in orgID, audited); when it was
// the default another membership takes its place.
func leaveOrgTx(ctx context.Context, tx *store.Tx, id, userID, orgID int64, wasDefault bool) error {
	if _, err := tx.Exec(ctx, `DELETE FROM organization_memberships WHERE id = ?`, id); err != nil {
		return err
	}
	if err := auditOrgMembershipTx(ctx, tx, AuditOrgMemberRemoved, orgID, userID, id); err != nil {
		return err
	}
	if !wasDefault {
		return nil
	}
	return promoteDefaultOrgTx(ctx, tx, userID)
}

// syncUserOrgTx applies a change of a user's organization_id (users
// create/update): a new organization is joined and made the default; null
// ends the default membership, and another one, if any, takes its place.
func syncUserOrgTx(ctx context.Context, tx *store.Tx, userID, before, after int64) error {
	if after != 0 {
		return ensureDefaultOrgTx(ctx, tx, userID, after)
	}
	var id int64
	err := tx.QueryRow(ctx, `SELECT id FROM organization_memberships WHERE user_id = ? AND organization_id = ?`, userID, before).Scan(&id)
	if isNoRows(err) {
		return promoteDefaultOrgTx(ctx, tx, userID)
	}
	if err != nil {
		return err
	}
	return leaveOrgTx(ctx, tx, id, userID, before, true)
}

// removeOrgMembershipsTx ends every membership of organization orgID (the
// organization is being deleted); members for whom it was the default get
// another default.
func removeOrgMembershipsTx(ctx context.Context, tx *store.Tx, orgID int64) error {
	list, err := queryOrgMemberships(ctx, tx, ` WHERE m.organization_id = ? ORDER BY m.id`, orgID)
	if err != nil {
		return err
	}
	for _, m := range list {
		if err := leaveOrgTx(ctx, tx, m.ID, m.UserID, orgID, m.Default); err != nil {
			return err
		}
	}
	return nil
}

// auditOrgMembershipTx records a membership change (membershipID 0: look
// it up; it must exist).
func auditOrgMembershipTx(ctx context.Context, tx *store.Tx, action string, orgID, userID, membershipID int64) error {
	if membershipID == 0 {
		if err := tx.QueryRow(ctx, `SELECT id FROM organization_memberships WHERE user_id = ? AND organization_id = ?`,
			userID, orgID).Scan(&membershipID); err != nil {
			return err
		}
	}
	return audit.RecordTx(ctx, tx, audit.Entry{Action: action, TargetType: "organization", TargetID: orgID,
		Data: map[string]any{"user_id": userID, "membership_id": membershipID}})
}

func wrapMembershipErr(err error, op string) error {
	if err == nil {
		return nil
	}
	if _, ok := err.(*desk.Error); ok {
		return err
	}
	return fmt.Errorf("people: organization membership %s: %w", op, err)
}
