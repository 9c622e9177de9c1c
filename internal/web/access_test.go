package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/account"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
)

// stale makes every session's re-authentication older than the window.
func (e *env) stale() {
	e.t.Helper()
	if _, err := e.app.DB.Exec(context.Background(), `UPDATE session_flags SET reauth_at = ?`, 1); err != nil {
		e.t.Fatal(err)
	}
}

func (c *client) reauth(ret string) {
	c.t.Helper()
	r := c.post("/agent/security/reauth", url.Values{"password": {password}, "return": {ret}})
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, ret) {
		c.t.Fatalf("re-auth: %d %s", r.Status, r.Location)
	}
	c.get(ret)
}

func wantStatus(t *testing.T, what string, r resp, status int) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("%s: status %d, want %d (%s)", what, r.Status, status, r.Location)
	}
}

// The UI permission matrix: every admin, agent and security page for each
// kind of visitor.
func TestUIPermissionMatrix(t *testing.T) {
	e := newEnv(t, "")
	const (
		ok     = http.StatusOK
		denied = http.StatusForbidden
		signin = http.StatusSeeOther
	)
	u := fmt.Sprintf("/agent/admin/users/%d", e.agent.ID)
	routes := []struct {
		path                     string
		admin, agent, user, anon int
	}{
		{"/agent", ok, ok, denied, signin},
		{"/agent/views/pending", ok, ok, denied, signin},
		{"/agent/search", ok, ok, denied, signin},
		{"/agent/security", ok, ok, denied, signin},
		{"/agent/security/tokens", ok, ok, denied, signin},
		{"/agent/admin/users", ok, denied, denied, signin},
		{u, ok, denied, denied, signin},
		{"/agent/admin/roles", ok, denied, denied, signin},
		{"/agent/admin/inactive", ok, denied, denied, signin},
		{"/agent/admin/inactive?days=30", ok, denied, denied, signin},
		{"/agent/admin/security", ok, denied, denied, signin},
		{"/agent/admin/settings", ok, denied, denied, signin},
		{"/agent/admin/groups", ok, denied, denied, signin},
		{"/agent/admin/mailboxes", ok, denied, denied, signin},
		{"/agent/admin/email-templates", ok, denied, denied, signin},
		{"/agent/admin/audit", ok, denied, denied, signin},
		{"/agent/admin/alerts", ok, denied, denied, signin},     // p9-alerts
		{"/agent/admin/answer-bot", ok, denied, denied, signin}, // p11-bot
		{"/agent/admin/alerts", ok, denied, denied, signin},     // p9-alerts
		{"/agent/chat", ok, ok, denied, signin},                 // p11-chat
		{"/agent/chat/state", ok, ok, denied, signin},
		{"/agent/admin/chat", ok, denied, denied, signin},
		{"/security", ok, ok, ok, signin},
	}
	ad, ag, cu, anon := e.client(), e.client(), e.client(), e.client()
	ad.signIn("/agent/signin", e.admin.Email)
	ag.signIn("/agent/signin", e.agent.Email)
	cu.signIn("/signin", e.customer.Email)
	for _, rt := range routes {
		for _, who := range []struct {
			name string
			c    *client
			want int
		}{{"admin", ad, rt.admin}, {"agent", ag, rt.agent}, {"end-user", cu, rt.user}, {"anonymous", anon, rt.anon}} {
			r := who.c.get(rt.path)
			if r.Status != who.want {
				t.Errorf("%s GET %s: %d, want %d", who.name, rt.path, r.Status, who.want)
			}
			if who.want == signin && !strings.Contains(r.Location, "signin") {
				t.Errorf("%s GET %s: redirected to %q, not to sign-in", who.name, rt.path, r.Location)
			}
		}
	}
	// POSTs: agents and end-users are refused admin actions (with a valid
	// token), and nobody gets through without one.
	posts := []struct {
		path        string
		agent, user int
	}{
		{"/agent/admin/roles", denied, denied},
		{"/agent/admin/roles/1/delete", denied, denied},
		{"/agent/admin/inactive/suspend", denied, denied},
		{u + "/signout-all", denied, denied},
		{"/agent/admin/security/sessions", denied, denied},
		{"/agent/security/tokens", http.StatusForbidden, denied}, // the agent's session is fresh, but no name: see below
		{"/agent/security/tokens/1/revoke", http.StatusNotFound, denied},
		{"/agent/admin/mailboxes/1", denied, denied},
		{"/agent/admin/mailboxes/1/delete", denied, denied},
		{"/agent/admin/outbox/1/retry", denied, denied},
		{"/agent/admin/email-templates/ticket.assigned/en", denied, denied},
		{"/agent/admin/email-templates/ticket.assigned/en/reset", denied, denied},
		{"/agent/admin/audit/verify", denied, denied},
		{"/agent/admin/audit/export", denied, denied},
		{"/agent/admin/security/alerts", denied, denied}, // p9-alerts
		{"/agent/admin/answer-bot", denied, denied},      // p11-bot
		{"/agent/admin/answer-bot/1", denied, denied},
		{"/agent/admin/answer-bot/email", denied, denied},
		{"/agent/admin/answer-bot/draft", denied, denied}, // p11-bot-draft
		{"/agent/admin/answer-bot/1/activate", denied, denied},
		{"/agent/admin/answer-bot/1/delete", denied, denied},
	}
	ag.get("/agent")
	cu.get("/requests")
	for _, p := range posts {
		if p.path == "/agent/security/tokens" {
			continue // covered by TestAPITokensPage
		}
		if r := ag.post(p.path, url.Values{"ids": {id(e.customer.ID)}, "name": {"x"}}); r.Status != p.agent {
			t.Errorf("agent POST %s: %d, want %d", p.path, r.Status, p.agent)
		}
		if r := cu.post(p.path, url.Values{"ids": {id(e.customer2.ID)}}); r.Status != p.user {
			t.Errorf("end-user POST %s: %d, want %d", p.path, r.Status, p.user)
		}
		if r := anon.post(p.path, nil); r.Status != signin && r.Status != denied {
			t.Errorf("anonymous POST %s: %d", p.path, r.Status)
		}
		if r := ad.post(p.path, url.Values{"csrf_token": {"forged"}}); r.Status != denied {
			t.Errorf("admin POST %s without a valid CSRF token: %d, want 403", p.path, r.Status)
		}
		if r := ad.post(p.path, url.Values{}, "Sec-Fetch-Site", "cross-site"); r.Status != denied {
			t.Errorf("admin cross-site POST %s: %d, want 403", p.path, r.Status)
		}
	}
	if r := ag.post("/agent/security/tokens", url.Values{"name": {"x"}, "csrf_token": {"forged"}}); r.Status != denied {
		t.Errorf("token creation without a valid CSRF token: %d", r.Status)
	}
	if r := ag.post("/agent/security/tokens/1/revoke", url.Values{"csrf_token": {"forged"}}); r.Status != denied {
		t.Errorf("token revocation without a valid CSRF token: %d", r.Status)
	}
	// Nothing happened.
	if u, _ := e.app.People.GetUser(e.sys, e.customer.ID); u.Suspended {
		t.Error("a refused bulk suspend suspended someone")
	}
	if s, _ := e.app.Account.Sessions(e.sys, e.agent.ID); len(s) == 0 {
		t.Error("a refused sign-out ended the agent's sessions")
	}
}

