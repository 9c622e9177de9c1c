package people

import (
	"context"
	"database/sql"
	"strings"

	"github.com/frontdesk/frontdesk/internal/auth"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/events"
	"github.com/frontdesk/frontdesk/internal/password"
	"github.com/frontdesk/frontdesk/internal/store"
)

// UserInput is the writable part of a user; nil pointers mean "leave as is" on update.
type UserInput struct {
	Name           *string
	Email          *string
	Role           *desk.Role
	Phone          *string
	Locale         *string
	TimeZone       *string
	OrganizationID *int64 // a pointer to 0 clears it
	DefaultGroupID *int64 // a pointer to 0 clears it; only agents and admins have one
	Tags           *[]string
	// AdditionalTags and RemoveTags edit the current tags (after Tags,
	// when both are given), as Zendesk's PUT and DELETE /users/{id}/tags.
	AdditionalTags []string
	RemoveTags     []string
	Notes          *string
	Details        *string
	ExternalID     *string // a pointer to "" clears it
	Suspended      *bool
	Verified       *bool
	// CustomRoleID gives an agent a custom role (a pointer to 0 clears it:
	// the built-in agent permissions). Admins only; only agents have one.
	CustomRoleID *int64
	Password     *string // optional; must meet the role's password policy; hashed with auth.HashPassword, never stored otherwise
	// UserFields sets custom user field values by key (null clears one);
	// keys not given keep their values.
	UserFields map[string]any
}

// UserFilter selects users for ListUsers and CountUsers. AfterID is a
// cursor: ids above it (below it when Desc).
type UserFilter struct {
	Roles []desk.Role
	// CustomRoleID keeps agents with this custom role (Zendesk's
	// ?permission_set=).
	CustomRoleID int64
	// ExternalID keeps the user with exactly this external_id.
	ExternalID string
	// Deleted lists deleted users instead of active ones (Zendesk's
	// deleted_users, permanently deleted ones included).
	Deleted        bool
	OrganizationID int64
	GroupID        int64
	AfterID        int64
	Limit          int
	Offset         int
	Desc           bool
}

// MinPasswordLength is the shortest password any policy accepts; the
// policy of the user's role (package password) decides the actual minimum.
const MinPasswordLength = password.MinCustomLength

// userCols is the column list of every user read (alias u). On PostgreSQL
// a subquery run for every row costs several microseconds a row when its
// table is tiny or empty, as custom_roles and user_totp usually are (a
// sequential scan, with a system call to size the table, each time): the
// two made up two thirds of a sideload of 25 users (BENCHMARKS.md, "P12:
// statements of a page"). So the custom role's type is read only for a
// user who has one, and the per-user 2FA check only when someone has 2FA
// on (checked once per statement); with some enrolled, PostgreSQL hashes
// a small user_totp once, or probes a large one's key per user.
const userCols = `u.id, u.name, u.email, u.role, u.organization_id, u.default_group_id, u.phone, u.locale,
	u.time_zone, u.tags, u.notes, u.details, u.external_id, u.active, u.suspended, u.verified,
	u.last_login_at, u.created_at, u.updated_at, u.custom_role_id,
	CASE WHEN u.custom_role_id IS NOT NULL THEN (SELECT cr.role_type FROM custom_roles cr WHERE cr.id = u.custom_role_id) END,
	EXISTS (SELECT 1 FROM settings os WHERE os.key = '` + desk.SettingOwner + `' AND os.value = CAST(u.id AS TEXT)),
	u.user_fields,
	CASE WHEN EXISTS (SELECT 1 FROM user_totp WHERE enabled) THEN EXISTS (SELECT 1 FROM user_totp tf WHERE tf.user_id = u.id AND tf.enabled) ELSE false END,
	u.purged_at`

type scanner interface{ Scan(dest ...any) error }

func scanUser(sc scanner) (*desk.User, error) {
	var (
		u                          desk.User
		email, ext                 sql.NullString
		org, grp                   sql.NullInt64
		customRole, roleType       sql.NullInt64
		role, tags, fields         string
		lastLogin, created, update int64
		purged                     int64
	)
	if err := sc.Scan(&u.ID, &u.Name, &email, &role, &org, &grp, &u.Phone, &u.Locale, &u.TimeZone, &tags,
		&u.Notes, &u.Details, &ext, &u.Active, &u.Suspended, &u.Verified, &lastLogin, &created, &update,
		&customRole, &roleType, &u.IsOwner, &fields, &u.TwoFactor, &purged); err != nil {
		return nil, err
	}
	u.Email = email.String
	u.Role = desk.Role(role)
	u.OrganizationID = int64Ptr(org)
	u.DefaultGroupID = int64Ptr(grp)
	u.Tags = splitTags(tags)
	u.ExternalID = strPtr(ext)
	u.UserFields = decodeFieldValues(fields)
	u.LastLoginAt = desk.NullTimeFromMicros(lastLogin)
	u.CreatedAt = desk.TimeFromMicros(created)
	u.UpdatedAt = desk.TimeFromMicros(update)
	u.Purged = purged > 0
	if u.Role == desk.RoleEndUser {
		r := "requested"
		u.Restriction = &r
	}
	// Zendesk's role_type: 4 for admins, the custom role's type for agents
	// with one (0 custom, 1 light agent), null for other agents and
	// end-users.
	switch {
	case u.Role == desk.RoleAdmin:
		rt := desk.RoleTypeAdmin
		u.RoleType = &rt
	case u.Role == desk.RoleAgent && customRole.Valid:
		u.CustomRoleID = int64Ptr(customRole)
		rt := int(roleType.Int64)
		u.RoleType = &rt
		u.OnlyPrivate = rt == desk.RoleTypeLightAgent
	}
	return &u, nil
}

