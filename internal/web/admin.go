package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/frontdesk/frontdesk/internal/account"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

const adminPerPage = 50

func (s *Server) adminPage(r *http.Request, titleKey, nav string) *page {
	pg := s.newPage(r, "admin", "")
	pg.Title = pg.T(titleKey)
	pg.Nav = nav
	return pg
}

// adminForm re-shows a form after a validation error.
func (s *Server) adminForm(w http.ResponseWriter, r *http.Request, err error, show func(status int, msg string, fe map[string][]string) error) error {
	rc := rcFrom(r)
	if formError(err) {
		return show(http.StatusUnprocessableEntity, rc.T("errors.validation")+" "+errorText(err), fieldErrors(err))
	}
	return err
}

func (s *Server) adminHome(w http.ResponseWriter, r *http.Request) error {
	return redirect(w, r, "/agent/admin/users")
}

// Users.

type adminUsersData struct {
	Users []*desk.User
	Pager pager
	Roles []desk.Role
}

var allRoles = []desk.Role{desk.RoleEndUser, desk.RoleAgent, desk.RoleAdmin}

func (s *Server) adminUsers(w http.ResponseWriter, r *http.Request) error {
	return s.showAdminUsers(w, r, http.StatusOK, "", nil)
}

func (s *Server) showAdminUsers(w http.ResponseWriter, r *http.Request, status int, msg string, fe map[string][]string) error {
	ctx := r.Context()
	pg := s.adminPage(r, "admin.users", "users")
	pg.Error, pg.FieldErrors = msg, fe
	for _, k := range []string{"name", "email", "role"} {
		pg.Form.Set(k, r.PostFormValue(k))
	}
	n, err := s.d.People.CountUsers(ctx, people.UserFilter{})
	if err != nil {
		return err
	}
	d := adminUsersData{Pager: newPager(r, n, adminPerPage), Roles: allRoles}
	if d.Users, err = s.d.People.ListUsers(ctx, people.UserFilter{Limit: adminPerPage, Offset: (d.Pager.Page - 1) * adminPerPage}); err != nil {
		return err
	}
	pg.Data = d
	return s.render(w, status, "admin_users", pg)
}

func (s *Server) adminCreateUser(w http.ResponseWriter, r *http.Request) error {
	f := r.PostForm
	name, email := strings.TrimSpace(f.Get("name")), strings.TrimSpace(f.Get("email"))
	role := desk.Role(f.Get("role"))
	in := people.UserInput{Name: &name, Email: &email, Role: &role}
	if pw := f.Get("password"); pw != "" {
		in.Password = &pw
	}
	u, err := s.d.People.CreateUser(r.Context(), in)
	if err != nil {
		return s.adminForm(w, r, err, func(st int, msg string, fe map[string][]string) error {
			return s.showAdminUsers(w, r, st, msg, fe)
		})
	}
	return redirect(w, r, withMsg("/agent/admin/users/"+strconv.FormatInt(u.ID, 10), "created"))
}

type adminUserData struct {
	U           *desk.User
	Roles       []desk.Role
	CustomRoles []*desk.CustomRole
	Sessions    []account.Session
	Reauth      reauthBox
	Orgs        []*desk.Organization
	Groups      []*desk.Group
	Memberships []membershipView
}

type membershipView struct {
	M     *desk.GroupMembership
	Group string
}

func (s *Server) adminUser(w http.ResponseWriter, r *http.Request) error {
	return s.showAdminUser(w, r, http.StatusOK, "", nil)
}

func (s *Server) showAdminUser(w http.ResponseWriter, r *http.Request, status int, msg string, fe map[string][]string) error {
	ctx := r.Context()
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	u, err := s.d.People.GetUser(ctx, id)
	if err != nil {
		return err
	}
	d := adminUserData{U: u, Roles: allRoles}
	if d.CustomRoles, err = s.d.People.ListCustomRoles(ctx); err != nil {
		return err
	}
	if d.Sessions, err = s.d.Account.Sessions(ctx, id); err != nil {
		return err
	}
	if d.Reauth, err = s.reauthBoxFor(r, "/agent/admin/users/"+strconv.FormatInt(id, 10)); err != nil {
		return err
	}
	if d.Orgs, err = s.d.People.ListOrganizations(ctx, 0, 1000, 0); err != nil {
		return err
	}
	if d.Groups, err = s.d.People.ListGroups(ctx, 0, 1000, 0); err != nil {
		return err
	}
	ms, err := s.d.People.ListMemberships(ctx, id, 0)
	if err != nil {
		return err
	}
	names := map[int64]string{}
	for _, g := range d.Groups {
		names[g.ID] = g.Name
	}
	for _, m := range ms {
		d.Memberships = append(d.Memberships, membershipView{M: m, Group: names[m.GroupID]})
	}
	pg := s.adminPage(r, "admin.users", "users")
	pg.Title = u.Name
	pg.Error, pg.FieldErrors = msg, fe
	pg.Data = d
	return s.render(w, status, "admin_user", pg)
}