var roleRowRE = regexp.MustCompile(`<tr data-role-id="(\d+)"><td>Tier 1</td>`)

func TestRolesPage(t *testing.T) {
	e := newEnv(t, "")
	ad := e.client()
	ad.signIn("/agent/signin", e.admin.Email)
	r := ad.get("/agent/admin/roles")
	wantStatus(t, "roles page", r, 200)
	if strings.Contains(r.Body, `id="too-many-admins"`) {
		t.Error("warning with one admin")
	}
	if !strings.Contains(r.Body, `id="owner"`) || !strings.Contains(r.Body, e.admin.Name) {
		t.Error("owner not shown")
	}
	// Create a role.
	r = ad.post("/agent/admin/roles", url.Values{"name": {"Tier 1"}, "description": {"first line"}, "ticket_access": {"groups"},
		"perm": {"public_comments", "merge_tickets"}})
	wantStatus(t, "create role", r, http.StatusSeeOther)
	roles, err := e.app.People.ListCustomRoles(as(e.admin))
	if err != nil {
		t.Fatal(err)
	}
	var role *desk.CustomRole
	for _, x := range roles {
		if x.Name == "Tier 1" {
			role = x
		}
	}
	if role == nil || role.Configuration.TicketAccess != desk.TicketAccessGroups || !role.Configuration.PublicComments ||
		!role.Configuration.MergeTickets || role.Configuration.DeleteTickets {
		t.Fatalf("role not created as asked: %+v", role)
	}
	r = ad.get("/agent/admin/roles")
	if m := roleRowRE.FindStringSubmatch(r.Body); m == nil || m[1] != id(role.ID) {
		t.Fatal("new role not listed")
	}
	// Invalid input is shown on the form.
	wantStatus(t, "invalid role", ad.post("/agent/admin/roles", url.Values{"name": {""}, "ticket_access": {"nope"}}), http.StatusUnprocessableEntity)
	// Edit it.
	r = ad.get(fmt.Sprintf("/agent/admin/roles?edit=%d", role.ID))
	if !strings.Contains(r.Body, `value="merge_tickets" checked`) || !strings.Contains(r.Body, `value="groups" checked`) {
		t.Fatal("edit form does not show the role's permissions")
	}
	wantStatus(t, "update role", ad.post(fmt.Sprintf("/agent/admin/roles/%d", role.ID), url.Values{"name": {"Tier 1"}, "ticket_access": {"assigned"}, "perm": {"delete_tickets"}}), http.StatusSeeOther)
	role, _ = e.app.People.GetCustomRole(as(e.admin), role.ID)
	if role.Configuration.TicketAccess != desk.TicketAccessAssigned || !role.Configuration.DeleteTickets || role.Configuration.MergeTickets {
		t.Fatalf("role not updated: %+v", role.Configuration)
	}

	// Assigning it needs a recent re-authentication.
	userPath := fmt.Sprintf("/agent/admin/users/%d", e.agent.ID)
	e.stale()
	r = ad.get(userPath)
	if !strings.Contains(r.Body, `id="reauth-box"`) || strings.Contains(r.Body, `id="signout-all-form"`) {
		t.Fatal("stale session: no re-authentication form on the user page")
	}
	form := url.Values{"name": {e.agent.Name}, "email": {e.agent.Email}, "role": {"agent"}, "custom_role_id": {id(role.ID)}, "organization_id": {"0"}}
	wantStatus(t, "assign role while stale", ad.post(userPath, form), http.StatusForbidden)
	if u, _ := e.app.People.GetUser(e.sys, e.agent.ID); u.CustomRoleID != nil {
		t.Fatal("custom role assigned without re-authentication")
	}
	promote := url.Values{"name": {e.agent.Name}, "email": {e.agent.Email}, "role": {"admin"}, "organization_id": {"0"}}
	wantStatus(t, "promote while stale", ad.post(userPath, promote), http.StatusForbidden)
	// Nor may the credentials that prove who someone is change.
	newEmail := url.Values{"name": {e.agent.Name}, "email": {"taken-over@example.com"}, "role": {"agent"}, "organization_id": {"0"}}
	wantStatus(t, "change email while stale", ad.post(userPath, newEmail), http.StatusForbidden)
	if u, _ := e.app.People.GetUser(e.sys, e.agent.ID); u.Email != e.agent.Email {
		t.Fatal("email changed without re-authentication")
	}
	// Other edits do not need it.
	wantStatus(t, "rename while stale", ad.post(userPath, url.Values{"name": {"Alan A. Agent"}, "email": {e.agent.Email}, "role": {"agent"}, "organization_id": {"0"}}), http.StatusSeeOther)
	ad.reauth(userPath)
	wantStatus(t, "assign role", ad.post(userPath, form), http.StatusSeeOther)
	if u, _ := e.app.People.GetUser(e.sys, e.agent.ID); u.CustomRoleID == nil || *u.CustomRoleID != role.ID {
		t.Fatal("custom role not assigned")
	}
	r = ad.get("/agent/admin/roles")
	if !strings.Contains(r.Body, fmt.Sprintf(`data-role="%d"><li><a href="/agent/admin/users/%d">`, role.ID, e.agent.ID)) {
		t.Error("agent not listed under the role")
	}
	// A held role cannot be deleted.
	wantStatus(t, "delete held role", ad.post(fmt.Sprintf("/agent/admin/roles/%d/delete", role.ID), nil), http.StatusUnprocessableEntity)
	// Role changes.
	wantStatus(t, "promote", ad.post(userPath, promote), http.StatusSeeOther)
	if u, _ := e.app.People.GetUser(e.sys, e.agent.ID); u.Role != desk.RoleAdmin {
		t.Fatal("role not changed")
	}
	wantStatus(t, "delete free role", ad.post(fmt.Sprintf("/agent/admin/roles/%d/delete", role.ID), nil), http.StatusSeeOther)
	if _, err := e.app.People.GetCustomRole(as(e.admin), role.ID); desk.ErrorCode(err) != desk.ENOTFOUND {
		t.Fatalf("role not deleted: %v", err)
	}
	// More than three admins: a warning.
	e.mustUser("Third Admin", "a3@example.com", desk.RoleAdmin)
	if strings.Contains(ad.get("/agent/admin/roles").Body, `id="too-many-admins"`) {
		t.Error("warning with three admins")
	}
	e.mustUser("Fourth Admin", "a4@example.com", desk.RoleAdmin)
	if !strings.Contains(ad.get("/agent/admin/roles").Body, `id="too-many-admins"`) {
		t.Error("no warning with four admins")
	}
}