func queryUsers(ctx context.Context, q store.Querier, query string, args ...any) ([]*desk.User, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*desk.User{}
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// loadUser reads one user with no visibility check.
func loadUser(ctx context.Context, q store.Querier, id int64) (*desk.User, error) {
	u, err := scanUser(q.QueryRow(ctx, `SELECT `+userCols+` FROM users u WHERE u.id = ?`, id))
	if isNoRows(err) {
		return nil, desk.NotFound()
	}
	return u, err
}

// userVisibility returns a condition on users u limiting them to what p may
// see: staff see everyone; end-users see themselves and the other members
// of each organization of theirs that shares tickets.
func userVisibility(p *desk.Principal) (string, []any) {
	if p.IsStaff() {
		// Staff whose role does not grant view_end_users see staff and
		// themselves only.
		if !p.Can().ViewEndUsers {
			return ` AND (u.role <> ? OR u.id = ?)`, []any{string(desk.RoleEndUser), p.UserID}
		}
		return "", nil
	}
	return ` AND (u.id = ? OR u.id IN (SELECT fm.user_id FROM organization_memberships fm
		JOIN organization_memberships me ON me.organization_id = fm.organization_id
		JOIN organizations o ON o.id = me.organization_id WHERE me.user_id = ? AND o.shared_tickets = ?))`,
		[]any{p.UserID, p.UserID, true}
}

// visibleUser loads user id if p may see it, else NotFound.
func visibleUser(ctx context.Context, q store.Querier, p *desk.Principal, id int64) (*desk.User, error) {
	cond, args := userVisibility(p)
	u, err := scanUser(q.QueryRow(ctx, `SELECT `+userCols+` FROM users u WHERE u.id = ?`+cond, append([]any{id}, args...)...))
	if isNoRows(err) {
		return nil, desk.NotFound()
	}
	return u, err
}

// userState is a user's writable columns, before or after applying input.
type userState struct {
	Name, Email, Phone, Locale, TimeZone, Notes, Details, ExternalID string
	Role                                                             desk.Role
	OrgID, GroupID, CustomRoleID                                     int64
	Tags                                                             string
	Suspended, Verified                                              bool
	Fields                                                           string // custom field values, JSON
}

func stateOf(u *desk.User) userState {
	return userState{
		Name: u.Name, Email: u.Email, Phone: u.Phone, Locale: u.Locale, TimeZone: u.TimeZone,
		Notes: u.Notes, Details: u.Details, ExternalID: derefStr(u.ExternalID), Role: u.Role,
		OrgID: derefInt(u.OrganizationID), GroupID: derefInt(u.DefaultGroupID), CustomRoleID: derefInt(u.CustomRoleID),
		Tags: strings.Join(u.Tags, " "), Suspended: u.Suspended, Verified: u.Verified,
		Fields: encodeFieldValues(u.UserFields),
	}
}

// apply validates in and applies it to st.
func (st *userState) apply(in UserInput, v *desk.Validation) {
	if in.Name != nil {
		st.Name = checkName(v, "name", *in.Name)
	}
	if in.Email != nil {
		if e := strings.TrimSpace(*in.Email); e == "" {
			st.Email = ""
		} else if n, err := NormalizeEmail(e); err != nil {
			v.Add("email", "is not a valid email address")
		} else {
			st.Email = n
		}
	}
	if in.Role != nil {
		if !in.Role.Valid() {
			v.Add("role", "is not a valid role")
		} else {
			st.Role = *in.Role
		}
	}
	if in.Phone != nil {
		st.Phone = checkShort(v, "phone", *in.Phone)
	}
	if in.Locale != nil {
		st.Locale = checkLocale(v, *in.Locale)
	}
	if in.TimeZone != nil {
		st.TimeZone = checkTimeZone(v, *in.TimeZone)
	}
	if in.OrganizationID != nil {
		if *in.OrganizationID < 0 {
			v.Add("organization_id", "does not exist")
		} else {
			st.OrgID = *in.OrganizationID
		}
	}
	if in.DefaultGroupID != nil {
		if *in.DefaultGroupID < 0 {
			v.Add("default_group_id", "does not exist")
		} else {
			st.GroupID = *in.DefaultGroupID
		}
	}
	if in.Tags != nil {
		st.Tags = strings.Join(normalizeTags(v, "tags", *in.Tags), " ")
	}
	if in.AdditionalTags != nil || in.RemoveTags != nil {
		st.Tags = editTags(v, st.Tags, in.AdditionalTags, in.RemoveTags)
	}
	if in.Notes != nil {
		st.Notes = checkText(v, "notes", *in.Notes)
	}
	if in.Details != nil {
		st.Details = checkText(v, "details", *in.Details)
	}
	if in.ExternalID != nil {
		st.ExternalID = checkShort(v, "external_id", *in.ExternalID)
	}
	if in.Suspended != nil {
		st.Suspended = *in.Suspended
	}
	if in.Verified != nil {
		st.Verified = *in.Verified
	}
	if in.CustomRoleID != nil {
		if *in.CustomRoleID < 0 {
			v.Add("custom_role_id", "does not exist")
		} else {
			st.CustomRoleID = *in.CustomRoleID
		}
	}
	// Custom roles are for agents; admins hold every permission and
	// end-users none, so a role change away from agent drops the role.
	if st.Role != desk.RoleAgent {
		if in.CustomRoleID != nil && *in.CustomRoleID != 0 {
			v.Add("custom_role_id", "can only be set for agents")
		}
		st.CustomRoleID = 0
	}
	// Passwords are checked against the policy (checkNewPassword), which
	// needs the database.
	// Only staff belong to groups; demoting someone drops their default group.
	if st.Role == desk.RoleEndUser && in.DefaultGroupID != nil && *in.DefaultGroupID != 0 {
		v.Add("default_group_id", "can only be set for agents")
	}
	if st.Role == desk.RoleEndUser {
		st.GroupID = 0
	}
}

// changes lists the fields that differ between a and b.
func changes(a, b userState, in UserInput) map[string]bool {
	c := map[string]bool{}
	set := func(name string, differ bool) {
		if differ {
			c[name] = true
		}
	}
	set("name", a.Name != b.Name)
	set("email", a.Email != b.Email)
	set("role", a.Role != b.Role)
	set("phone", a.Phone != b.Phone)
	set("locale", a.Locale != b.Locale)
	set("time_zone", a.TimeZone != b.TimeZone)
	set("organization_id", a.OrgID != b.OrgID)
	set("default_group_id", a.GroupID != b.GroupID)
	set("tags", a.Tags != b.Tags)
	set("notes", a.Notes != b.Notes)
	set("details", a.Details != b.Details)
	set("external_id", a.ExternalID != b.ExternalID)
	set("suspended", a.Suspended != b.Suspended)
	set("verified", a.Verified != b.Verified)
	set("custom_role_id", a.CustomRoleID != b.CustomRoleID)
	set("password", in.Password != nil)
	set("user_fields", a.Fields != b.Fields)
	return c
}

// selfEditable are the fields anyone may change on their own profile.
var selfEditable = map[string]bool{"name": true, "locale": true, "time_zone": true, "phone": true}

// checkRefs verifies the organization and default group a user points at.
func checkRefs(ctx context.Context, q store.Querier, before, after userState) error {
	var v desk.Validation
	if after.OrgID != 0 && after.OrgID != before.OrgID {
		ok, err := exists(ctx, q, `SELECT COUNT(*) FROM organizations WHERE id = ?`, after.OrgID)
		if err != nil {
			return err
		}
		if !ok {
			v.Add("organization_id", "does not exist")
		}
	}
	if after.CustomRoleID != 0 && after.CustomRoleID != before.CustomRoleID {
		ok, err := exists(ctx, q, `SELECT COUNT(*) FROM custom_roles WHERE id = ?`, after.CustomRoleID)
		if err != nil {
			return err
		}
		if !ok {
			v.Add("custom_role_id", "does not exist")
		}
	}
	if after.GroupID != 0 && after.GroupID != before.GroupID {
		ok, err := exists(ctx, q, `SELECT COUNT(*) FROM agent_groups WHERE id = ? AND deleted = ?`, after.GroupID, false)
		if err != nil {
			return err
		}
		if !ok {
			v.Add("default_group_id", "does not exist")
		}
	}
	return v.Err()
}

// CreateUser creates a user. Admins may create anyone; agents whose role
// grants edit_end_users may create end-users (without setting a password).
// The first admin created becomes the account owner.
func (s *Service) CreateUser(ctx context.Context, in UserInput) (*desk.User, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	if !p.IsStaff() {
		return nil, desk.Forbidden("You are not allowed to create users")
	}
	if !p.IsAdmin() {
		if in.Role != nil && *in.Role != desk.RoleEndUser {
			return nil, desk.Forbidden("Agents can only create end-users")
		}
		if !p.Can().EditEndUsers {
			return nil, desk.Forbidden("Your role does not allow editing end-users")
		}
		if in.Password != nil {
			return nil, desk.Forbidden("Only admins can set passwords")
		}
		if in.CustomRoleID != nil && *in.CustomRoleID != 0 {
			return nil, desk.Forbidden("Only admins can assign roles")
		}
		if in.Verified != nil && *in.Verified {
			return nil, errVerifiedByAdmins()
		}
	}
	st := userState{Role: desk.RoleEndUser, Locale: "en-US", TimeZone: "UTC"}
	var v desk.Validation
	if in.Name == nil {
		v.Add("name", "can't be blank")
	}
	st.apply(in, &v)
	if err := v.Err(); err != nil {
		return nil, err
	}
	if st.Fields, err = mergeFieldValues(ctx, s.DB, desk.ScopeUser, "{}", in.UserFields); err != nil {
		return nil, err
	}
	if in.Password != nil {
		if err := s.passwords().Check(ctx, s.DB, 0, st.Name, st.Email, *in.Password, st.Role); err != nil {
			return nil, err
		}
	}
	hash, err := hashInput(in)
	if err != nil {
		return nil, err
	}
	var u *desk.User
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		var err error
		u, err = s.createUserTx(ctx, tx, p, st, hash)
		return err
	})
	if err != nil {
		return nil, mapErr(err, "email")
	}
	return u, nil
}