func (s *Server) adminUpdateUser(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	u, err := s.d.People.GetUser(ctx, id)
	if err != nil {
		return err
	}
	f := r.PostForm
	var in people.UserInput
	if v := strings.TrimSpace(f.Get("name")); v != "" && v != u.Name {
		in.Name = &v
	}
	if v := strings.TrimSpace(f.Get("email")); v != "" && v != u.Email {
		in.Email = &v
	}
	if v := desk.Role(f.Get("role")); v != "" && v != u.Role {
		in.Role = &v
	}
	if _, ok := f["custom_role_id"]; ok {
		if v := formID(r, "custom_role_id"); v != derefID(u.CustomRoleID) {
			in.CustomRoleID = &v
		}
	}
	if v := f.Get("suspended") == "1"; v != u.Suspended {
		in.Suspended = &v
	}
	if _, ok := f["organization_id"]; ok {
		if v := formID(r, "organization_id"); v != derefID(u.OrganizationID) {
			in.OrganizationID = &v
		}
	}
	if v := f.Get("password"); v != "" {
		in.Password = &v
	}
	// Who may do what, and the credentials that prove who someone is,
	// change only after a recent re-authentication.
	if in.Role != nil || in.CustomRoleID != nil || in.Email != nil || in.Password != nil {
		if ok, err := s.freshOr(r, func(st int, msg string) error { return s.showAdminUser(w, r, st, msg, nil) }); !ok {
			return err
		}
	}
	if _, err := s.d.People.UpdateUser(ctx, id, in); err != nil {
		return s.adminForm(w, r, err, func(st int, msg string, fe map[string][]string) error {
			return s.showAdminUser(w, r, st, msg, fe)
		})
	}
	return redirect(w, r, withMsg("/agent/admin/users/"+strconv.FormatInt(id, 10), "updated"))
}

// Organizations.

type adminOrgsData struct {
	Orgs  []*desk.Organization
	Pager pager
}

func (s *Server) adminOrgs(w http.ResponseWriter, r *http.Request) error {
	return s.showAdminOrgs(w, r, http.StatusOK, "", nil)
}

func (s *Server) showAdminOrgs(w http.ResponseWriter, r *http.Request, status int, msg string, fe map[string][]string) error {
	ctx := r.Context()
	pg := s.adminPage(r, "admin.organizations", "organizations")
	pg.Error, pg.FieldErrors = msg, fe
	for _, k := range []string{"name", "domains"} {
		pg.Form.Set(k, r.PostFormValue(k))
	}
	n, err := s.d.People.CountOrganizations(ctx)
	if err != nil {
		return err
	}
	d := adminOrgsData{Pager: newPager(r, n, adminPerPage)}
	if d.Orgs, err = s.d.People.ListOrganizations(ctx, 0, adminPerPage, (d.Pager.Page-1)*adminPerPage); err != nil {
		return err
	}
	pg.Data = d
	return s.render(w, status, "admin_orgs", pg)
}

func orgInput(r *http.Request) people.OrganizationInput {
	f := r.PostForm
	name := strings.TrimSpace(f.Get("name"))
	domains := strings.FieldsFunc(f.Get("domains"), func(c rune) bool { return c == ',' || c == ' ' || c == '\n' || c == '\r' })
	shared := f.Get("shared_tickets") == "1"
	sharedC := f.Get("shared_comments") == "1"
	return people.OrganizationInput{Name: &name, DomainNames: &domains, SharedTickets: &shared, SharedComments: &sharedC}
}

func (s *Server) adminCreateOrg(w http.ResponseWriter, r *http.Request) error {
	o, err := s.d.People.CreateOrganization(r.Context(), orgInput(r))
	if err != nil {
		return s.adminForm(w, r, err, func(st int, msg string, fe map[string][]string) error {
			return s.showAdminOrgs(w, r, st, msg, fe)
		})
	}
	return redirect(w, r, withMsg("/agent/admin/organizations/"+strconv.FormatInt(o.ID, 10), "created"))
}

func (s *Server) adminOrg(w http.ResponseWriter, r *http.Request) error {
	return s.showAdminOrg(w, r, http.StatusOK, "", nil)
}