func TestInactiveUsersPage(t *testing.T) {
	e := newEnv(t, "")
	cu := e.client()
	cu.signIn("/signin", e.customer.Email)
	ad := e.client()
	ad.signIn("/agent/signin", e.admin.Email)
	old := time.Now().Add(-100 * 24 * time.Hour).UnixMicro()
	if _, err := e.app.DB.Exec(context.Background(), `UPDATE users SET created_at = ?, last_login_at = ? WHERE id IN (?, ?)`,
		old, old, e.customer.ID, e.agent2.ID); err != nil {
		t.Fatal(err)
	}
	r := ad.get("/agent/admin/inactive")
	wantStatus(t, "inactive page", r, 200)
	for _, u := range []*desk.User{e.customer, e.agent2} {
		if !strings.Contains(r.Body, fmt.Sprintf(`name="ids" value="%d"`, u.ID)) {
			t.Errorf("%s not listed as inactive", u.Name)
		}
	}
	if strings.Contains(r.Body, fmt.Sprintf(`name="ids" value="%d"`, e.agent.ID)) {
		t.Error("a recent user listed as inactive")
	}
	if r := ad.get("/agent/admin/inactive?days=120"); strings.Contains(r.Body, `name="ids"`) {
		t.Error("users inactive for 100 days listed for 120")
	}
	wantStatus(t, "bad days", ad.get("/agent/admin/inactive?days=0"), http.StatusUnprocessableEntity)
	ad.get("/agent/admin/inactive")
	wantStatus(t, "nothing selected", ad.post("/agent/admin/inactive/suspend", url.Values{"days": {"90"}}), http.StatusUnprocessableEntity)
	wantStatus(t, "forged suspend", ad.post("/agent/admin/inactive/suspend", url.Values{"ids": {id(e.customer.ID)}, "csrf_token": {"x"}}), http.StatusForbidden)
	if cu.get("/requests").Status != 200 {
		t.Fatal("customer session not live before the suspension")
	}
	r = ad.post("/agent/admin/inactive/suspend", url.Values{"days": {"90"}, "ids": {id(e.customer.ID), id(e.agent2.ID)}})
	wantStatus(t, "suspend", r, http.StatusSeeOther)
	if !strings.HasPrefix(r.Location, "/agent/admin/inactive?days=90") {
		t.Errorf("suspend redirected to %s", r.Location)
	}
	for _, u := range []*desk.User{e.customer, e.agent2} {
		got, _ := e.app.People.GetUser(e.sys, u.ID)
		if !got.Suspended {
			t.Errorf("%s not suspended", u.Name)
		}
	}
	if r := cu.get("/requests"); r.Status != http.StatusSeeOther {
		t.Errorf("suspended customer's session still works: %d", r.Status)
	}
	// Failures are reported (admins cannot suspend themselves).
	ad.get("/agent/admin/inactive")
	wantStatus(t, "suspend self", ad.post("/agent/admin/inactive/suspend", url.Values{"ids": {id(e.admin.ID)}}), http.StatusUnprocessableEntity)
}