// createUserTx inserts the user st (validated, password hashed) in tx: the
// body of CreateUser, shared with SetupOwner.
func (s *Service) createUserTx(ctx context.Context, tx *store.Tx, p *desk.Principal, st userState, hash string) (*desk.User, error) {
	var u *desk.User
	err := func() error {
		if err := checkRefs(ctx, tx, userState{}, st); err != nil {
			return err
		}
		if err := checkFree(ctx, tx, 0, st); err != nil {
			return err
		}
		if st.GroupID != 0 {
			if _, err := defaultGroupJoinTx(ctx, tx, p, 0, st.GroupID); err != nil {
				return err
			}
		}
		now := store.Now()
		id, err := tx.InsertID(ctx, `INSERT INTO users (name, name_fold, email, role, organization_id, default_group_id, phone, locale,
			time_zone, tags, notes, details, external_id, suspended, verified, password_hash, custom_role_id, user_fields, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			st.Name, nameFold(st.Name), nullStr(st.Email), string(st.Role), nullInt(st.OrgID), nullInt(st.GroupID), st.Phone, st.Locale,
			st.TimeZone, st.Tags, st.Notes, st.Details, nullStr(st.ExternalID), st.Suspended, st.Verified, nullStr(hash),
			nullInt(st.CustomRoleID), encodeFieldValues(decodeFieldValues(st.Fields)), now, now)
		if err != nil {
			return err
		}
		if st.Role == desk.RoleAdmin {
			if err := s.claimOwnership(ctx, tx, id); err != nil {
				return err
			}
		}
		if st.OrgID != 0 {
			if _, err := joinOrgTx(ctx, tx, id, st.OrgID, true); err != nil {
				return err
			}
		}
		if st.Email != "" {
			if _, err := tx.Exec(ctx, `INSERT INTO user_identities (user_id, type, value, is_primary, verified, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?)`, id, "email", st.Email, true, st.Verified, now, now); err != nil {
				return err
			}
		}
		if st.GroupID != 0 {
			if err := setDefaultMembership(ctx, tx, id, st.GroupID); err != nil {
				return err
			}
			if err := auditMembershipTx(ctx, tx, AuditGroupMemberAdded, st.GroupID, id, 0); err != nil {
				return err
			}
		}
		if err := s.recordPasswordTx(ctx, tx, id, hash); err != nil {
			return err
		}
		if err := refreshUserSearch(ctx, tx, id); err != nil {
			return err
		}
		if u, err = loadUser(ctx, tx, id); err != nil {
			return err
		}
		if err := auditUserCreatedTx(ctx, tx, id, st); err != nil {
			return err
		}
		return s.changedTx(ctx, tx, events.Event{Type: events.UserCreated, UserID: id})
	}()
	return u, err
}

func hashInput(in UserInput) (string, error) {
	if in.Password == nil {
		return "", nil
	}
	return auth.HashPassword(*in.Password)
}

// checkFree reports a clean validation error when the email or external id
// in st belongs to a user other than id (the unique constraints would catch
// it too, but only with an aborted transaction and a vaguer message).
func checkFree(ctx context.Context, q store.Querier, id int64, st userState) error {
	var v desk.Validation
	if st.Email != "" {
		owner, _, found, err := ownerOfEmail(ctx, q, st.Email)
		if err != nil {
			return err
		}
		if found && owner != id {
			v.Add("email", "is already being used by another user")
		}
	}
	if st.ExternalID != "" {
		ok, err := exists(ctx, q, `SELECT COUNT(*) FROM users WHERE external_id = ? AND id <> ?`, st.ExternalID, id)
		if err != nil {
			return err
		}
		if ok {
			v.Add("external_id", "has already been taken")
		}
	}
	return v.Err()
}

// UpdateUser changes a user. Admins may change anyone (but not their own
// role or suspension); agents whose role grants edit_end_users may change
// end-users except their role and password; everyone may change their own
// name, locale, time zone and phone. Nobody demotes or suspends the account
// owner, and only the owner changes the owner's email or password. A new
// role or a suspension ends the user's web sessions in the same
// transaction. Fields sent with their current value do not count as
// changes.
func (s *Service) UpdateUser(ctx context.Context, id int64, in UserInput) (*desk.User, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	var v desk.Validation
	var hash string
	if in.Password != nil && !p.System && p.UserID == id {
		// Changing one's own password needs the current one (account's
		// ChangePassword: the web form and PUT /users/{id}/password), so a
		// stolen session or token cannot lock the user out.
		return nil, desk.Forbidden("To change your own password, give the current one (PUT /api/v2/users/{id}/password)")
	}
	if in.Password != nil && p.IsAdmin() {
		// Check and hash outside the transaction: argon2 is slow by design
		// (and the reuse rule runs it once per remembered password).
		if err := s.checkNewPassword(ctx, id, in); err != nil {
			return nil, err
		}
		if hash, err = auth.HashPassword(*in.Password); err != nil {
			return nil, err
		}
	}
	var u *desk.User
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		cur, err := visibleUser(ctx, tx, p, id)
		if err != nil {
			return err
		}
		self := !p.System && p.UserID == cur.ID
		if !p.IsAdmin() && !self && !(p.IsStaff() && cur.Role == desk.RoleEndUser) {
			if p.IsStaff() {
				return desk.Forbidden("Agents can only update end-users")
			}
			return desk.Forbidden("You are not allowed to update this user")
		}
		if !p.IsAdmin() && !self && !p.Can().EditEndUsers {
			return desk.Forbidden("Your role does not allow editing end-users")
		}
		before := stateOf(cur)
		after := before
		after.apply(in, &v)
		if err := v.Err(); err != nil {
			return err
		}
		if after.Fields, err = mergeFieldValues(ctx, tx, desk.ScopeUser, before.Fields, in.UserFields); err != nil {
			return err
		}
		changed := changes(before, after, in)
		if err := protectOwner(p, cur, changed); err != nil {
			return err
		}
		if err := authorizeUserUpdate(p, cur, changed); err != nil {
			return err
		}
		if len(changed) == 0 {
			u = cur
			return nil
		}
		if changed["email"] && after.Email == "" {
			return desk.Invalid("email", "can't be blank")
		}
		if err := checkRefs(ctx, tx, before, after); err != nil {
			return err
		}
		if err := checkFree(ctx, tx, id, after); err != nil {
			return err
		}
		if changed["email"] && in.Verified == nil {
			// A new address is unverified until its owner proves it (or
			// an admin says so in the same request); an address the user
			// already had keeps its own state.
			if after.Verified, err = identityVerified(ctx, tx, id, after.Email); err != nil {
				return err
			}
		}
		if err := s.checkPrimaryEmailChange(ctx, tx, p, cur, changed, after.Email); err != nil {
			return err
		}
		joins := false
		if changed["default_group_id"] && after.GroupID != 0 {
			if joins, err = defaultGroupJoinTx(ctx, tx, p, id, after.GroupID); err != nil {
				return err
			}
		}
		if err := s.writeUser(ctx, tx, id, before, after, hash); err != nil {
			return err
		}
		if joins {
			if err := auditMembershipTx(ctx, tx, AuditGroupMemberAdded, after.GroupID, id, 0); err != nil {
				return err
			}
		}
		if err := s.recordPasswordTx(ctx, tx, id, hash); err != nil {
			return err
		}
		if err := auditUserUpdatedTx(ctx, tx, id, before, after, hash != ""); err != nil {
			return err
		}
		if u, err = loadUser(ctx, tx, id); err != nil {
			return err
		}
		return s.changedTx(ctx, tx, events.Event{Type: events.UserUpdated, UserID: id})
	})
	if err != nil {
		return nil, mapErr(err, "email")
	}
	return u, nil
}

// checkNewPassword checks in.Password against the policy of the role user
// id will have after in, with the name and email they will have. An
// unknown user passes: the update itself then reports NotFound.
func (s *Service) checkNewPassword(ctx context.Context, id int64, in UserInput) error {
	cur, err := loadUser(ctx, s.DB, id)
	if desk.ErrorCode(err) == desk.ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}
	st := stateOf(cur)
	var ignored desk.Validation // reported by the update itself
	st.apply(in, &ignored)
	return s.passwords().Check(ctx, s.DB, id, st.Name, st.Email, *in.Password, st.Role)
}

func authorizeUserUpdate(p *desk.Principal, cur *desk.User, changed map[string]bool) error {
	self := !p.System && p.UserID == cur.ID
	switch {
	case p.IsAdmin():
		if self && (changed["role"] || changed["suspended"] || changed["custom_role_id"]) {
			return desk.Forbidden("You cannot change your own role or suspend yourself")
		}
		return nil
	case self:
		for f := range changed {
			if !selfEditable[f] {
				return desk.Forbidden("You may only change your own name, locale, time zone and phone")
			}
		}
		return nil
	case p.IsStaff():
		if cur.Role != desk.RoleEndUser {
			return desk.Forbidden("Agents can only update end-users")
		}
		if changed["role"] || changed["custom_role_id"] {
			return desk.Forbidden("Agents cannot change roles")
		}
		if changed["password"] {
			return desk.Forbidden("Only admins can set passwords")
		}
		if changed["verified"] {
			return errVerifiedByAdmins()
		}
		return nil
	}
	return desk.Forbidden("You are not allowed to update this user")
}

// writeUser stores after and keeps identities, memberships and the search
// document consistent with it.
func (s *Service) writeUser(ctx context.Context, tx *store.Tx, id int64, before, after userState, hash string) error {
	now := store.Now()
	q := `UPDATE users SET name = ?, name_fold = ?, email = ?, role = ?, organization_id = ?, default_group_id = ?, phone = ?,
		locale = ?, time_zone = ?, tags = ?, notes = ?, details = ?, external_id = ?, suspended = ?, verified = ?,
		custom_role_id = ?, user_fields = ?, updated_at = ?`
	args := []any{after.Name, nameFold(after.Name), nullStr(after.Email), string(after.Role), nullInt(after.OrgID), nullInt(after.GroupID), after.Phone,
		after.Locale, after.TimeZone, after.Tags, after.Notes, after.Details, nullStr(after.ExternalID), after.Suspended, after.Verified,
		nullInt(after.CustomRoleID), after.Fields, now}
	if hash != "" {
		q += `, password_hash = ?`
		args = append(args, hash)
	}
	if _, err := tx.Exec(ctx, q+` WHERE id = ?`, append(args, id)...); err != nil {
		return err
	}
	if after.OrgID != before.OrgID {
		if err := syncUserOrgTx(ctx, tx, id, before.OrgID, after.OrgID); err != nil {
			return err
		}
	}
	// A new role or a suspension takes effect at once: the user's web
	// sessions end (API tokens are re-checked on every request).
	if after.Role != before.Role || after.CustomRoleID != before.CustomRoleID || (after.Suspended && !before.Suspended) {
		if err := s.endSessions(ctx, tx, id); err != nil {
			return err
		}
	}
	if after.Role == desk.RoleAdmin && before.Role != desk.RoleAdmin {
		if err := s.claimOwnership(ctx, tx, id); err != nil {
			return err
		}
	}
	if after.Email != before.Email && after.Email != "" {
		if err := makePrimaryEmail(ctx, tx, id, after.Email, after.Verified, now); err != nil {
			return err
		}
	}
	if after.Verified && !before.Verified && after.Email != "" {
		if _, err := tx.Exec(ctx, `UPDATE user_identities SET verified = ?, updated_at = ? WHERE user_id = ? AND type = ? AND value = ?`,
			true, now, id, "email", after.Email); err != nil {
			return err
		}
	}
	switch {
	case after.Role == desk.RoleEndUser && before.Role != desk.RoleEndUser:
		// Groups and API tokens are for staff only.
		if err := removeMembershipsTx(ctx, tx, id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM api_token_ips WHERE token_id IN (SELECT id FROM api_tokens WHERE user_id = ?)`, id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM api_tokens WHERE user_id = ?`, id); err != nil {
			return err
		}
	case after.GroupID != before.GroupID && after.GroupID != 0:
		if err := setDefaultMembership(ctx, tx, id, after.GroupID); err != nil {
			return err
		}
	case after.GroupID != before.GroupID:
		if _, err := tx.Exec(ctx, `UPDATE group_memberships SET is_default = ?, updated_at = ? WHERE user_id = ? AND is_default = ?`,
			false, now, id, true); err != nil {
			return err
		}
	}
	return refreshUserSearch(ctx, tx, id)
}

// makePrimaryEmail makes email the user's primary email identity, adding
// it when the user does not have it yet; former primaries stay as
// secondary identities.
func makePrimaryEmail(ctx context.Context, tx *store.Tx, id int64, email string, verified bool, now int64) error {
	if _, err := tx.Exec(ctx, `UPDATE user_identities SET is_primary = ?, updated_at = ? WHERE user_id = ? AND type = ? AND is_primary = ?`,
		false, now, id, "email", true); err != nil {
		return err
	}
	res, err := tx.Exec(ctx, `UPDATE user_identities SET is_primary = ?, updated_at = ? WHERE user_id = ? AND type = ? AND value = ?`,
		true, now, id, "email", email)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n > 0 {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO user_identities (user_id, type, value, is_primary, verified, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, id, "email", email, true, verified, now, now)
	return err
}

// setDefaultMembership makes groupID the user's default group, adding the
// membership if needed, and mirrors it in users.default_group_id.
func setDefaultMembership(ctx context.Context, tx *store.Tx, userID, groupID int64) error {
	now := store.Now()
	if _, err := tx.Exec(ctx, `INSERT INTO group_memberships (user_id, group_id, is_default, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (user_id, group_id) DO NOTHING`, userID, groupID, false, now, now); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE group_memberships SET is_default = ?, updated_at = ? WHERE user_id = ? AND is_default = ? AND group_id <> ?`,
		false, now, userID, true, groupID); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE group_memberships SET is_default = ?, updated_at = ? WHERE user_id = ? AND group_id = ? AND is_default = ?`,
		true, now, userID, groupID, false); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `UPDATE users SET default_group_id = ? WHERE id = ?`, groupID, userID)
	return err
}

// refreshUserSearch rebuilds a user's full-text document from the rows.
func refreshUserSearch(ctx context.Context, tx *store.Tx, id int64) error {
	var name, phone, tags, notes, fields string
	if err := tx.QueryRow(ctx, `SELECT name, phone, tags, notes, user_fields FROM users WHERE id = ?`, id).Scan(&name, &phone, &tags, &notes, &fields); err != nil {
		return err
	}
	rows, err := tx.Query(ctx, `SELECT value FROM user_identities WHERE user_id = ? AND type = ? ORDER BY is_primary DESC, id`, id, "email")
	if err != nil {
		return err
	}
	var emails []string
	for rows.Next() {
		var e string
		if err := rows.Scan(&e); err != nil {
			rows.Close()
			return err
		}
		emails = append(emails, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	return tx.SetSearchDoc(ctx, "user_search", id, searchDoc(name, strings.Join(emails, " "), phone, tags, notes, fieldSearchText(fields)))
}

// CreateOrUpdateUser updates the user owning in.Email (any email identity),
// else the one with in.ExternalID, else creates a user.
func (s *Service) CreateOrUpdateUser(ctx context.Context, in UserInput) (*desk.User, bool, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, false, err
	}
	if !p.IsStaff() {
		return nil, false, desk.Forbidden("You are not allowed to create users")
	}
	for attempt := 0; ; attempt++ {
		id, in2, err := s.matchUser(ctx, in)
		if err != nil {
			return nil, false, err
		}
		if id != 0 {
			u, err := s.UpdateUser(ctx, id, in2)
			return u, false, err
		}
		u, err := s.CreateUser(ctx, in)
		if err != nil && attempt == 0 && (isFieldErr(err, "email") || isFieldErr(err, "external_id")) {
			continue // created concurrently: match again
		}
		return u, err == nil, err
	}
}

func isFieldErr(err error, field string) bool {
	e, ok := err.(*desk.Error)
	return ok && e.Code == desk.EINVALID && len(e.Details[field]) > 0
}

// matchUser finds the user CreateOrUpdateUser should update; when it matched
// by email the email is dropped from the input so a secondary address is
// not promoted to primary.
func (s *Service) matchUser(ctx context.Context, in UserInput) (int64, UserInput, error) {
	if in.Email != nil && strings.TrimSpace(*in.Email) != "" {
		e, err := NormalizeEmail(*in.Email)
		if err != nil {
			return 0, in, desk.Invalid("email", "is not a valid email address")
		}
		id, _, found, err := ownerOfEmail(ctx, s.DB, e)
		if err != nil {
			return 0, in, err
		}
		if found {
			in.Email = nil
			return id, in, nil
		}
	}
	if in.ExternalID != nil && strings.TrimSpace(*in.ExternalID) != "" {
		var id int64
		err := s.DB.QueryRow(ctx, `SELECT id FROM users WHERE external_id = ?`, strings.TrimSpace(*in.ExternalID)).Scan(&id)
		if err == nil {
			return id, in, nil
		}
		if !isNoRows(err) {
			return 0, in, err
		}
	}
	return 0, in, nil
}

// GetUser returns a user the principal may see, else NotFound.
func (s *Service) GetUser(ctx context.Context, id int64) (*desk.User, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	return visibleUser(ctx, s.DB, p, id)
}

// GetUsers returns the visible users among ids, in id order (for show_many
// and sideloads). Deleted users are included, marked inactive.
func (s *Service) GetUsers(ctx context.Context, ids []int64) ([]*desk.User, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	ids = uniqueIDs(ids)
	if len(ids) > maxIDs {
		return nil, desk.Errorf(desk.ETOOLARGE, "Too many ids (maximum is %d)", maxIDs)
	}
	if len(ids) == 0 {
		return []*desk.User{}, nil
	}
	cond, vargs := userVisibility(p)
	in, args := store.AnyID(s.DB, ids)
	return queryUsers(ctx, s.DB, `SELECT `+userCols+` FROM users u WHERE u.id`+in+cond+` ORDER BY u.id`, append(args, vargs...)...)
}

// userFilterSQL builds the WHERE clause shared by ListUsers and CountUsers.
func userFilterSQL(p *desk.Principal, f UserFilter) (string, []any, error) {
	cond, vargs := userVisibility(p)
	where := ` WHERE u.active = ?` + cond
	args := append([]any{!f.Deleted}, vargs...)
	if len(f.Roles) > 0 {
		for _, r := range f.Roles {
			if !r.Valid() {
				return "", nil, desk.Invalid("role", "is not a valid role")
			}
			args = append(args, string(r))
		}
		where += ` AND u.role IN (` + store.Placeholders(len(f.Roles)) + `)`
	}
	if f.CustomRoleID != 0 {
		where += ` AND u.custom_role_id = ?`
		args = append(args, f.CustomRoleID)
	}
	if f.ExternalID != "" {
		// Stored external ids are trimmed, valid text of at most maxShort
		// bytes; anything else cannot match (and PostgreSQL cannot compare
		// NUL or invalid UTF-8), so it is refused as invalid.
		ext := strings.TrimSpace(f.ExternalID)
		if ext == "" || !validText(ext) || hasControl(ext) || len(ext) > maxShort {
			return "", nil, desk.Invalid("external_id", "is not a valid external id")
		}
		where += ` AND u.external_id = ?`
		args = append(args, ext)
	}
	if f.OrganizationID != 0 {
		// Every member, not only those for whom it is the default.
		where += ` AND u.id IN (SELECT om.user_id FROM organization_memberships om WHERE om.organization_id = ?)`
		args = append(args, f.OrganizationID)
	}
	if f.GroupID != 0 {
		where += ` AND u.id IN (SELECT gm.user_id FROM group_memberships gm WHERE gm.group_id = ?)`
		args = append(args, f.GroupID)
	}
	return where, args, nil
}

// ListUsers lists active users (staff only), by id.
func (s *Service) ListUsers(ctx context.Context, f UserFilter) ([]*desk.User, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	if !p.IsStaff() {
		return nil, desk.Forbidden("You are not allowed to list users")
	}
	where, args, err := userFilterSQL(p, f)
	if err != nil {
		return nil, err
	}
	order := ` ORDER BY u.id`
	if f.Desc {
		order += ` DESC`
		if f.AfterID > 0 {
			where += ` AND u.id < ?`
			args = append(args, f.AfterID)
		}
	} else if f.AfterID > 0 {
		where += ` AND u.id > ?`
		args = append(args, f.AfterID)
	}
	page, pargs := pageArgs(f.Limit, f.Offset)
	return queryUsers(ctx, s.DB, `SELECT `+userCols+` FROM users u`+where+order+page, append(args, pargs...)...)
}

// CountUsers counts the active users matching f (ignoring paging).
func (s *Service) CountUsers(ctx context.Context, f UserFilter) (int, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return 0, err
	}
	if !p.IsStaff() {
		return 0, desk.Forbidden("You are not allowed to list users")
	}
	where, args, err := userFilterSQL(p, f)
	if err != nil {
		return 0, err
	}
	var n int
	err = s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM users u`+where, args...).Scan(&n)
	return n, err
}

// DeleteUser soft-deletes a user (admin only): the user becomes inactive,
// keeps email and identities (tickets still name them) and loses group
// memberships, API tokens and web sessions. The account owner cannot be
// deleted. Deleting a deleted user returns it unchanged.
func (s *Service) DeleteUser(ctx context.Context, id int64) (*desk.User, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	var u *desk.User
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		cur, err := visibleUser(ctx, tx, p, id)
		if err != nil {
			return err
		}
		if !p.IsAdmin() {
			return desk.Forbidden("You are not allowed to delete users")
		}
		if !p.System && p.UserID == id {
			return desk.Forbidden("You cannot delete yourself")
		}
		if cur.IsOwner {
			return errOwnerProtected()
		}
		if !cur.Active {
			u = cur
			return nil
		}
		if err := s.softDeleteTx(ctx, tx, id); err != nil {
			return err
		}
		if err := auditUserTx(ctx, tx, AuditUserDeleted, id, cur.Name); err != nil {
			return err
		}
		if u, err = loadUser(ctx, tx, id); err != nil {
			return err
		}
		return s.changedTx(ctx, tx, events.Event{Type: events.UserDeleted, UserID: id})
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// softDeleteTx makes user id inactive (a deleted user, listed in
// deleted_users) and ends its group memberships, API tokens and web
// sessions; the caller has authorized it.
func (s *Service) softDeleteTx(ctx context.Context, tx *store.Tx, id int64) error {
	if _, err := tx.Exec(ctx, `UPDATE users SET active = ?, default_group_id = NULL, updated_at = ? WHERE id = ?`, false, store.Now(), id); err != nil {
		return err
	}
	if err := removeMembershipsTx(ctx, tx, id); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM api_token_ips WHERE token_id IN (SELECT id FROM api_tokens WHERE user_id = ?)`, id); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM api_tokens WHERE user_id = ?`, id); err != nil {
		return err
	}
	return s.endSessions(ctx, tx, id)
}