func (s *Server) showAdminOrg(w http.ResponseWriter, r *http.Request, status int, msg string, fe map[string][]string) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	o, err := s.d.People.GetOrganization(r.Context(), id)
	if err != nil {
		return err
	}
	pg := s.adminPage(r, "admin.organizations", "organizations")
	pg.Title = o.Name
	pg.Error, pg.FieldErrors = msg, fe
	pg.Data = o
	return s.render(w, status, "admin_org", pg)
}

func (s *Server) adminUpdateOrg(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.d.People.UpdateOrganization(r.Context(), id, orgInput(r)); err != nil {
		return s.adminForm(w, r, err, func(st int, msg string, fe map[string][]string) error {
			return s.showAdminOrg(w, r, st, msg, fe)
		})
	}
	return redirect(w, r, withMsg("/agent/admin/organizations/"+strconv.FormatInt(id, 10), "updated"))
}

// Groups and memberships.

type groupView struct {
	G       *desk.Group
	Members []memberView
}

type memberView struct {
	MembershipID int64
	Name         string
	UserID       int64
}

type adminGroupsData struct {
	Groups []groupView
	Agents []*desk.User
}

func (s *Server) adminGroups(w http.ResponseWriter, r *http.Request) error {
	return s.showAdminGroups(w, r, http.StatusOK, "", nil)
}

func (s *Server) showAdminGroups(w http.ResponseWriter, r *http.Request, status int, msg string, fe map[string][]string) error {
	ctx := r.Context()
	pg := s.adminPage(r, "admin.groups", "groups")
	pg.Error, pg.FieldErrors = msg, fe
	pg.Form.Set("name", r.PostFormValue("name"))
	groups, err := s.d.People.ListGroups(ctx, 0, 1000, 0)
	if err != nil {
		return err
	}
	var d adminGroupsData
	if d.Agents, err = s.agents(ctx); err != nil {
		return err
	}
	names := map[int64]string{}
	for _, a := range d.Agents {
		names[a.ID] = a.Name
	}
	ms, err := s.d.People.ListMemberships(ctx, 0, 0)
	if err != nil {
		return err
	}
	for _, g := range groups {
		gv := groupView{G: g}
		for _, m := range ms {
			if m.GroupID == g.ID {
				gv.Members = append(gv.Members, memberView{MembershipID: m.ID, Name: names[m.UserID], UserID: m.UserID})
			}
		}
		d.Groups = append(d.Groups, gv)
	}
	pg.Data = d
	return s.render(w, status, "admin_groups", pg)
}

func (s *Server) adminCreateGroup(w http.ResponseWriter, r *http.Request) error {
	name := strings.TrimSpace(r.PostFormValue("name"))
	desc := r.PostFormValue("description")
	if _, err := s.d.People.CreateGroup(r.Context(), people.GroupInput{Name: &name, Description: &desc}); err != nil {
		return s.adminForm(w, r, err, func(st int, msg string, fe map[string][]string) error {
			return s.showAdminGroups(w, r, st, msg, fe)
		})
	}
	return redirect(w, r, withMsg("/agent/admin/groups", "created"))
}

func (s *Server) adminAddMember(w http.ResponseWriter, r *http.Request) error {
	gid, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.d.People.AddMembership(r.Context(), formID(r, "user_id"), gid, false); err != nil {
		return s.adminForm(w, r, err, func(st int, msg string, fe map[string][]string) error {
			return s.showAdminGroups(w, r, st, msg, fe)
		})
	}
	return redirect(w, r, withMsg("/agent/admin/groups", "updated"))
}

func (s *Server) adminRemoveMember(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.d.People.RemoveMembership(r.Context(), id); err != nil {
		return err
	}
	return redirect(w, r, withMsg("/agent/admin/groups", "updated"))
}

// Ticket fields.

type adminFieldsData struct {
	Fields []*desk.TicketField
	Types  []string
}

func (s *Server) adminFields(w http.ResponseWriter, r *http.Request) error {
	return s.showAdminFields(w, r, http.StatusOK, "", nil)
}

func (s *Server) showAdminFields(w http.ResponseWriter, r *http.Request, status int, msg string, fe map[string][]string) error {
	fields, err := s.d.Tickets.Fields(r.Context())
	if err != nil {
		return err
	}
	pg := s.adminPage(r, "admin.ticket_fields", "fields")
	pg.Error, pg.FieldErrors = msg, fe
	for _, k := range []string{"title", "type", "options"} {
		pg.Form.Set(k, r.PostFormValue(k))
	}
	pg.Data = adminFieldsData{Fields: fields, Types: ticket.FieldTypes}
	return s.render(w, status, "admin_fields", pg)
}