func TestAdminEndsSessions(t *testing.T) {
	e := newEnv(t, "")
	ag := e.client()
	ag.signIn("/agent/signin", e.agent.Email)
	ad := e.client()
	ad.signIn("/agent/signin", e.admin.Email)
	path := fmt.Sprintf("/agent/admin/users/%d", e.agent.ID)
	r := ad.get(path)
	if !strings.Contains(r.Body, `id="user-sessions"`) || !strings.Contains(r.Body, "data-session-id=") {
		t.Fatal("the agent's sessions are not listed")
	}
	e.stale()
	ad.get(path)
	wantStatus(t, "sign out while stale", ad.post(path+"/signout-all", nil), http.StatusForbidden)
	if ag.get("/agent").Status != 200 {
		t.Fatal("sessions ended without re-authentication")
	}
	ad.get(path)
	wantStatus(t, "wrong re-auth", ad.post("/agent/security/reauth", url.Values{"password": {"wrong"}, "return": {path}}), http.StatusUnauthorized)
	ad.reauth(path)
	wantStatus(t, "forged sign out", ad.post(path+"/signout-all", url.Values{"csrf_token": {"x"}}), http.StatusForbidden)
	r = ad.post(path+"/signout-all", nil)
	wantStatus(t, "sign out everywhere", r, http.StatusSeeOther)
	if r := ag.get("/agent"); r.Status != http.StatusSeeOther || !strings.Contains(r.Location, "/agent/signin") {
		t.Fatalf("agent still signed in: %d %s", r.Status, r.Location)
	}
	if s, _ := e.app.Account.Sessions(e.sys, e.agent.ID); len(s) != 0 {
		t.Fatalf("%d sessions left", len(s))
	}
	if ad.get("/agent").Status != 200 {
		t.Fatal("the admin was signed out too")
	}
}

