package web

// Access administration (issue P3): the roles overview and custom roles,
// inactive users, ending a user's sessions, API tokens and session
// lifetimes. Changing who may do what (a user's role or custom role,
// minting a token, signing someone out everywhere) needs a recent
// re-authentication (security.go).

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/frontdesk/frontdesk/internal/account"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
)

// registerAccess mounts the pages of this file.
func (s *Server) registerAccess(h func(string, access, handlerFunc)) {
	h("GET /agent/admin/roles", admin, s.adminRoles)
	h("POST /agent/admin/roles", admin, s.adminSaveRole)
	h("POST /agent/admin/roles/{id}", admin, s.adminSaveRole)
	h("POST /agent/admin/roles/{id}/delete", admin, s.adminDeleteRole)
	h("GET /agent/admin/inactive", admin, s.adminInactive)
	h("POST /agent/admin/inactive/suspend", admin, s.adminSuspendInactive)
	h("POST /agent/admin/users/{id}/signout-all", admin, s.adminSignOutUser)
	if s.securityOn() {
		h("POST /agent/admin/security/sessions", admin, s.adminSaveSessionLimits)
		h("GET /agent/security/tokens", staff, s.tokensPage)
		h("POST /agent/security/tokens", staff, s.createToken)
		h("POST /agent/security/tokens/{id}/revoke", staff, s.revokeToken)
	}
}

// Re-authentication inside other pages.

// reauthBox drives the "reauth_box" template: when the session is not
// fresh, a form that re-authenticates and comes back to Return.
type reauthBox struct {
	Fresh  bool
	TwoFA  bool
	Action string
	Return string
}

func (s *Server) reauthBoxFor(r *http.Request, ret string) (reauthBox, error) {
	rc := rcFrom(r)
	b := reauthBox{Fresh: s.fresh(rc), Action: "/agent/security/reauth", Return: ret}
	if !s.securityOn() {
		return b, nil
	}
	var err error
	if !b.Fresh {
		b.TwoFA, err = s.d.TwoFactor.Enabled(r.Context(), rc.p.UserID)
	}
	return b, err
}

// freshOr lets a sensitive action go on after a recent re-authentication;
// otherwise it re-shows the page (403) with the re-authentication form.
// Without the security services nobody can re-authenticate, so nothing is
// allowed.
func (s *Server) freshOr(r *http.Request, show func(status int, msg string) error) (bool, error) {
	rc := rcFrom(r)
	if s.securityOn() && s.fresh(rc) {
		return true, nil
	}
	return false, show(http.StatusForbidden, rc.T("web.reauth_needed"))
}

// Roles overview and custom roles.

type roleHolders struct {
	Name  string
	Role  *desk.CustomRole // nil: agents without a custom role
	Users []*desk.User
}

type permBox struct {
	Name    string
	Checked bool
}

type roleForm struct {
	ID           int64
	Name         string
	Description  string
	TicketAccess string
	Perms        []permBox
}

type adminRolesData struct {
	Owner      *desk.User
	Admins     []*desk.User
	ManyAdmins bool
	Agents     []roleHolders
	AgentCount int
	Roles      []*desk.CustomRole
	Form       roleForm
	Accesses   []string
}

// MaxAdminsBeforeWarning is how many admins the roles page accepts before it
// warns that there are too many.
const MaxAdminsBeforeWarning = 3