// adminSaveField creates a field (POST /fields) or updates one's title,
// description and active flag (POST /fields/{id}).
func (s *Server) adminSaveField(w http.ResponseWriter, r *http.Request) error {
	f := r.PostForm
	var id int64
	if r.PathValue("id") != "" {
		var err error
		if id, err = pathID(r, "id"); err != nil {
			return err
		}
	}
	title := strings.TrimSpace(f.Get("title"))
	desc := f.Get("description")
	active := id == 0 || f.Get("active") == "1" // new fields start active
	in := ticket.FieldInput{Title: &title, Description: &desc, Active: &active}
	if id == 0 {
		typ := f.Get("type")
		in.Type = &typ
		visible := f.Get("visible_in_portal") == "1"
		in.VisibleInPortal = &visible
		if typ == "tagger" || typ == "multiselect" {
			var opts []desk.FieldOption
			for _, line := range strings.Split(f.Get("options"), "\n") {
				name := strings.TrimSpace(line)
				if name == "" {
					continue
				}
				opts = append(opts, desk.FieldOption{Name: name, Value: optionValue(name)})
			}
			in.CustomFieldOptions = &opts
		}
	}
	if _, err := s.d.Tickets.SaveField(r.Context(), id, in); err != nil {
		return s.adminForm(w, r, err, func(st int, msg string, fe map[string][]string) error {
			return s.showAdminFields(w, r, st, msg, fe)
		})
	}
	return redirect(w, r, withMsg("/agent/admin/fields", "updated"))
}

// optionValue makes a dropdown option's tag from its name.
func optionValue(name string) string {
	var b strings.Builder
	for _, c := range strings.ToLower(name) {
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
			b.WriteRune(c)
		case c > 127:
			b.WriteRune(c)
		default:
			b.WriteByte('_')
		}
	}
	return strings.Trim(b.String(), "_")
}

// General settings.

type adminSettingsData struct {
	Settings Settings
	Zones    []string
}

var commonZones = []string{"UTC", "Europe/Warsaw", "Europe/London", "Europe/Berlin", "Europe/Paris", "America/New_York",
	"America/Chicago", "America/Denver", "America/Los_Angeles", "America/Sao_Paulo", "Asia/Tokyo", "Asia/Kolkata",
	"Asia/Shanghai", "Australia/Sydney"}

func (s *Server) adminSettings(w http.ResponseWriter, r *http.Request) error {
	return s.showAdminSettings(w, r, http.StatusOK, "", nil, s.currentSettings(r.Context()))
}

func (s *Server) showAdminSettings(w http.ResponseWriter, r *http.Request, status int, msg string, fe map[string][]string, set Settings) error {
	pg := s.adminPage(r, "admin.settings", "settings")
	pg.Error, pg.FieldErrors = msg, fe
	zones := commonZones
	if !contains(zones, set.DefaultTimeZone) && set.DefaultTimeZone != "" {
		zones = append([]string{set.DefaultTimeZone}, zones...)
	}
	pg.Data = adminSettingsData{Settings: set, Zones: zones}
	return s.render(w, status, "admin_settings", pg)
}

func (s *Server) adminSaveSettings(w http.ResponseWriter, r *http.Request) error {
	set := Settings{
		HelpdeskName:    r.PostFormValue("helpdesk_name"),
		DefaultLocale:   r.PostFormValue("default_locale"),
		DefaultTimeZone: strings.TrimSpace(r.PostFormValue("default_time_zone")),
		AssignOnSolve:   r.PostFormValue("assign_on_solve") == "1",
		RedactCards:     r.PostFormValue("redact_cards") == "1",
		ShareableLinks:  r.PostFormValue("shareable_links") == "1",
	}
	if err := s.saveSettings(r.Context(), set); err != nil {
		return s.adminForm(w, r, err, func(st int, msg string, fe map[string][]string) error {
			return s.showAdminSettings(w, r, st, msg, fe, set)
		})
	}
	return redirect(w, r, withMsg("/agent/admin/settings", "settings"))
}

// Outbox.

func (s *Server) adminOutbox(w http.ResponseWriter, r *http.Request) error {
	msgs, err := s.d.Outbox.List(r.Context(), 200)
	if err != nil {
		return err
	}
	pg := s.adminPage(r, "admin.outbox", "outbox")
	pg.Data = msgs
	return s.render(w, http.StatusOK, "admin_outbox", pg)
}