var tokenValueRE = regexp.MustCompile(`<code id="token-value">([^<]+)</code>`)

func TestAPITokensPage(t *testing.T) {
	e := newEnv(t, "")
	ag := e.client()
	ag.signIn("/agent/signin", e.agent.Email)
	e.stale()
	r := ag.get("/agent/security/tokens")
	wantStatus(t, "tokens page", r, 200)
	if strings.Contains(r.Body, `id="token-form"`) || !strings.Contains(r.Body, `id="reauth-box"`) {
		t.Fatal("stale session offered the token form")
	}
	wantStatus(t, "create while stale", ag.post("/agent/security/tokens", url.Values{"name": {"CI"}}), http.StatusForbidden)
	if ts, _ := e.app.People.ListTokens(as(e.agent)); len(ts) != 0 {
		t.Fatal("token created without re-authentication")
	}
	ag.reauth("/agent/security/tokens")
	wantStatus(t, "bad date", ag.post("/agent/security/tokens", url.Values{"name": {"CI"}, "expires": {"tomorrow"}}), http.StatusUnprocessableEntity)
	wantStatus(t, "past date", ag.post("/agent/security/tokens", url.Values{"name": {"CI"}, "expires": {"2001-01-01"}}), http.StatusUnprocessableEntity)
	wantStatus(t, "forged create", ag.post("/agent/security/tokens", url.Values{"name": {"CI"}, "csrf_token": {"x"}}), http.StatusForbidden)
	exp := time.Now().AddDate(0, 1, 0).Format("2006-01-02")
	r = ag.post("/agent/security/tokens", url.Values{"name": {"CI"}, "scope": {"read"}, "expires": {exp}})
	wantStatus(t, "create", r, 200)
	m := tokenValueRE.FindStringSubmatch(r.Body)
	if m == nil {
		t.Fatal("new token not shown")
	}
	p, err := e.app.People.AuthenticateToken(context.Background(), e.agent.Email, m[1], "192.0.2.9")
	if err != nil || p.UserID != e.agent.ID || !p.ReadOnly {
		t.Fatalf("the shown token does not work as a read token: %v %+v", err, p)
	}
	ts, _ := e.app.People.ListTokens(as(e.agent))
	if len(ts) != 1 || ts[0].Scope != people.ScopeRead || ts[0].ExpiresAt.IsZero() {
		t.Fatalf("tokens: %+v", ts)
	}
	r = ag.get("/agent/security/tokens")
	if strings.Contains(r.Body, m[1]) {
		t.Fatal("the token is shown again")
	}
	if !strings.Contains(r.Body, "192.0.2.9") {
		t.Error("last-used IP not shown")
	}
	// Admins see every token; agents only theirs.
	e.app.People.CreateToken(as(e.agent2), 0, "Grace's")
	if strings.Contains(ag.get("/agent/security/tokens").Body, "Grace&#39;s") {
		t.Error("an agent sees another agent's token")
	}
	ad := e.client()
	ad.signIn("/agent/signin", e.admin.Email)
	r = ad.get("/agent/security/tokens")
	if !strings.Contains(r.Body, "Grace&#39;s") || !strings.Contains(r.Body, e.agent.Name) {
		t.Error("the admin does not see every token with its owner")
	}
	// Revoke: another agent's token is not found; one's own goes.
	all, _ := e.app.People.ListTokens(as(e.admin))
	var graces int64
	for _, x := range all {
		if x.UserID == e.agent2.ID {
			graces = x.ID
		}
	}
	ag.get("/agent/security/tokens")
	wantStatus(t, "revoke another's", ag.post(fmt.Sprintf("/agent/security/tokens/%d/revoke", graces), nil), http.StatusNotFound)
	wantStatus(t, "revoke own", ag.post(fmt.Sprintf("/agent/security/tokens/%d/revoke", ts[0].ID), nil), http.StatusSeeOther)
	if ts, _ := e.app.People.ListTokens(as(e.agent)); len(ts) != 0 {
		t.Fatal("token not revoked")
	}
	if _, err := e.app.People.AuthenticateToken(context.Background(), e.agent.Email, m[1], ""); err == nil {
		t.Fatal("revoked token still works")
	}
	wantStatus(t, "admin revokes any", ad.post(fmt.Sprintf("/agent/security/tokens/%d/revoke", graces), nil), http.StatusSeeOther)
	cu := e.client()
	cu.signIn("/signin", e.customer.Email)
	wantStatus(t, "end-user", cu.get("/agent/security/tokens"), http.StatusForbidden)
}