// boolPermissions are the JSON names of the on/off permissions, sorted.
var boolPermissions = func() []string {
	var m map[string]any
	_ = json.Unmarshal([]byte(desk.AllPermissions().String()), &m)
	var out []string
	for k, v := range m {
		if _, ok := v.(bool); ok {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}()

func permMap(p desk.Permissions) map[string]any {
	var m map[string]any
	_ = json.Unmarshal([]byte(p.String()), &m)
	return m
}

func formOf(role *desk.CustomRole) roleForm {
	f := roleForm{TicketAccess: desk.TicketAccessAssigned}
	var m map[string]any
	if role != nil {
		f.ID, f.Name, f.Description, f.TicketAccess = role.ID, role.Name, role.Description, role.Configuration.TicketAccess
		m = permMap(role.Configuration)
	}
	for _, n := range boolPermissions {
		b, _ := m[n].(bool)
		f.Perms = append(f.Perms, permBox{Name: n, Checked: b})
	}
	return f
}

// staffUsers lists every agent and admin.
func (s *Server) staffUsers(ctx context.Context) ([]*desk.User, error) {
	var out []*desk.User
	var after int64
	for range 1000 {
		us, err := s.d.People.ListUsers(ctx, people.UserFilter{Roles: []desk.Role{desk.RoleAgent, desk.RoleAdmin}, AfterID: after, Limit: 100})
		if err != nil {
			return nil, err
		}
		out = append(out, us...)
		if len(us) < 100 {
			break
		}
		after = us[len(us)-1].ID
	}
	return out, nil
}

func (s *Server) adminRoles(w http.ResponseWriter, r *http.Request) error {
	var form *roleForm
	if id := formID(r, "edit"); id > 0 {
		role, err := s.d.People.GetCustomRole(r.Context(), id)
		if err != nil {
			return err
		}
		if role.BuiltIn() {
			return desk.NotFound()
		}
		f := formOf(role)
		form = &f
	}
	return s.showAdminRoles(w, r, http.StatusOK, "", nil, form)
}

func (s *Server) showAdminRoles(w http.ResponseWriter, r *http.Request, status int, msg string, fe map[string][]string, form *roleForm) error {
	ctx := r.Context()
	d := adminRolesData{Accesses: []string{desk.TicketAccessAll, desk.TicketAccessGroups, desk.TicketAccessAssigned}}
	var err error
	if d.Roles, err = s.d.People.ListCustomRoles(ctx); err != nil {
		return err
	}
	if d.Owner, err = s.d.People.Owner(ctx); err != nil && desk.ErrorCode(err) != desk.ENOTFOUND {
		return err
	}
	us, err := s.staffUsers(ctx)
	if err != nil {
		return err
	}
	byRole := map[int64]*roleHolders{}
	plain := &roleHolders{}
	for _, role := range d.Roles {
		byRole[role.ID] = &roleHolders{Name: role.Name, Role: role}
	}
	for _, u := range us {
		if u.Role == desk.RoleAdmin {
			d.Admins = append(d.Admins, u)
			continue
		}
		d.AgentCount++
		if u.CustomRoleID != nil {
			if h := byRole[*u.CustomRoleID]; h != nil {
				h.Users = append(h.Users, u)
				continue
			}
		}
		plain.Users = append(plain.Users, u)
	}
	d.ManyAdmins = len(d.Admins) > MaxAdminsBeforeWarning
	d.Agents = append(d.Agents, *plain)
	for _, role := range d.Roles {
		d.Agents = append(d.Agents, *byRole[role.ID])
	}
	if form != nil {
		d.Form = *form
	} else {
		d.Form = formOf(nil)
	}
	pg := s.adminPage(r, "web.roles_title", "roles")
	pg.Error, pg.FieldErrors = msg, fe
	pg.Data = d
	return s.render(w, status, "admin_roles", pg)
}

func (s *Server) adminSaveRole(w http.ResponseWriter, r *http.Request) error {
	var id int64
	if r.PathValue("id") != "" {
		var err error
		if id, err = pathID(r, "id"); err != nil {
			return err
		}
	}
	f := r.PostForm
	name, desc := strings.TrimSpace(f.Get("name")), f.Get("description")
	access := f.Get("ticket_access")
	cfg := map[string]json.RawMessage{}
	acc, _ := json.Marshal(access)
	cfg["ticket_access"] = acc
	on := map[string]bool{}
	for _, p := range f["perm"] {
		on[p] = true
	}
	form := roleForm{ID: id, Name: name, Description: desc, TicketAccess: access}
	for _, n := range boolPermissions {
		cfg[n] = json.RawMessage(strconv.FormatBool(on[n]))
		form.Perms = append(form.Perms, permBox{Name: n, Checked: on[n]})
	}
	in := people.CustomRoleInput{Name: &name, Description: &desc, Configuration: cfg}
	var err error
	if id == 0 {
		_, err = s.d.People.CreateCustomRole(r.Context(), in)
	} else {
		_, err = s.d.People.UpdateCustomRole(r.Context(), id, in)
	}
	if err != nil {
		return s.adminForm(w, r, err, func(st int, msg string, fe map[string][]string) error {
			return s.showAdminRoles(w, r, st, msg, fe, &form)
		})
	}
	if id == 0 {
		return redirect(w, r, withMsg("/agent/admin/roles", "created"))
	}
	return redirect(w, r, withMsg("/agent/admin/roles", "updated"))
}

func (s *Server) adminDeleteRole(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.d.People.DeleteCustomRole(r.Context(), id); err != nil {
		return s.adminForm(w, r, err, func(st int, msg string, fe map[string][]string) error {
			return s.showAdminRoles(w, r, st, msg, fe, nil)
		})
	}
	return redirect(w, r, withMsg("/agent/admin/roles", "updated"))
}

// Inactive users.

// DefaultInactiveDays is the inactive-users page's default look-back.
const DefaultInactiveDays = 90

type adminInactiveData struct {
	Days  int
	Users []*desk.User
	Total int
}

func inactiveDays(v string) int {
	if v == "" {
		return DefaultInactiveDays
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return -1
	}
	return n
}

func (s *Server) adminInactive(w http.ResponseWriter, r *http.Request) error {
	return s.showAdminInactive(w, r, http.StatusOK, "", inactiveDays(r.URL.Query().Get("days")))
}

func (s *Server) showAdminInactive(w http.ResponseWriter, r *http.Request, status int, msg string, days int) error {
	rc := rcFrom(r)
	pg := s.adminPage(r, "web.inactive_title", "inactive")
	d := adminInactiveData{Days: days}
	us, n, err := s.d.People.InactiveUsers(r.Context(), days, people.MaxBulkUsers, 0)
	switch {
	case desk.ErrorCode(err) == desk.EINVALID:
		status = http.StatusUnprocessableEntity
		msg = rc.T("web.inactive_bad_days")
		d.Days = DefaultInactiveDays
	case err != nil:
		return err
	default:
		d.Users, d.Total = us, n
	}
	pg.Error = msg
	pg.Data = d
	return s.render(w, status, "admin_inactive", pg)
}

func (s *Server) adminSuspendInactive(w http.ResponseWriter, r *http.Request) error {
	rc := rcFrom(r)
	days := inactiveDays(r.PostFormValue("days"))
	var ids []int64
	for _, v := range r.PostForm["ids"] {
		id, err := strconv.ParseInt(v, 10, 64)
		if err == nil && id > 0 {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return s.showAdminInactive(w, r, http.StatusUnprocessableEntity, rc.T("web.inactive_none_selected"), days)
	}
	if len(ids) > people.MaxBulkUsers {
		return desk.Errorf(desk.ETOOLARGE, "too many users")
	}
	yes := true
	res, err := s.d.People.UpdateUsers(r.Context(), ids, people.UserInput{Suspended: &yes})
	if err != nil {
		return err
	}
	var failed []string
	for _, x := range res {
		if !x.Success {
			failed = append(failed, fmt.Sprintf("#%d: %s", x.ID, x.Details))
		}
	}
	if len(failed) > 0 {
		return s.showAdminInactive(w, r, http.StatusUnprocessableEntity, rc.T("web.inactive_some_failed")+" "+strings.Join(failed, "; "), days)
	}
	return redirect(w, r, withMsg("/agent/admin/inactive?days="+strconv.Itoa(days), "suspended"))
}

// A user's sessions, ended by an admin.

func (s *Server) adminSignOutUser(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if ok, err := s.freshOr(r, func(st int, msg string) error { return s.showAdminUser(w, r, st, msg, nil) }); !ok {
		return err
	}
	if _, err := s.d.People.GetUser(r.Context(), id); err != nil {
		return err
	}
	if err := s.d.Account.RevokeAll(r.Context(), id); err != nil {
		return err
	}
	rc := rcFrom(r)
	if id == rc.p.UserID {
		s.setCookie(w, rc, sessionCookie, "", -1)
		return redirect(w, r, withMsg("/agent/signin", "signedout"))
	}
	return redirect(w, r, withMsg("/agent/admin/users/"+strconv.FormatInt(id, 10), "sessionsended"))
}

// API tokens.

type tokenRow struct {
	T     *desk.APIToken
	Owner string
}

type tokensData struct {
	Tokens  []tokenRow
	New     *desk.APIToken
	AllMine bool
	Reauth  reauthBox
	Form    url.Values
}

func (s *Server) tokensPage(w http.ResponseWriter, r *http.Request) error {
	return s.showTokens(w, r, http.StatusOK, "", nil, nil)
}

func (s *Server) showTokens(w http.ResponseWriter, r *http.Request, status int, msg string, fe map[string][]string, created *desk.APIToken) error {
	rc := rcFrom(r)
	ctx := r.Context()
	list, err := s.d.People.ListTokens(ctx)
	if err != nil {
		return err
	}
	d := tokensData{New: created, AllMine: !rc.p.IsAdmin()}
	if d.Reauth, err = s.reauthBoxFor(r, "/agent/security/tokens"); err != nil {
		return err
	}
	names := map[int64]string{}
	if rc.p.IsAdmin() && len(list) > 0 {
		var ids []int64
		for _, t := range list {
			ids = append(ids, t.UserID)
		}
		us, err := s.d.People.GetUsers(ctx, ids)
		if err != nil {
			return err
		}
		for _, u := range us {
			names[u.ID] = u.Name
		}
	}
	for _, t := range list {
		d.Tokens = append(d.Tokens, tokenRow{T: t, Owner: names[t.UserID]})
	}
	pg := s.newPage(r, "agent", "")
	pg.Title = pg.T("web.tokens_title")
	pg.Nav = "security"
	pg.Error, pg.FieldErrors = msg, fe
	if created == nil && r.Method == http.MethodPost {
		for _, k := range []string{"name", "scope", "expires"} {
			pg.Form.Set(k, r.PostFormValue(k))
		}
	}
	pg.Data = d
	return s.render(w, status, "tokens", pg)
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request) error {
	rc := rcFrom(r)
	if ok, err := s.freshOr(r, func(st int, msg string) error { return s.showTokens(w, r, st, msg, nil, nil) }); !ok {
		return err
	}
	in := people.TokenInput{Description: strings.TrimSpace(r.PostFormValue("name")), Scope: r.PostFormValue("scope")}
	if v := strings.TrimSpace(r.PostFormValue("expires")); v != "" {
		tz := rc.tz
		if tz == nil {
			tz = time.UTC
		}
		t, err := time.ParseInLocation("2006-01-02", v, tz)
		if err != nil {
			return s.showTokens(w, r, http.StatusUnprocessableEntity, rc.T("errors.validation"),
				map[string][]string{"expires": {rc.T("web.token_bad_date")}}, nil)
		}
		in.ExpiresAt = desk.Time{Time: t}
	}
	tok, err := s.d.People.CreateTokenWith(r.Context(), in)
	if err != nil {
		if desk.ErrorCode(err) == desk.EINVALID {
			fe := fieldErrors(err)
			if v, ok := fe["description"]; ok {
				fe["name"] = v
			}
			if v, ok := fe["expires_at"]; ok {
				fe["expires"] = v
			}
			return s.showTokens(w, r, http.StatusUnprocessableEntity, rc.T("errors.validation"), fe, nil)
		}
		return err
	}
	return s.showTokens(w, r, http.StatusOK, "", nil, tok)
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.d.People.DeleteToken(r.Context(), id); err != nil {
		return err
	}
	return redirect(w, r, withMsg("/agent/security/tokens", "tokenrevoked"))
}

// Session lifetimes (admin security page).

type sessionLimitsForm struct {
	StaffIdle, StaffAbsolute, UserIdle, UserAbsolute string // minutes, hours, minutes, hours
	Errors                                           map[string]string
}

func limitsForm(c account.Config) sessionLimitsForm {
	m := func(d time.Duration) string { return strconv.FormatInt(int64(d/time.Minute), 10) }
	h := func(d time.Duration) string {
		if d%time.Hour == 0 {
			return strconv.FormatInt(int64(d/time.Hour), 10)
		}
		return strconv.FormatFloat(d.Hours(), 'f', 2, 64)
	}
	return sessionLimitsForm{StaffIdle: m(c.StaffIdle), StaffAbsolute: h(c.StaffAbsolute), UserIdle: m(c.UserIdle), UserAbsolute: h(c.UserAbsolute)}
}

func (s *Server) adminSaveSessionLimits(w http.ResponseWriter, r *http.Request) error {
	rc := rcFrom(r)
	f := r.PostForm
	form := sessionLimitsForm{StaffIdle: f.Get("staff_idle_minutes"), StaffAbsolute: f.Get("staff_absolute_hours"),
		UserIdle: f.Get("user_idle_minutes"), UserAbsolute: f.Get("user_absolute_hours"), Errors: map[string]string{}}
	parse := func(field, v string, unit time.Duration) time.Duration {
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil || n <= 0 || n > 1<<20 {
			form.Errors[field] = rc.T("web.sessions_err_number")
			return 0
		}
		return time.Duration(n) * unit
	}
	c := account.Config{
		StaffIdle: parse("staff_idle", form.StaffIdle, time.Minute), StaffAbsolute: parse("staff_absolute", form.StaffAbsolute, time.Hour),
		UserIdle: parse("user_idle", form.UserIdle, time.Minute), UserAbsolute: parse("user_absolute", form.UserAbsolute, time.Hour),
	}
	if len(form.Errors) == 0 {
		err := s.d.Account.SetSessionLimits(r.Context(), c)
		var de *desk.Error
		if errors.As(err, &de) && de.Code == desk.EINVALID {
			for field := range de.Details {
				if strings.HasSuffix(field, "_idle") {
					form.Errors[field] = rc.T("web.sessions_err_idle")
				} else {
					form.Errors[field] = rc.T("web.sessions_err_absolute")
				}
			}
		} else if err != nil {
			return err
		}
	}
	if len(form.Errors) > 0 {
		return s.showAdminSecurityWith(w, r, http.StatusUnprocessableEntity, rc.T("errors.validation"), nil, &form)
	}
	return redirect(w, r, withMsg("/agent/admin/security", "settings")+"#sessions")
}