func TestSessionTimeoutSettings(t *testing.T) {
	e := newEnv(t, "")
	ad := e.client()
	ad.signIn("/agent/signin", e.admin.Email)
	r := ad.get("/agent/admin/security")
	if !strings.Contains(r.Body, `name="staff_idle_minutes" type="number" min="5" max="43200" value="30"`) {
		t.Fatal("the current staff idle limit is not shown")
	}
	for name, f := range map[string]url.Values{
		"not a number":   {"staff_idle_minutes": {"x"}, "staff_absolute_hours": {"12"}, "user_idle_minutes": {"120"}, "user_absolute_hours": {"720"}},
		"idle too short": {"staff_idle_minutes": {"1"}, "staff_absolute_hours": {"12"}, "user_idle_minutes": {"120"}, "user_absolute_hours": {"720"}},
		"idle > abs":     {"staff_idle_minutes": {"300"}, "staff_absolute_hours": {"2"}, "user_idle_minutes": {"120"}, "user_absolute_hours": {"720"}},
		"abs too long":   {"staff_idle_minutes": {"30"}, "staff_absolute_hours": {"12"}, "user_idle_minutes": {"120"}, "user_absolute_hours": {"9000"}},
	} {
		if r := ad.post("/agent/admin/security/sessions", f); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d", name, r.Status)
		}
	}
	if got := e.app.Account.SessionLimits(context.Background()); got != account.DefaultConfig {
		t.Fatalf("invalid input changed the limits: %+v", got)
	}
	ok := func() url.Values {
		return url.Values{"staff_idle_minutes": {"15"}, "staff_absolute_hours": {"8"}, "user_idle_minutes": {"60"}, "user_absolute_hours": {"48"}}
	}
	ag := e.client()
	ag.signIn("/agent/signin", e.agent.Email)
	wantStatus(t, "agent", ag.post("/agent/admin/security/sessions", ok()), http.StatusForbidden)
	forged := ok()
	forged.Set("csrf_token", "forged")
	wantStatus(t, "forged", ad.post("/agent/admin/security/sessions", forged), http.StatusForbidden)
	if got := e.app.Account.SessionLimits(context.Background()); got != account.DefaultConfig {
		t.Fatalf("a refused request changed the limits: %+v", got)
	}
	wantStatus(t, "save", ad.post("/agent/admin/security/sessions", ok()), http.StatusSeeOther)
	want := account.Config{StaffIdle: 15 * time.Minute, StaffAbsolute: 8 * time.Hour, UserIdle: time.Hour, UserAbsolute: 48 * time.Hour}
	if got := e.app.Account.SessionLimits(context.Background()); got != want {
		t.Fatalf("limits: %+v, want %+v", got, want)
	}
	if r := ad.get("/agent/admin/security"); !strings.Contains(r.Body, `value="15"`) || !strings.Contains(r.Body, `value="48"`) {
		t.Error("saved limits not shown")
	}
}
