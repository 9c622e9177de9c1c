package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/channel/email/mailbox"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/httpx"
	"github.com/frontdesk/frontdesk/internal/oauth"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// The permission matrix: every role against every API route, with the
// exact status each must get. A route registered without an entry here
// fails TestPermissionMatrix, so no endpoint ships without its rules being
// written down and checked.

// matrixRoles are the columns of every expectation, in order.
var matrixRoles = []string{"owner", "admin", "agent", "light", "groups", "assigned", "end-user", "suspended", "outsider"}

// The roles, as the fixture builds them:
//
//	owner     the first admin (a.Admin), hence the account owner; in no group
//	admin     a second admin, not the owner; in no group
//	agent     a.Agent: built-in agent permissions, in Support and in the private VIP group
//	light     the built-in light-agent role, in Support
//	groups    custom role "Groups only": ticket_access groups, edits tickets, public
//	          replies, sees end-users, own API tokens; in Support
//	assigned  custom role "Assigned only": ticket_access assigned, edits tickets,
//	          public replies; does not see end-users; in Support
//	end-user  a.EndUser, requester of the fixture's tickets
//	suspended an agent whose account is suspended (their token stops working)
//	outsider  an agent with built-in permissions in Support but not in VIP

type mx struct {
	a     *testAPI
	users map[string]testUser
	sys   context.Context
	// vip is the private group; groupsRole the "Groups only" role.
	vip, groupsRole int64
	// Shared read-only records.
	pub, priv, assignedTk   int64 // tickets in Support, in VIP, and assigned to "assigned"
	pubAtt, privAtt         int64 // attachments on public comments of pub and priv
	org, field, identity    int64
	membership, agentToken  int64
	jobID                   string
	seq                     int
	mergeTarget             int64 // the target of the last "merge comments" row
	endUserPassword         bool  // the end-user has a password (to sign in)
	canSeePrivate, seesEnds map[string]bool
}

func (m *mx) next() int { m.seq++; return m.seq }

func (m *mx) uniq(prefix string) string { return fmt.Sprintf("%s%d", prefix, m.next()) }

// newTicket creates a ticket requested by the end-user and assigned to the
// agent, in the VIP group when private (else Support), tagged "vip".
func (m *mx) newTicket(t *testing.T, private bool, body string) int64 {
	t.Helper()
	g := m.a.SupportGroupID
	if private {
		g = m.vip
	}
	tk, _, err := m.a.srv.Tickets.Create(m.sys, ticket.Input{
		Subject: ptrTo("Matrix " + body), Comment: &ticket.CommentInput{Body: body},
		RequesterID: desk.SetID(m.a.EndUser.ID), GroupID: desk.SetID(g), AssigneeID: desk.SetID(m.a.Agent.ID),
		Tags: &[]string{"vip"},
	})
	if err != nil {
		t.Fatalf("ticket: %v", err)
	}
	return tk.ID
}

// withAttachment adds a public comment with a file to ticket id and
// returns the attachment's id.
func (m *mx) withAttachment(t *testing.T, id int64) int64 {
	t.Helper()
	up, err := m.a.srv.Tickets.CreateUpload(m.sys, "notes.txt", strings.NewReader("attached text"))
	if err != nil {
		t.Fatal(err)
	}
	pub := true
	if _, _, err := m.a.srv.Tickets.Update(m.sys, id, ticket.Input{Comment: &ticket.CommentInput{Body: "see file", Public: &pub, Uploads: []string{up.Token}}}); err != nil {
		t.Fatal(err)
	}
	return up.Attachment.ID
}

func (m *mx) deletedTicket(t *testing.T) int64 {
	t.Helper()
	id := m.newTicket(t, false, "deleted")
	if err := m.a.srv.Tickets.Delete(m.sys, id); err != nil {
		t.Fatal(err)
	}
	return id
}

func (m *mx) newUser(t *testing.T, role desk.Role) int64 {
	t.Helper()
	u, err := m.a.srv.People.CreateUser(m.sys, people.UserInput{Name: ptrTo(m.uniq("Fresh ")), Email: ptrTo(m.uniq("fresh") + "@matrix.test"), Role: &role})
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

func (m *mx) newOrg(t *testing.T) int64 {
	t.Helper()
	o, err := m.a.srv.People.CreateOrganization(m.sys, people.OrganizationInput{Name: ptrTo(m.uniq("Org "))})
	if err != nil {
		t.Fatal(err)
	}
	return o.ID
}

func (m *mx) newGroup(t *testing.T) int64 {
	t.Helper()
	g, err := m.a.srv.People.CreateGroup(m.sys, people.GroupInput{Name: ptrTo(m.uniq("Group "))})
	if err != nil {
		t.Fatal(err)
	}
	return g.ID
}

func (m *mx) newMembership(t *testing.T) int64 {
	t.Helper()
	gm, err := m.a.srv.People.AddMembership(m.sys, m.newUser(t, desk.RoleAgent), m.a.SupportGroupID, false)
	if err != nil {
		t.Fatal(err)
	}
	return gm.ID
}

func (m *mx) newField(t *testing.T) int64 {
	t.Helper()
	f, err := m.a.srv.Tickets.SaveField(m.sys, 0, ticket.FieldInput{Type: ptrTo("text"), Title: ptrTo(m.uniq("Field "))})
	if err != nil {
		t.Fatal(err)
	}
	return f.ID
}

func (m *mx) newMailbox(t *testing.T) int64 {
	t.Helper()
	addr := m.uniq("box") + "@example.com"
	mb, err := m.a.srv.Mailboxes.Create(m.sys, mailbox.Input{Address: &addr})
	if err != nil {
		t.Fatalf("mailbox: %v", err)
	}
	return mb.ID
}

// newDropdown is a dropdown with options 1 and 2, hidden from the portal.
func (m *mx) newDropdown(t *testing.T) int64 {
	t.Helper()
	f, err := m.a.srv.Tickets.SaveField(m.sys, 0, ticket.FieldInput{Type: ptrTo("tagger"), Title: ptrTo(m.uniq("Dropdown ")),
		CustomFieldOptions: &[]desk.FieldOption{{Name: "One", Value: m.uniq("one_")}, {Name: "Two", Value: m.uniq("two_")}}})
	if err != nil {
		t.Fatal(err)
	}
	return f.ID
}

// newForm is an active, end-user-visible ticket form that is not the
// default (so it can be deleted).
func (m *mx) newForm(t *testing.T) int64 {
	t.Helper()
	for {
		f, err := m.a.srv.Tickets.SaveForm(m.sys, 0, ticket.FormInput{Name: ptrTo(m.uniq("Form "))})
		if err != nil {
			t.Fatal(err)
		}
		if !f.Default {
			return f.ID
		}
	}
}

// formIDs lists every ticket form, for a reorder.
func (m *mx) formIDs(t *testing.T) []int64 {
	t.Helper()
	fs, err := m.a.srv.Tickets.Forms(m.sys, ticket.FormFilter{})
	if err != nil {
		t.Fatal(err)
	}
	ids := []int64{}
	for i := len(fs) - 1; i >= 0; i-- {
		ids = append(ids, fs[i].ID)
	}
	return ids
}

// newSuspended holds a message from a blocked sender in the suspended
// queue, as the ingest service does, and returns its id.
func (m *mx) newSuspended(t *testing.T) int64 {
	t.Helper()
	now := store.Now()
	id, err := insertID(m.a.srv.DB, `INSERT INTO suspended_tickets (mailbox_id, message_id, author_name, author_email, recipient, subject, content, cause, cause_id, created_at, updated_at)
		VALUES (0, ?, 'Spammer', 'spam@blocked.example', 'support@example.com', 'Buy now', 'Cheap pills', 'Email is from a blocklisted sender or domain', 13, ?, ?)`,
		m.uniq("sus")+"@blocked.example", now, now)
	if err != nil {
		t.Fatalf("suspended: %v", err)
	}
	return id
}

func insertID(db *store.DB, q string, args ...any) (int64, error) {
	var id int64
	err := db.InTx(context.Background(), func(tx *store.Tx) error {
		var err error
		id, err = tx.InsertID(context.Background(), q, args...)
		return err
	})
	return id, err
}

func (m *mx) newRole(t *testing.T) int64 {
	t.Helper()
	r, err := m.a.srv.People.CreateCustomRole(m.sys, people.CustomRoleInput{Name: ptrTo(m.uniq("Role "))})
	if err != nil {
		t.Fatal(err)
	}
	return r.ID
}

// asAgent acts as a.Agent (for records that must be the agent's own).
func (m *mx) asAgent() context.Context {
	return desk.WithPrincipal(context.Background(), &desk.Principal{UserID: m.a.Agent.ID, Role: desk.RoleAgent, Email: m.a.Agent.Email, Via: "api"})
}

func (m *mx) newAgentToken(t *testing.T) int64 {
	t.Helper()
	tok, err := m.a.srv.People.CreateToken(m.asAgent(), 0, m.uniq("spare "))
	if err != nil {
		t.Fatal(err)
	}
	return tok.ID
}

// newOAuthClient registers a confidential OAuth client.
func (m *mx) newOAuthClient(t *testing.T) int64 {
	t.Helper()
	name, id := "Matrix client", m.uniq("matrix-client-")
	c, err := m.a.srv.OAuth.CreateClient(m.sys, oauth.ClientInput{Name: &name, Identifier: &id, RedirectURI: &[]string{"https://app.example/cb"}})
	if err != nil {
		t.Fatal(err)
	}
	return c.ID
}

// newOAuthToken runs the authorization-code flow for the principal in ctx
// and returns the new token's id.
func (m *mx) newOAuthToken(t *testing.T, ctx context.Context) int64 {
	t.Helper()
	name, ident := "Matrix flow", m.uniq("matrix-flow-")
	c, err := m.a.srv.OAuth.CreateClient(m.sys, oauth.ClientInput{Name: &name, Identifier: &ident, RedirectURI: &[]string{"https://app.example/cb"}})
	if err != nil {
		t.Fatal(err)
	}
	req := oauth.AuthRequest{ResponseType: "code", ClientID: ident, RedirectURI: "https://app.example/cb", Scope: "read"}
	to, err := m.a.srv.OAuth.Approve(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(to)
	if _, err := m.a.srv.OAuth.Exchange(context.Background(), oauth.TokenRequest{GrantType: "authorization_code", Code: u.Query().Get("code"),
		RedirectURI: req.RedirectURI, ClientID: ident, ClientSecret: c.Secret}); err != nil {
		t.Fatal(err)
	}
	ts, err := m.a.srv.OAuth.ListTokens(ctx, 1)
	if err != nil || len(ts) != 1 {
		t.Fatalf("the new token: %v %v", ts, err)
	}
	return ts[0].ID
}

func (m *mx) newAgentOAuthToken(t *testing.T) int64 { return m.newOAuthToken(t, m.asAgent()) }

func (m *mx) newOwnerOAuthToken(t *testing.T) int64 {
	return m.newOAuthToken(t, desk.WithPrincipal(context.Background(), &desk.Principal{UserID: m.a.Admin.ID, Role: desk.RoleAdmin, Email: m.a.Admin.Email, Via: "api"}))
}

func (m *mx) newAgentUpload(t *testing.T) string {
	t.Helper()
	up, err := m.a.srv.Tickets.CreateUpload(m.asAgent(), "draft.txt", strings.NewReader("draft"))
	if err != nil {
		t.Fatal(err)
	}
	return up.Token
}

// roleUser adds an agent holding custom role roleID (0: none) in groups.
func (m *mx) roleUser(t *testing.T, name string, roleID int64, groups ...int64) testUser {
	t.Helper()
	u := m.a.addUser(t, name, strings.ToLower(strings.ReplaceAll(name, " ", "."))+"@matrix.test", desk.RoleAgent)
	if roleID != 0 {
		if _, err := m.a.srv.People.UpdateUser(m.sys, u.ID, people.UserInput{CustomRoleID: &roleID}); err != nil {
			t.Fatal(err)
		}
	}
	for _, g := range groups {
		if _, err := m.a.srv.People.AddMembership(m.sys, u.ID, g, false); err != nil {
			t.Fatal(err)
		}
	}
	return u
}

func newMatrix(t *testing.T, db *store.DB) *mx {
	t.Helper()
	// The suspended user fails authentication on every row; lift the
	// per-IP throttle of failed authentication so it does not block the rest.
	a := newTestAPIWith(t, db, func(s *Server) { s.AuthFailures = httpx.NewFailThrottle(1<<30, time.Minute, time.Now) })
	m := &mx{a: a, sys: desk.SystemContext(context.Background()), users: map[string]testUser{}}
	ppl := a.srv.People
	vip, err := ppl.CreateGroup(m.sys, people.GroupInput{Name: ptrTo("VIP"), IsPublic: ptrTo(false)})
	if err != nil {
		t.Fatal(err)
	}
	m.vip = vip.ID
	if _, err := ppl.AddMembership(m.sys, a.Agent.ID, vip.ID, false); err != nil {
		t.Fatal(err)
	}
	role := func(name, c string) int64 {
		var conf map[string]json.RawMessage
		if err := json.Unmarshal([]byte(c), &conf); err != nil {
			t.Fatal(err)
		}
		r, err := ppl.CreateCustomRole(m.sys, people.CustomRoleInput{Name: ptrTo(name), Configuration: conf})
		if err != nil {
			t.Fatal(err)
		}
		return r.ID
	}
	m.groupsRole = role("Groups only", `{"ticket_access": "groups", "edit_ticket_properties": true, "public_comments": true,
		"view_end_users": true, "manage_api_tokens": true}`)
	assignedRole := role("Assigned only", `{"ticket_access": "assigned", "edit_ticket_properties": true, "public_comments": true}`)
	lightRole, err := ppl.LightAgentRoleID(m.sys)
	if err != nil {
		t.Fatal(err)
	}

	m.users["owner"] = a.Admin
	m.users["admin"] = a.addUser(t, "Second Admin", "admin2@matrix.test", desk.RoleAdmin)
	m.users["agent"] = a.Agent
	m.users["light"] = m.roleUser(t, "Light Agent", lightRole, a.SupportGroupID)
	m.users["groups"] = m.roleUser(t, "Groups Agent", m.groupsRole, a.SupportGroupID)
	m.users["assigned"] = m.roleUser(t, "Assigned Agent", assignedRole, a.SupportGroupID)
	m.users["end-user"] = a.EndUser
	m.users["suspended"] = m.roleUser(t, "Suspended Agent", 0, a.SupportGroupID)
	if _, err := ppl.UpdateUser(m.sys, m.users["suspended"].ID, people.UserInput{Suspended: ptrTo(true)}); err != nil {
		t.Fatal(err)
	}
	m.users["outsider"] = m.roleUser(t, "Outside Agent", 0, a.SupportGroupID)

	owner, err := ppl.Owner(m.sys)
	if err != nil || owner.ID != a.Admin.ID {
		t.Fatalf("owner %+v %v, want the first admin", owner, err)
	}

	m.pub = m.newTicket(t, false, "zebrapublic")
	m.priv = m.newTicket(t, true, "zebraprivate")
	m.pubAtt = m.withAttachment(t, m.pub)
	m.privAtt = m.withAttachment(t, m.priv)
	tk, _, err := a.srv.Tickets.Create(m.sys, ticket.Input{Comment: &ticket.CommentInput{Body: "for the assigned agent"},
		RequesterID: desk.SetID(a.EndUser.ID), GroupID: desk.SetID(a.SupportGroupID), AssigneeID: desk.SetID(m.users["assigned"].ID)})
	if err != nil {
		t.Fatal(err)
	}
	m.assignedTk = tk.ID
	m.org = m.newOrg(t)
	m.field = m.newField(t)
	ids, err := ppl.Identities(m.sys, a.EndUser.ID)
	if err != nil || len(ids) == 0 {
		t.Fatalf("identities %v %v", ids, err)
	}
	m.identity = ids[0].ID
	gms, err := ppl.ListMemberships(m.sys, a.Agent.ID, a.SupportGroupID)
	if err != nil || len(gms) != 1 {
		t.Fatalf("memberships %v %v", gms, err)
	}
	m.membership = gms[0].ID
	m.agentToken = m.newAgentToken(t)
	st, err := a.srv.Bulk.DestroyTickets(m.asAgent(), []int64{m.newTicket(t, false, "bulk")})
	if err != nil {
		t.Fatal(err)
	}
	m.jobID = st.ID

	m.canSeePrivate = map[string]bool{"owner": true, "agent": true, "end-user": true}
	m.seesEnds = map[string]bool{"owner": true, "admin": true, "agent": true, "light": true, "groups": true, "outsider": true}
	return m
}

// mcase is one row: a route, a request that exercises it (built per role,
// so writes act on fresh records), and the status each role must get.
type mcase struct {
	route string
	note  string
	want  string // one status per matrixRoles column
	req   func(t *testing.T, m *mx, role string) (path string, body any)
	check func(t *testing.T, m *mx, role string, body map[string]any)
}

func path(p string) func(*testing.T, *mx, string) (string, any) {
	return func(*testing.T, *mx, string) (string, any) { return p, nil }
}

func idPath(format string, id func(t *testing.T, m *mx) int64, body any) func(*testing.T, *mx, string) (string, any) {
	return func(t *testing.T, m *mx, _ string) (string, any) { return fmt.Sprintf(format, id(t, m)), body }
}

func shared(f func(m *mx) int64) func(*testing.T, *mx) int64 {
	return func(_ *testing.T, m *mx) int64 { return f(m) }
}

func fresh(f func(*mx, *testing.T) int64) func(*testing.T, *mx) int64 {
	return func(t *testing.T, m *mx) int64 { return f(m, t) }
}

var (
	pubTicket      = shared(func(m *mx) int64 { return m.pub })
	privTicket     = shared(func(m *mx) int64 { return m.priv })
	freshPub       = fresh(func(m *mx, t *testing.T) int64 { return m.newTicket(t, false, "fresh") })
	freshPriv      = fresh(func(m *mx, t *testing.T) int64 { return m.newTicket(t, true, "fresh") })
	endUserID      = shared(func(m *mx) int64 { return m.a.EndUser.ID })
	agentID        = shared(func(m *mx) int64 { return m.a.Agent.ID })
	ownerID        = shared(func(m *mx) int64 { return m.a.Admin.ID })
	freshEndUser   = fresh(func(m *mx, t *testing.T) int64 { return m.newUser(t, desk.RoleEndUser) })
	freshAgentUser = fresh(func(m *mx, t *testing.T) int64 { return m.newUser(t, desk.RoleAgent) })
)

// listHas reports whether body's list key holds a record with id.
func listHas(body map[string]any, key string, id int64) bool {
	list, _ := body[key].([]any)
	for _, v := range list {
		if rec, ok := v.(map[string]any); ok && int64(pNum(rec, "id")) == id {
			return true
		}
	}
	return false
}

func expectPrivate(key string) func(*testing.T, *mx, string, map[string]any) {
	return func(t *testing.T, m *mx, role string, body map[string]any) {
		if got := listHas(body, key, m.priv); got != m.canSeePrivate[role] {
			t.Errorf("%s: private ticket listed = %v, want %v", role, got, m.canSeePrivate[role])
		}
	}
}

func expectEndUser(key string) func(*testing.T, *mx, string, map[string]any) {
	return func(t *testing.T, m *mx, role string, body map[string]any) {
		want := m.seesEnds[role] || role == "end-user"
		if got := listHas(body, key, m.a.EndUser.ID); got != want {
			t.Errorf("%s: end-user listed = %v, want %v", role, got, want)
		}
	}
}

// Expectation rows used by many routes.
const (
	allOK       = "200 200 200 200 200 200 200 401 200"
	staffOK     = "200 200 200 200 200 200 403 401 200" // staff read; end-users forbidden
	staffOK404  = "200 200 200 200 200 200 404 401 200" // staff read; end-users see nothing there
	adminOnly   = "200 200 403 403 403 403 403 401 403"
	adminCreate = "201 201 403 403 403 403 403 401 403"
	adminDelete = "204 204 403 403 403 403 403 401 403"
	// Group and organization writes: manage_groups_orgs (admins here);
	// end-users cannot even see the record.
	groupWrite  = "200 200 403 403 403 403 404 401 403"
	groupDelete = "204 204 403 403 403 403 404 401 403"
	// Ticket reads: the public ticket (Support), the private one (VIP).
	pubRead  = "200 200 200 200 200 404 200 401 200"
	privRead = "200 404 200 404 404 404 200 401 404"
)

// Suspended tickets (p7-in): admins and agents who see all tickets and
// edit them; not light agents or restricted roles.
const (
	suspendedRead   = "200 200 200 403 403 403 403 401 200"
	suspendedDelete = "204 204 204 403 403 403 403 401 204"
)

var matrix = []mcase{
	{route: "GET /api/v2/suspended_tickets", want: suspendedRead, req: path("/api/v2/suspended_tickets")},
	{route: "GET /api/v2/suspended_tickets/{id}", want: suspendedRead, req: idPath("/api/v2/suspended_tickets/%d", fresh((*mx).newSuspended), nil)},
	{route: "PUT /api/v2/suspended_tickets/{id}/recover", want: suspendedRead, req: idPath("/api/v2/suspended_tickets/%d/recover", fresh((*mx).newSuspended), nil)},
	{route: "PUT /api/v2/suspended_tickets/recover_many", want: suspendedRead, req: func(t *testing.T, m *mx, _ string) (string, any) {
		return fmt.Sprintf("/api/v2/suspended_tickets/recover_many?ids=%d,%d", m.newSuspended(t), m.newSuspended(t)), nil
	}},
	{route: "DELETE /api/v2/suspended_tickets/{id}", want: suspendedDelete, req: idPath("/api/v2/suspended_tickets/%d", fresh((*mx).newSuspended), nil)},
	{route: "DELETE /api/v2/suspended_tickets/destroy_many", want: suspendedDelete, req: func(t *testing.T, m *mx, _ string) (string, any) {
		return fmt.Sprintf("/api/v2/suspended_tickets/destroy_many?ids=%d,%d", m.newSuspended(t), m.newSuspended(t)), nil
	}},
	// --- custom roles: admins only ---
	// Support addresses (p7-out): admins only.
	{route: "GET /api/v2/recipient_addresses", want: adminOnly, req: path("/api/v2/recipient_addresses")},
	{route: "POST /api/v2/recipient_addresses", want: adminCreate, req: func(_ *testing.T, m *mx, role string) (string, any) {
		return "/api/v2/recipient_addresses", map[string]any{"recipient_address": map[string]any{"email": m.uniq("support-"+role+"-") + "@example.com"}}
	}},
	{route: "GET /api/v2/recipient_addresses/{id}", want: adminOnly, req: idPath("/api/v2/recipient_addresses/%d", fresh((*mx).newMailbox), nil)},
	{route: "PUT /api/v2/recipient_addresses/{id}", want: adminOnly, req: idPath("/api/v2/recipient_addresses/%d", fresh((*mx).newMailbox),
		map[string]any{"recipient_address": map[string]any{"name": "Renamed"}})},
	{route: "DELETE /api/v2/recipient_addresses/{id}", want: adminDelete, req: idPath("/api/v2/recipient_addresses/%d", fresh((*mx).newMailbox), nil)},
	{route: "PUT /api/v2/recipient_addresses/{id}/verify", want: adminOnly, req: idPath("/api/v2/recipient_addresses/%d/verify", fresh((*mx).newMailbox),
		map[string]any{"type": "forwarding"})},
	{route: "GET /api/v2/custom_roles", want: adminOnly, req: path("/api/v2/custom_roles")},
	{route: "POST /api/v2/custom_roles", want: adminCreate, req: func(_ *testing.T, m *mx, role string) (string, any) {
		return "/api/v2/custom_roles", map[string]any{"custom_role": map[string]any{"name": m.uniq("New role " + role),
			"configuration": map[string]any{"ticket_access": "groups"}}}
	}},
	{route: "GET /api/v2/custom_roles/{id}", want: adminOnly, req: idPath("/api/v2/custom_roles/%d", shared(func(m *mx) int64 { return m.groupsRole }), nil)},
	{route: "PUT /api/v2/custom_roles/{id}", want: adminOnly, req: idPath("/api/v2/custom_roles/%d", fresh((*mx).newRole),
		map[string]any{"custom_role": map[string]any{"configuration": map[string]any{"delete_tickets": true}}})},
	{route: "DELETE /api/v2/custom_roles/{id}", want: adminDelete, req: idPath("/api/v2/custom_roles/%d", fresh((*mx).newRole), nil)},

	// --- account owner ---
	{route: "GET /api/v2/account/owner", want: staffOK, req: path("/api/v2/account/owner")},
	{route: "POST /api/v2/account/owner", note: "to the current owner (no-op)", want: "200 403 403 403 403 403 403 401 403",
		req: func(_ *testing.T, m *mx, _ string) (string, any) {
			return "/api/v2/account/owner", map[string]any{"user_id": m.a.Admin.ID}
		}},

	{route: "POST /api/v2/account/owner", note: "to the second admin", want: "200 403 403 403 403 403 403 401 403",
		req: func(t *testing.T, m *mx, _ string) (string, any) {
			// Every role starts from the first admin owning the account.
			if _, err := m.a.srv.People.TransferOwnership(m.sys, m.a.Admin.ID); err != nil {
				t.Fatal(err)
			}
			return "/api/v2/account/owner", map[string]any{"user_id": m.users["admin"].ID}
		},
		check: func(t *testing.T, m *mx, role string, body map[string]any) {
			if o, _ := body["owner"].(map[string]any); pNum(o, "id") != m.users["admin"].ID || o["is_owner"] != true {
				t.Errorf("%s: new owner %v", role, body["owner"])
			}
		}},

	// --- admin overview ---
	{route: "GET /api/v2/users/inactive", want: adminOnly, req: path("/api/v2/users/inactive?days=1")},
	{route: "PUT /api/v2/users/update_many", note: "suspend an end-user", want: adminOnly, req: func(t *testing.T, m *mx, _ string) (string, any) {
		return fmt.Sprintf("/api/v2/users/update_many?ids=%d", m.newUser(t, desk.RoleEndUser)), map[string]any{"user": map[string]any{"suspended": true}}
	}},

	// --- misc ---
	{route: "GET /api/v2/job_statuses/{id}", note: "the agent's job", want: "200 200 200 404 404 404 404 401 404",
		req: func(_ *testing.T, m *mx, _ string) (string, any) { return "/api/v2/job_statuses/" + m.jobID, nil }},

	// --- p6b-people: job status lists, users' bulk family ---
	{route: "GET /api/v2/job_statuses", note: "own jobs; admins all", want: allOK, req: path("/api/v2/job_statuses"),
		check: func(t *testing.T, m *mx, role string, body map[string]any) { m.expectJob(t, role, body) }},
	{route: "GET /api/v2/job_statuses/show_many", note: "the agent's job", want: allOK,
		req: func(_ *testing.T, m *mx, _ string) (string, any) {
			return "/api/v2/job_statuses/show_many?ids=" + m.jobID + ",nosuchjob", nil
		},
		check: func(t *testing.T, m *mx, role string, body map[string]any) { m.expectJob(t, role, body) }},
	{route: "POST /api/v2/users/create_many", note: "end-users", want: "200 200 200 403 403 403 403 401 200",
		req: func(_ *testing.T, m *mx, _ string) (string, any) {
			return "/api/v2/users/create_many", map[string]any{"users": []map[string]any{{"name": "Many", "email": m.uniq("many") + "@matrix.test"}}}
		}},
	{route: "POST /api/v2/users/create_or_update_many", note: "end-users", want: "200 200 200 403 403 403 403 401 200",
		req: func(_ *testing.T, m *mx, _ string) (string, any) {
			return "/api/v2/users/create_or_update_many", map[string]any{"users": []map[string]any{{"name": "CoUMany", "email": m.uniq("coumany") + "@matrix.test"}}}
		}},
	{route: "DELETE /api/v2/users/destroy_many", note: "an end-user", want: adminOnly, req: func(t *testing.T, m *mx, _ string) (string, any) {
		return fmt.Sprintf("/api/v2/users/destroy_many?ids=%d", m.newUser(t, desk.RoleEndUser)), nil
	}},
	{route: "GET /api/v2/organizations/count", note: "end-users count their own", want: allOK, req: path("/api/v2/organizations/count")},
	{route: "GET /api/v2/organizations/autocomplete", want: staffOK, req: path("/api/v2/organizations/autocomplete?name=or")},
	{route: "POST /api/v2/organizations/create_or_update", note: "creates", want: adminCreate, req: func(_ *testing.T, m *mx, _ string) (string, any) {
		return "/api/v2/organizations/create_or_update", map[string]any{"organization": map[string]any{"name": m.uniq("CoU org ")}}
	}},
	{route: "POST /api/v2/organizations/create_many", want: adminOnly, req: func(_ *testing.T, m *mx, _ string) (string, any) {
		return "/api/v2/organizations/create_many", map[string]any{"organizations": []map[string]any{{"name": m.uniq("Many org ")}}}
	}},
	{route: "PUT /api/v2/organizations/update_many", want: adminOnly, req: func(t *testing.T, m *mx, _ string) (string, any) {
		return fmt.Sprintf("/api/v2/organizations/update_many?ids=%d", m.newOrg(t)), map[string]any{"organization": map[string]any{"notes": "n"}}
	}},
	{route: "DELETE /api/v2/organizations/destroy_many", want: adminOnly, req: func(t *testing.T, m *mx, _ string) (string, any) {
		return fmt.Sprintf("/api/v2/organizations/destroy_many?ids=%d", m.newOrg(t)), nil
	}},
	{route: "GET /api/v2/search", note: "private ticket only to those who see it", want: allOK,
		req: path("/api/v2/search?query=zebraprivate"), check: expectPrivate("results")},
	{route: "GET /api/v2/search/count", want: allOK, req: path("/api/v2/search/count?query=zebraprivate"),
		check: func(t *testing.T, m *mx, role string, body map[string]any) {
			want := int64(0)
			if m.canSeePrivate[role] {
				want = 1
			}
			if got := pNum(body, "count"); got != want {
				t.Errorf("%s: search count %d, want %d", role, got, want)
			}
		}},
	// Counts come from the same visibility as results (view_end_users).
	{route: "GET /api/v2/search", note: "type:user: count matches the visible results", want: allOK,
		req: path("/api/v2/search?query=type:user%20erin"), check: expectUserCount("results")},
	{route: "GET /api/v2/search/count", note: "type:user: hidden end-users not counted", want: allOK,
		req: path("/api/v2/search/count?query=type:user%20erin"),
		check: func(t *testing.T, m *mx, role string, body map[string]any) {
			want := int64(0)
			if m.seesEnds[role] {
				want = 1
			}
			if got := pNum(body, "count"); got != want {
				t.Errorf("%s: user count %d, want %d", role, got, want)
			}
		}},

	// --- users ---
	{route: "GET /api/v2/users", want: staffOK, req: path("/api/v2/users"), check: expectEndUser("users")},
	{route: "POST /api/v2/users", note: "an end-user", want: "201 201 201 403 403 403 403 401 201",
		req: func(_ *testing.T, m *mx, _ string) (string, any) {
			return "/api/v2/users", map[string]any{"user": map[string]any{"name": "New", "email": m.uniq("new") + "@matrix.test"}}
		}},
	{route: "GET /api/v2/users/me", want: allOK, req: path("/api/v2/users/me")},
	{route: "GET /api/v2/users/show_many", want: allOK, req: func(_ *testing.T, m *mx, _ string) (string, any) {
		return fmt.Sprintf("/api/v2/users/show_many?ids=%d,%d", m.a.EndUser.ID, m.a.Agent.ID), nil
	}, check: expectEndUser("users")},
	{route: "GET /api/v2/users/search", want: staffOK, req: path("/api/v2/users/search?query=erin"), check: expectEndUser("users")},
	{route: "GET /api/v2/users/search", note: "count matches the visible results", want: staffOK,
		req: path("/api/v2/users/search?query=erin"), check: expectUserCount("users")},
	{route: "POST /api/v2/users", note: "an end-user marked verified: admins only", want: adminCreate,
		req: func(_ *testing.T, m *mx, _ string) (string, any) {
			return "/api/v2/users", map[string]any{"user": map[string]any{"name": "Verified", "email": m.uniq("verified") + "@matrix.test", "verified": true}}
		}},
	{route: "PUT /api/v2/users/{id}", note: "mark an end-user verified: admins only", want: "200 200 403 403 403 404 404 401 403",
		req: idPath("/api/v2/users/%d", freshEndUser, map[string]any{"user": map[string]any{"verified": true}})},
	{route: "PUT /api/v2/users/{id}", note: "default group: the private group", want: "200 403 403 403 403 403 404 401 403",
		req: func(t *testing.T, m *mx, _ string) (string, any) {
			return fmt.Sprintf("/api/v2/users/%d", m.newUser(t, desk.RoleAgent)), map[string]any{"user": map[string]any{"default_group_id": m.vip}}
		}},
	{route: "POST /api/v2/users/create_or_update", note: "creates an end-user", want: "201 201 201 403 403 403 403 401 201",
		req: func(_ *testing.T, m *mx, _ string) (string, any) {
			return "/api/v2/users/create_or_update", map[string]any{"user": map[string]any{"name": "CoU", "email": m.uniq("cou") + "@matrix.test"}}
		}},
	{route: "GET /api/v2/users/{id}", note: "end-user target", want: "200 200 200 200 200 404 200 401 200",
		req: idPath("/api/v2/users/%d", endUserID, nil)},
	{route: "GET /api/v2/users/{id}", note: "agent target", want: staffOK404, req: idPath("/api/v2/users/%d", agentID, nil)},
	{route: "PUT /api/v2/users/{id}", note: "end-user target", want: "200 200 200 403 403 404 404 401 200",
		req: idPath("/api/v2/users/%d", freshEndUser, map[string]any{"user": map[string]any{"notes": "n"}})},
	{route: "PUT /api/v2/users/{id}", note: "agent target", want: "200 200 403 403 403 403 404 401 403",
		req: idPath("/api/v2/users/%d", freshAgentUser, map[string]any{"user": map[string]any{"notes": "n"}})},
	{route: "PUT /api/v2/users/{id}", note: "demote the owner", want: "403 403 403 403 403 403 404 401 403",
		req: idPath("/api/v2/users/%d", ownerID, map[string]any{"user": map[string]any{"role": "agent"}})},
	{route: "PUT /api/v2/users/{id}", note: "suspend the owner", want: "403 403 403 403 403 403 404 401 403",
		req: idPath("/api/v2/users/%d", ownerID, map[string]any{"user": map[string]any{"suspended": true}})},
	{route: "DELETE /api/v2/users/{id}", note: "end-user target", want: "200 200 403 403 403 404 404 401 403",
		req: idPath("/api/v2/users/%d", freshEndUser, nil)},
	{route: "DELETE /api/v2/users/{id}", note: "the owner", want: "403 403 403 403 403 403 404 401 403",
		req: idPath("/api/v2/users/%d", ownerID, nil)},
	{route: "PUT /api/v2/users/{id}/password", note: "own, wrong previous password", want: "422 422 422 422 422 422 422 401 422",
		req: func(_ *testing.T, m *mx, role string) (string, any) {
			return fmt.Sprintf("/api/v2/users/%d/password", m.users[role].ID),
				map[string]any{"previous_password": "not the password", "password": "a brand new Tuesday 1984 lighthouse"}
		}},
	{route: "PUT /api/v2/users/{id}/password", note: "someone else's", want: "403 403 403 403 403 403 403 401 403",
		req: idPath("/api/v2/users/%d/password", freshEndUser,
			map[string]any{"previous_password": "x", "password": "a brand new Tuesday 1984 lighthouse"})},
	{route: "GET /api/v2/users/{id}/identities", want: "200 200 200 200 200 404 200 401 200",
		req: idPath("/api/v2/users/%d/identities", endUserID, nil)},
	{route: "POST /api/v2/users/{id}/identities", want: "201 201 201 403 403 404 404 401 201",
		req: func(t *testing.T, m *mx, _ string) (string, any) {
			return fmt.Sprintf("/api/v2/users/%d/identities", m.newUser(t, desk.RoleEndUser)),
				map[string]any{"identity": map[string]any{"type": "email", "value": m.uniq("alias") + "@matrix.test"}}
		}},
	{route: "GET /api/v2/users/{id}/identities/{identity_id}", want: "200 200 200 200 200 404 200 401 200",
		req: func(_ *testing.T, m *mx, _ string) (string, any) {
			return fmt.Sprintf("/api/v2/users/%d/identities/%d", m.a.EndUser.ID, m.identity), nil
		}},
	{route: "GET /api/v2/users/{id}/group_memberships", want: staffOK404, req: idPath("/api/v2/users/%d/group_memberships", agentID, nil)},
	{route: "POST /api/v2/users/{id}/group_memberships", want: adminCreate, req: func(t *testing.T, m *mx, _ string) (string, any) {
		return fmt.Sprintf("/api/v2/users/%d/group_memberships", m.newUser(t, desk.RoleAgent)),
			map[string]any{"group_membership": map[string]any{"group_id": m.a.SupportGroupID}}
	}},

	// --- organizations ---
	{route: "GET /api/v2/organizations", want: allOK, req: path("/api/v2/organizations")},
	{route: "POST /api/v2/organizations", want: adminCreate, req: func(_ *testing.T, m *mx, _ string) (string, any) {
		return "/api/v2/organizations", map[string]any{"organization": map[string]any{"name": m.uniq("New org ")}}
	}},
	{route: "GET /api/v2/organizations/show_many", want: allOK, req: idPath("/api/v2/organizations/show_many?ids=%d", shared(func(m *mx) int64 { return m.org }), nil)},
	{route: "GET /api/v2/organizations/search", want: allOK, req: path("/api/v2/organizations/search?name=Org%201")},
	{route: "GET /api/v2/organizations/{id}", want: staffOK404, req: idPath("/api/v2/organizations/%d", shared(func(m *mx) int64 { return m.org }), nil)},
	{route: "PUT /api/v2/organizations/{id}", want: groupWrite, req: idPath("/api/v2/organizations/%d", fresh((*mx).newOrg),
		map[string]any{"organization": map[string]any{"notes": "n"}})},
	{route: "DELETE /api/v2/organizations/{id}", want: groupDelete, req: idPath("/api/v2/organizations/%d", fresh((*mx).newOrg), nil)},
	{route: "GET /api/v2/organizations/{id}/users", want: staffOK404, req: idPath("/api/v2/organizations/%d/users", shared(func(m *mx) int64 { return m.org }), nil)},

	// --- groups and memberships ---
	{route: "GET /api/v2/groups", want: staffOK, req: path("/api/v2/groups")},
	{route: "GET /api/v2/groups/assignable", want: staffOK, req: path("/api/v2/groups/assignable")},
	{route: "POST /api/v2/groups", want: adminCreate, req: func(_ *testing.T, m *mx, _ string) (string, any) {
		return "/api/v2/groups", map[string]any{"group": map[string]any{"name": m.uniq("New group ")}}
	}},
	{route: "GET /api/v2/groups/{id}", want: staffOK404, req: idPath("/api/v2/groups/%d", shared(func(m *mx) int64 { return m.vip }), nil)},
	{route: "PUT /api/v2/groups/{id}", want: groupWrite, req: idPath("/api/v2/groups/%d", fresh((*mx).newGroup),
		map[string]any{"group": map[string]any{"description": "d"}})},
	{route: "DELETE /api/v2/groups/{id}", want: groupDelete, req: idPath("/api/v2/groups/%d", fresh((*mx).newGroup), nil)},
	{route: "GET /api/v2/groups/{id}/memberships", want: staffOK404, req: idPath("/api/v2/groups/%d/memberships", shared(func(m *mx) int64 { return m.vip }), nil)},
	{route: "GET /api/v2/groups/{id}/users", want: staffOK404, req: idPath("/api/v2/groups/%d/users", shared(func(m *mx) int64 { return m.vip }), nil)},
	{route: "GET /api/v2/group_memberships", want: staffOK, req: path("/api/v2/group_memberships")},
	{route: "POST /api/v2/group_memberships", want: adminCreate, req: func(t *testing.T, m *mx, _ string) (string, any) {
		return "/api/v2/group_memberships", map[string]any{"group_membership": map[string]any{"user_id": m.newUser(t, desk.RoleAgent), "group_id": m.a.SupportGroupID}}
	}},
	{route: "GET /api/v2/group_memberships/{id}", want: staffOK404, req: idPath("/api/v2/group_memberships/%d", shared(func(m *mx) int64 { return m.membership }), nil)},
	{route: "DELETE /api/v2/group_memberships/{id}", want: groupDelete, req: idPath("/api/v2/group_memberships/%d", fresh((*mx).newMembership), nil)},
	// Private groups: membership and visibility changes need the owner or
	// a member (with manage_groups_orgs); none of these roles is both but
	// the owner. A private group is never made public.
	{route: "POST /api/v2/group_memberships", note: "join the private group", want: "201 403 403 403 403 403 403 401 403",
		req: func(_ *testing.T, m *mx, role string) (string, any) {
			return "/api/v2/group_memberships", map[string]any{"group_membership": map[string]any{"user_id": m.users[role].ID, "group_id": m.vip}}
		}},
	{route: "POST /api/v2/group_memberships", note: "add an agent to the private group", want: "201 403 403 403 403 403 403 401 403",
		req: func(t *testing.T, m *mx, _ string) (string, any) {
			return "/api/v2/group_memberships", map[string]any{"group_membership": map[string]any{"user_id": m.newUser(t, desk.RoleAgent), "group_id": m.vip}}
		}},
	{route: "POST /api/v2/users/{id}/group_memberships", note: "to the private group", want: "201 403 403 403 403 403 403 401 403",
		req: func(t *testing.T, m *mx, _ string) (string, any) {
			return fmt.Sprintf("/api/v2/users/%d/group_memberships", m.newUser(t, desk.RoleAgent)),
				map[string]any{"group_membership": map[string]any{"group_id": m.vip}}
		}},
	{route: "DELETE /api/v2/group_memberships/{id}", note: "of the private group", want: "204 403 403 403 403 403 404 401 403",
		req: idPath("/api/v2/group_memberships/%d", fresh((*mx).newPrivateMembership), nil)},
	{route: "PUT /api/v2/groups/{id}", note: "make a private group public", want: "422 403 403 403 403 403 404 401 403",
		req: idPath("/api/v2/groups/%d", fresh((*mx).newPrivateGroup), map[string]any{"group": map[string]any{"is_public": true}})},
	{route: "PUT /api/v2/groups/{id}", note: "rename a private group", want: "200 403 403 403 403 403 404 401 403",
		req: idPath("/api/v2/groups/%d", fresh((*mx).newPrivateGroup), map[string]any{"group": map[string]any{"name": "Renamed"}})},
	{route: "PUT /api/v2/groups/{id}", note: "make a public group private", want: "200 403 403 403 403 403 404 401 403",
		req: idPath("/api/v2/groups/%d", fresh((*mx).newGroup), map[string]any{"group": map[string]any{"is_public": false}})},
	{route: "DELETE /api/v2/groups/{id}", note: "a private group", want: "204 403 403 403 403 403 404 401 403",
		req: idPath("/api/v2/groups/%d", fresh((*mx).newPrivateGroup), nil)},

	// --- API tokens: manage_api_tokens for one's own; admins see and revoke all ---
	{route: "GET /api/v2/api_tokens", want: allOK, req: path("/api/v2/api_tokens")},
	{route: "POST /api/v2/api_tokens", want: "201 201 201 403 201 403 403 401 201", req: func(_ *testing.T, m *mx, _ string) (string, any) {
		return "/api/v2/api_tokens", map[string]any{"api_token": map[string]any{"description": "matrix", "scope": "read"}}
	}},
	{route: "POST /api/v2/api_tokens", note: "for the owner: only the owner", want: "201 403 403 403 403 403 403 401 403",
		req: func(_ *testing.T, m *mx, _ string) (string, any) {
			return "/api/v2/api_tokens", map[string]any{"api_token": map[string]any{"description": "takeover", "user_id": m.a.Admin.ID}}
		}},
	{route: "POST /api/v2/api_tokens", note: "an account token: only the owner", want: "201 403 403 403 403 403 403 401 403",
		req: func(_ *testing.T, m *mx, _ string) (string, any) {
			return "/api/v2/api_tokens", map[string]any{"api_token": map[string]any{"description": "account", "account": true}}
		}},
	{route: "GET /api/v2/api_tokens/{id}", note: "the agent's token", want: "200 200 200 404 404 404 404 401 404",
		req: idPath("/api/v2/api_tokens/%d", shared(func(m *mx) int64 { return m.agentToken }), nil)},
	{route: "DELETE /api/v2/api_tokens/{id}", note: "the agent's token", want: "204 204 204 404 404 404 404 401 404",
		req: idPath("/api/v2/api_tokens/%d", fresh((*mx).newAgentToken), nil)},
	// The owner's tokens are the owner's alone: other admins neither list nor revoke them.
	{route: "GET /api/v2/api_tokens", note: "the owner's tokens only to the owner", want: allOK, req: path("/api/v2/api_tokens"),
		check: func(t *testing.T, m *mx, role string, body map[string]any) {
			list, _ := body["api_tokens"].([]any)
			for _, v := range list {
				if tk, _ := v.(map[string]any); pNum(tk, "user_id") == m.a.Admin.ID && role != "owner" {
					t.Errorf("%s: lists the owner's token %v", role, tk)
				}
			}
		}},
	{route: "GET /api/v2/api_tokens/{id}", note: "the owner's token", want: "200 404 404 404 404 404 404 401 404",
		req: idPath("/api/v2/api_tokens/%d", fresh((*mx).newOwnerToken), nil)},
	{route: "DELETE /api/v2/api_tokens/{id}", note: "the owner's token", want: "204 404 404 404 404 404 404 401 404",
		req: idPath("/api/v2/api_tokens/%d", fresh((*mx).newOwnerToken), nil)},

	// --- OAuth clients: admins; OAuth tokens: one's own, admins all but the owner's ---
	{route: "GET /api/v2/oauth/clients", want: adminOnly, req: path("/api/v2/oauth/clients")},
	{route: "POST /api/v2/oauth/clients", want: adminCreate, req: func(_ *testing.T, m *mx, _ string) (string, any) {
		return "/api/v2/oauth/clients", map[string]any{"client": map[string]any{"name": "Matrix app", "identifier": m.uniq("matrix-app-"),
			"redirect_uri": []string{"https://app.example/cb"}}}
	}},
	{route: "GET /api/v2/oauth/clients/{id}", want: adminOnly, req: idPath("/api/v2/oauth/clients/%d", fresh((*mx).newOAuthClient), nil)},
	{route: "PUT /api/v2/oauth/clients/{id}", want: adminOnly, req: idPath("/api/v2/oauth/clients/%d", fresh((*mx).newOAuthClient),
		map[string]any{"client": map[string]any{"name": "Renamed app"}})},
	{route: "PUT /api/v2/oauth/clients/{id}/generate_secret", want: adminOnly,
		req: idPath("/api/v2/oauth/clients/%d/generate_secret", fresh((*mx).newOAuthClient), nil)},
	{route: "DELETE /api/v2/oauth/clients/{id}", want: adminDelete, req: idPath("/api/v2/oauth/clients/%d", fresh((*mx).newOAuthClient), nil)},
	{route: "GET /api/v2/oauth/tokens", want: allOK, req: path("/api/v2/oauth/tokens")},
	{route: "POST /api/v2/oauth/tokens", want: adminCreate, req: func(t *testing.T, m *mx, _ string) (string, any) {
		return "/api/v2/oauth/tokens", map[string]any{"token": map[string]any{"client_id": m.newOAuthClient(t), "scopes": []string{"read"}}}
	}},
	{route: "GET /api/v2/oauth/tokens/{id}", note: "the agent's token", want: "200 200 200 404 404 404 404 401 404",
		req: idPath("/api/v2/oauth/tokens/%d", fresh((*mx).newAgentOAuthToken), nil)},
	{route: "DELETE /api/v2/oauth/tokens/{id}", note: "the agent's token", want: "204 204 204 404 404 404 404 401 404",
		req: idPath("/api/v2/oauth/tokens/%d", fresh((*mx).newAgentOAuthToken), nil)},
	{route: "GET /api/v2/oauth/tokens/{id}", note: "the owner's token", want: "200 404 404 404 404 404 404 401 404",
		req: idPath("/api/v2/oauth/tokens/%d", fresh((*mx).newOwnerOAuthToken), nil)},
	{route: "DELETE /api/v2/oauth/tokens/{id}", note: "the owner's token", want: "204 404 404 404 404 404 404 401 404",
		req: idPath("/api/v2/oauth/tokens/%d", fresh((*mx).newOwnerOAuthToken), nil)},
	// "current" is the OAuth token of the request: none with an API token.
	{route: "GET /api/v2/oauth/tokens/current", want: "404 404 404 404 404 404 404 401 404", req: path("/api/v2/oauth/tokens/current")},
	{route: "DELETE /api/v2/oauth/tokens/current", want: "404 404 404 404 404 404 404 401 404", req: path("/api/v2/oauth/tokens/current")},

	// --- tickets ---
	{route: "GET /api/v2/tickets", want: allOK, req: path("/api/v2/tickets"), check: expectPrivate("tickets")},
	{route: "GET /api/v2/tickets/count", want: allOK, req: path("/api/v2/tickets/count")},
	{route: "GET /api/v2/tickets/show_many", want: allOK, req: func(_ *testing.T, m *mx, _ string) (string, any) {
		return fmt.Sprintf("/api/v2/tickets/show_many?ids=%d,%d", m.pub, m.priv), nil
	}, check: expectPrivate("tickets")},
	{route: "POST /api/v2/tickets", want: "201 201 201 201 201 201 201 401 201", req: func(*testing.T, *mx, string) (string, any) {
		return "/api/v2/tickets", map[string]any{"ticket": map[string]any{"subject": "New", "comment": map[string]any{"body": "hello"}}}
	}},
	{route: "POST /api/v2/tickets/create_many", note: "queued; rules apply per record", want: allOK, req: func(*testing.T, *mx, string) (string, any) {
		return "/api/v2/tickets/create_many", map[string]any{"tickets": []any{map[string]any{"comment": map[string]any{"body": "bulk"}}}}
	}},
	{route: "PUT /api/v2/tickets/update_many", note: "queued; rules apply per record", want: allOK,
		req: idPath("/api/v2/tickets/update_many?ids=%d", freshPub, map[string]any{"ticket": map[string]any{"priority": "high"}})},
	{route: "DELETE /api/v2/tickets/destroy_many", note: "queued; rules apply per record", want: allOK,
		req: idPath("/api/v2/tickets/destroy_many?ids=%d", freshPub, nil)},
	{route: "GET /api/v2/tickets/{id}", note: "public group", want: pubRead, req: idPath("/api/v2/tickets/%d", pubTicket, nil)},
	{route: "GET /api/v2/tickets/{id}", note: "private group", want: privRead, req: idPath("/api/v2/tickets/%d", privTicket, nil)},
	{route: "GET /api/v2/tickets/{id}", note: "assigned to the assigned-only agent", want: allOK,
		req: idPath("/api/v2/tickets/%d", shared(func(m *mx) int64 { return m.assignedTk }), nil)},
	{route: "PUT /api/v2/tickets/{id}", note: "property, public group", want: "200 200 200 403 200 404 403 401 200",
		req: idPath("/api/v2/tickets/%d", freshPub, map[string]any{"ticket": map[string]any{"priority": "high"}})},
	{route: "PUT /api/v2/tickets/{id}", note: "property, private group", want: "200 404 200 404 404 404 403 401 404",
		req: idPath("/api/v2/tickets/%d", freshPriv, map[string]any{"ticket": map[string]any{"priority": "high"}})},
	{route: "PUT /api/v2/tickets/{id}", note: "public reply", want: "200 200 200 200 200 404 200 401 200",
		req: idPath("/api/v2/tickets/%d", freshPub, map[string]any{"ticket": map[string]any{"comment": map[string]any{"body": "reply", "public": true}}}),
		check: func(t *testing.T, m *mx, role string, body map[string]any) {
			audit, _ := body["audit"].(map[string]any)
			evs, _ := audit["events"].([]any)
			if len(evs) == 0 {
				t.Errorf("%s: no audit events: %v", role, body)
				return
			}
			last, _ := evs[len(evs)-1].(map[string]any)
			if want := role != "light"; last["public"] != want {
				t.Errorf("%s: comment public = %v, want %v", role, last["public"], want)
			}
		}},
	{route: "DELETE /api/v2/tickets/{id}", note: "public group", want: "204 204 204 403 403 404 403 401 204",
		req: idPath("/api/v2/tickets/%d", freshPub, nil)},
	{route: "DELETE /api/v2/tickets/{id}", note: "private group", want: "204 404 204 404 404 404 403 401 404",
		req: idPath("/api/v2/tickets/%d", freshPriv, nil)},
	{route: "POST /api/v2/tickets/{id}/merge", note: "public group", want: "200 200 200 403 403 403 403 401 200",
		req: func(t *testing.T, m *mx, _ string) (string, any) {
			return fmt.Sprintf("/api/v2/tickets/%d/merge", m.newTicket(t, false, "target")), map[string]any{"ids": []int64{m.newTicket(t, false, "source")}}
		}},
	{route: "POST /api/v2/tickets/{id}/merge", note: "into a private-group ticket", want: "200 404 200 403 403 403 403 401 404",
		req: func(t *testing.T, m *mx, _ string) (string, any) {
			return fmt.Sprintf("/api/v2/tickets/%d/merge", m.newTicket(t, true, "target")), map[string]any{"ids": []int64{m.newTicket(t, false, "source")}}
		}},
	{route: "POST /api/v2/tickets/{id}/merge", note: "merge comments", want: "200 200 200 403 403 403 403 401 200",
		req: func(t *testing.T, m *mx, _ string) (string, any) {
			m.mergeTarget = m.newTicket(t, false, "target")
			return fmt.Sprintf("/api/v2/tickets/%d/merge", m.mergeTarget), map[string]any{"ids": []int64{m.newTicket(t, false, "source")},
				"target_comment": "matrix merge note", "target_comment_is_public": true}
		},
		// The caller's text is posted with the caller's rights: public only
		// for roles with public_comments (every role that may merge here;
		// TestMergeCommentsKeepCallerRights covers one that may not).
		check: func(t *testing.T, m *mx, role string, _ map[string]any) {
			cs, _, err := m.a.srv.Tickets.Comments(m.sys, m.mergeTarget, 0, 100, false)
			if err != nil {
				t.Fatal(err)
			}
			last := cs[len(cs)-1]
			if last.Body != "matrix merge note" || last.AuthorID != m.users[role].ID || !last.Public {
				t.Errorf("%s: merge note %+v, want the caller's public note", role, last)
			}
		}},
	{route: "GET /api/v2/tickets/{id}/comments", note: "public group", want: pubRead, req: idPath("/api/v2/tickets/%d/comments", pubTicket, nil)},
	{route: "GET /api/v2/tickets/{id}/comments", note: "private group", want: privRead, req: idPath("/api/v2/tickets/%d/comments", privTicket, nil)},
	{route: "GET /api/v2/tickets/{id}/audits", note: "public group", want: "200 200 200 200 200 404 403 401 200",
		req: idPath("/api/v2/tickets/%d/audits", pubTicket, nil)},
	{route: "GET /api/v2/tickets/{id}/audits", note: "private group", want: "200 404 200 404 404 404 403 401 404",
		req: idPath("/api/v2/tickets/%d/audits", privTicket, nil)},
	{route: "GET /api/v2/tickets/{id}/incidents", note: "private group", want: privRead, req: idPath("/api/v2/tickets/%d/incidents", privTicket, nil)},
	{route: "GET /api/v2/tickets/{id}/tags", note: "private group", want: privRead, req: idPath("/api/v2/tickets/%d/tags", privTicket, nil)},
	{route: "POST /api/v2/tickets/{id}/tags", note: "public group", want: "200 200 200 403 200 404 403 401 200",
		req: idPath("/api/v2/tickets/%d/tags", freshPub, map[string]any{"tags": []string{"added"}})},
	{route: "PUT /api/v2/tickets/{id}/tags", note: "private group", want: "200 404 200 404 404 404 403 401 404",
		req: idPath("/api/v2/tickets/%d/tags", freshPriv, map[string]any{"tags": []string{"added"}})},
	{route: "DELETE /api/v2/tickets/{id}/tags", note: "public group", want: "200 200 200 403 200 404 403 401 200",
		req: idPath("/api/v2/tickets/%d/tags", freshPub, map[string]any{"tags": []string{"vip"}})},
	// --- p6-tickets: spam, comment privacy, audits, a ticket's people ---
	{route: "PUT /api/v2/tickets/{id}/mark_as_spam", note: "public group", want: "200 200 200 403 403 404 404 401 200",
		req: idPath("/api/v2/tickets/%d/mark_as_spam", fresh(func(m *mx, t *testing.T) int64 { return m.spamTicket(t, false) }), map[string]any{})},
	{route: "PUT /api/v2/tickets/{id}/mark_as_spam", note: "private group", want: "200 404 200 404 404 404 404 401 404",
		req: idPath("/api/v2/tickets/%d/mark_as_spam", fresh(func(m *mx, t *testing.T) int64 { return m.spamTicket(t, true) }), map[string]any{})},
	{route: "PUT /api/v2/tickets/mark_many_as_spam", note: "rules apply per ticket", want: "200 200 200 403 403 403 403 401 200",
		req: idPath("/api/v2/tickets/mark_many_as_spam?ids=%d", fresh(func(m *mx, t *testing.T) int64 { return m.spamTicket(t, false) }), map[string]any{})},
	{route: "PUT /api/v2/tickets/{id}/comments/{comment_id}/make_private", note: "public group", want: "200 200 200 403 200 404 403 401 200",
		req: firstCommentPath(false)},
	{route: "PUT /api/v2/tickets/{id}/comments/{comment_id}/make_private", note: "private group", want: "200 404 200 404 404 404 403 401 404",
		req: firstCommentPath(true)},
	{route: "GET /api/v2/tickets/{id}/audits/{audit_id}", note: "public group", want: "200 200 200 200 200 404 403 401 200",
		req: firstAuditPath(false)},
	{route: "GET /api/v2/tickets/{id}/audits/{audit_id}", note: "private group", want: "200 404 200 404 404 404 403 401 404",
		req: firstAuditPath(true)},
	{route: "GET /api/v2/ticket_audits", note: "admins; a private group's audits only to those who see it", want: adminOnly,
		req: func(t *testing.T, m *mx, _ string) (string, any) {
			// A fresh audit on the private ticket, so it is on the first page.
			if _, _, err := m.a.srv.Tickets.Update(m.sys, m.priv, ticket.Input{AdditionalTags: []string{m.uniq("audited")}}); err != nil {
				t.Fatal(err)
			}
			return "/api/v2/ticket_audits?page[size]=100", nil
		},
		check: func(t *testing.T, m *mx, role string, body map[string]any) {
			list, _ := body["audits"].([]any)
			seen := false
			for _, v := range list {
				if a, _ := v.(map[string]any); pNum(a, "ticket_id") == m.priv {
					seen = true
				}
			}
			if seen != m.canSeePrivate[role] {
				t.Errorf("%s: private ticket's audits listed = %v", role, seen)
			}
		}},
	{route: "GET /api/v2/tickets/{id}/collaborators", note: "public group", want: "200 200 200 200 200 404 403 401 200",
		req: idPath("/api/v2/tickets/%d/collaborators", pubTicket, nil)},
	{route: "GET /api/v2/tickets/{id}/collaborators", note: "private group", want: "200 404 200 404 404 404 403 401 404",
		req: idPath("/api/v2/tickets/%d/collaborators", privTicket, nil)},
	{route: "GET /api/v2/tickets/{id}/followers", note: "public group", want: "200 200 200 200 200 404 403 401 200",
		req: idPath("/api/v2/tickets/%d/followers", pubTicket, nil)},
	{route: "GET /api/v2/tickets/{id}/email_ccs", note: "private group", want: "200 404 200 404 404 404 403 401 404",
		req: idPath("/api/v2/tickets/%d/email_ccs", privTicket, nil)},
	// --- end p6-tickets ---
	{route: "GET /api/v2/deleted_tickets", want: staffOK, req: path("/api/v2/deleted_tickets")},
	{route: "PUT /api/v2/deleted_tickets/{id}/restore", want: "200 200 200 403 403 404 404 401 200",
		req: idPath("/api/v2/deleted_tickets/%d/restore", fresh((*mx).deletedTicket), map[string]any{})},
	{route: "DELETE /api/v2/deleted_tickets/{id}", note: "a job status", want: "200 200 403 403 403 404 404 401 403",
		req: idPath("/api/v2/deleted_tickets/%d", fresh((*mx).deletedTicket), nil)},
	{route: "PUT /api/v2/deleted_tickets/restore_many", want: "200 200 200 403 403 404 404 401 200",
		req: idPath("/api/v2/deleted_tickets/restore_many?ids=%d", fresh((*mx).deletedTicket), map[string]any{})},
	{route: "DELETE /api/v2/deleted_tickets/destroy_many", note: "admins only", want: "200 200 403 403 403 403 403 401 403",
		req: idPath("/api/v2/deleted_tickets/destroy_many?ids=%d", fresh((*mx).deletedTicket), nil)},
	{route: "GET /api/v2/users/{id}/tickets/requested", want: allOK, req: idPath("/api/v2/users/%d/tickets/requested", endUserID, nil),
		check: expectPrivate("tickets")},
	{route: "GET /api/v2/users/{id}/tickets/assigned", want: allOK, req: idPath("/api/v2/users/%d/tickets/assigned", agentID, nil)},
	{route: "GET /api/v2/users/{id}/tickets/ccd", want: allOK, req: idPath("/api/v2/users/%d/tickets/ccd", endUserID, nil)},
	{route: "GET /api/v2/organizations/{id}/tickets", want: allOK, req: idPath("/api/v2/organizations/%d/tickets", shared(func(m *mx) int64 { return m.org }), nil)},
	{route: "GET /api/v2/groups/{id}/tickets", note: "the private group", want: allOK,
		req: idPath("/api/v2/groups/%d/tickets", shared(func(m *mx) int64 { return m.vip }), nil),
		check: func(t *testing.T, m *mx, role string, body map[string]any) {
			if got := listHas(body, "tickets", m.priv); got != m.canSeePrivate[role] {
				t.Errorf("%s: private ticket in group list = %v", role, got)
			}
		}},
	{route: "GET /api/v2/incremental/tickets/cursor", note: "export_data", want: "200 200 200 403 403 403 403 401 200",
		req: path("/api/v2/incremental/tickets/cursor?start_time=1"), check: expectPrivate("tickets")},
	{route: "GET /api/v2/ticket_fields", want: allOK, req: path("/api/v2/ticket_fields")},
	{route: "GET /api/v2/ticket_fields/count", want: staffOK, req: path("/api/v2/ticket_fields/count")},
	{route: "POST /api/v2/ticket_fields", want: adminCreate, req: func(_ *testing.T, m *mx, _ string) (string, any) {
		return "/api/v2/ticket_fields", map[string]any{"ticket_field": map[string]any{"type": "text", "title": m.uniq("Matrix field ")}}
	}},
	{route: "GET /api/v2/ticket_fields/{id}", want: staffOK404, req: idPath("/api/v2/ticket_fields/%d", shared(func(m *mx) int64 { return m.field }), nil)},
	{route: "PUT /api/v2/ticket_fields/{id}", want: adminOnly, req: idPath("/api/v2/ticket_fields/%d", fresh((*mx).newField),
		map[string]any{"ticket_field": map[string]any{"description": "d"}})},
	{route: "DELETE /api/v2/ticket_fields/{id}", want: adminDelete, req: idPath("/api/v2/ticket_fields/%d", fresh((*mx).newField), nil)},
	{route: "GET /api/v2/ticket_fields/{id}/options", note: "a dropdown hidden from the portal", want: staffOK404,
		req: idPath("/api/v2/ticket_fields/%d/options", fresh((*mx).newDropdown), nil)},
	{route: "POST /api/v2/ticket_fields/{id}/options", want: adminCreate, req: idPath("/api/v2/ticket_fields/%d/options", fresh((*mx).newDropdown),
		map[string]any{"custom_field_option": map[string]any{"name": "Third", "value": "third"}})},
	{route: "GET /api/v2/ticket_fields/{id}/options/{option_id}", want: staffOK404,
		req: idPath("/api/v2/ticket_fields/%d/options/1", fresh((*mx).newDropdown), nil)},
	{route: "DELETE /api/v2/ticket_fields/{id}/options/{option_id}", want: adminDelete,
		req: idPath("/api/v2/ticket_fields/%d/options/1", fresh((*mx).newDropdown), nil)},
	{route: "GET /api/v2/ticket_forms", want: allOK, req: path("/api/v2/ticket_forms")},
	{route: "POST /api/v2/ticket_forms", want: adminCreate, req: func(_ *testing.T, m *mx, _ string) (string, any) {
		return "/api/v2/ticket_forms", map[string]any{"ticket_form": map[string]any{"name": m.uniq("Matrix form ")}}
	}},
	{route: "GET /api/v2/ticket_forms/show_many", want: allOK, req: idPath("/api/v2/ticket_forms/show_many?ids=%d", fresh((*mx).newForm), nil)},
	{route: "PUT /api/v2/ticket_forms/reorder", want: adminOnly, req: func(t *testing.T, m *mx, _ string) (string, any) {
		return "/api/v2/ticket_forms/reorder", map[string]any{"ticket_form_ids": m.formIDs(t)}
	}},
	{route: "GET /api/v2/ticket_forms/{id}", want: allOK, req: idPath("/api/v2/ticket_forms/%d", fresh((*mx).newForm), nil)},
	{route: "PUT /api/v2/ticket_forms/{id}", want: adminOnly, req: idPath("/api/v2/ticket_forms/%d", fresh((*mx).newForm),
		map[string]any{"ticket_form": map[string]any{"display_name": "Shown"}})},
	{route: "DELETE /api/v2/ticket_forms/{id}", want: adminDelete, req: idPath("/api/v2/ticket_forms/%d", fresh((*mx).newForm), nil)},
	{route: "POST /api/v2/ticket_forms/{id}/clone", want: adminOnly, req: idPath("/api/v2/ticket_forms/%d/clone", fresh((*mx).newForm), nil)},
	{route: "GET /api/v2/tags", note: "a private group's tags only to those who see it", want: staffOK,
		req: func(t *testing.T, m *mx, _ string) (string, any) {
			if _, _, err := m.a.srv.Tickets.Update(m.sys, m.priv, ticket.Input{AdditionalTags: []string{"zebrasecret"}}); err != nil {
				t.Fatal(err)
			}
			return "/api/v2/tags", nil
		},
		check: func(t *testing.T, m *mx, role string, body map[string]any) {
			list, _ := body["tags"].([]any)
			seen := false
			for _, v := range list {
				if tag, _ := v.(map[string]any); tag["name"] == "zebrasecret" {
					seen = true
				}
			}
			if seen != m.canSeePrivate[role] {
				t.Errorf("%s: private group's tag listed = %v, want %v", role, seen, m.canSeePrivate[role])
			}
		}},
	{route: "POST /api/v2/uploads", want: "201 201 201 201 201 201 201 401 201", req: func(*testing.T, *mx, string) (string, any) {
		return "/api/v2/uploads?filename=matrix.txt", "file body"
	}},
	{route: "DELETE /api/v2/uploads/{token}", note: "the agent's upload", want: "404 404 204 404 404 404 404 401 404",
		req: func(t *testing.T, m *mx, _ string) (string, any) {
			return "/api/v2/uploads/" + m.newAgentUpload(t), nil
		}},
	{route: "GET /api/v2/attachments/{id}", note: "public group", want: pubRead, req: idPath("/api/v2/attachments/%d", shared(func(m *mx) int64 { return m.pubAtt }), nil)},
	{route: "GET /api/v2/attachments/{id}", note: "private group", want: privRead, req: idPath("/api/v2/attachments/%d", shared(func(m *mx) int64 { return m.privAtt }), nil)},
	{route: "GET /api/v2/attachments/{id}", note: "the agent's upload, not on a ticket yet", want: "404 404 200 404 404 404 404 401 404",
		req: idPath("/api/v2/attachments/%d", fresh((*mx).newAgentUploadID), nil)},
	{route: "GET /api/v2/attachments/{id}/content", note: "the agent's upload, not on a ticket yet", want: "404 404 200 404 404 404 404 401 404",
		req: idPath("/api/v2/attachments/%d/content", fresh((*mx).newAgentUploadID), nil)},
	{route: "GET /api/v2/attachments/{id}/content", note: "private group", want: privRead,
		req: idPath("/api/v2/attachments/%d/content", shared(func(m *mx) int64 { return m.privAtt }), nil)},
	{route: "GET /api/v2/attachments/{id}/content", note: "public group", want: pubRead,
		req: idPath("/api/v2/attachments/%d/content", shared(func(m *mx) int64 { return m.pubAtt }), nil)},
	// p6-incremental: time-based and cursor incremental exports (export_data;
	// private groups hidden from those outside them).
	{route: "GET /api/v2/incremental/tickets", note: "export_data", want: "200 200 200 403 403 403 403 401 200",
		req: path("/api/v2/incremental/tickets?start_time=1"), check: expectPrivate("tickets")},
	{route: "GET /api/v2/incremental/ticket_events", note: "export_data", want: "200 200 200 403 403 403 403 401 200",
		req: path("/api/v2/incremental/ticket_events?start_time=1&include=comment_events"),
		check: func(t *testing.T, m *mx, role string, body map[string]any) {
			list, _ := body["ticket_events"].([]any)
			got := false
			for _, v := range list {
				if ev, ok := v.(map[string]any); ok && pNum(ev, "ticket_id") == m.priv {
					got = true
				}
			}
			if got != m.canSeePrivate[role] {
				t.Errorf("%s: private ticket's events exported = %v, want %v", role, got, m.canSeePrivate[role])
			}
		}},
	{route: "GET /api/v2/incremental/users", note: "export_data", want: "200 200 200 403 403 403 403 401 200",
		req: path("/api/v2/incremental/users?start_time=1")},
	{route: "GET /api/v2/incremental/users/cursor", note: "export_data", want: "200 200 200 403 403 403 403 401 200",
		req: path("/api/v2/incremental/users/cursor?start_time=1")},
	{route: "GET /api/v2/incremental/organizations", note: "export_data", want: "200 200 200 403 403 403 403 401 200",
		req: path("/api/v2/incremental/organizations?start_time=1")},

	// --- p6-requests: the Requests API. Everyone acts as a requester
	// (staff too, as in Zendesk): the fixture's tickets are the end-user's
	// requests, not the staff's; each role's own request is theirs. ---
	{route: "GET /api/v2/requests", want: allOK, req: path("/api/v2/requests"), check: expectRequest("requests")},
	{route: "GET /api/v2/requests/solved", want: allOK, req: path("/api/v2/requests/solved")},
	{route: "GET /api/v2/requests/ccd", want: allOK, req: path("/api/v2/requests/ccd")},
	{route: "GET /api/v2/requests/search", want: allOK, req: path("/api/v2/requests/search?query=zebrapublic"), check: expectRequest("requests")},
	{route: "POST /api/v2/requests", want: "201 201 201 201 201 201 201 401 201", req: func(_ *testing.T, m *mx, role string) (string, any) {
		return "/api/v2/requests", map[string]any{"request": map[string]any{"subject": "Matrix request " + role, "comment": map[string]any{"body": "help"}}}
	}},
	{route: "GET /api/v2/requests/{id}", note: "the end-user's request", want: reqEndUserOnly, req: idPath("/api/v2/requests/%d", pubTicket, nil)},
	{route: "GET /api/v2/requests/{id}", note: "the caller's own request", want: allOK, req: ownRequest("/api/v2/requests/%d", nil)},
	{route: "PUT /api/v2/requests/{id}", note: "the end-user's request", want: reqEndUserOnly,
		req: idPath("/api/v2/requests/%d", freshPub, map[string]any{"request": map[string]any{"comment": map[string]any{"body": "more"}}})},
	{route: "PUT /api/v2/requests/{id}", note: "the caller's own request", want: allOK,
		req: ownRequest("/api/v2/requests/%d", map[string]any{"request": map[string]any{"comment": map[string]any{"body": "more"}}})},
	{route: "GET /api/v2/requests/{id}/comments", note: "the end-user's request", want: reqEndUserOnly, req: idPath("/api/v2/requests/%d/comments", pubTicket, nil)},
	{route: "GET /api/v2/requests/{id}/comments/{comment_id}", note: "the caller's own request", want: allOK,
		req: func(t *testing.T, m *mx, role string) (string, any) {
			id := m.ownRequest(t, role)
			cs, _, err := m.a.srv.Tickets.Comments(m.sys, id, 0, 10, false)
			if err != nil || len(cs) == 0 {
				t.Fatalf("comments of %d: %v %v", id, cs, err)
			}
			return fmt.Sprintf("/api/v2/requests/%d/comments/%d", id, cs[0].ID), nil
		}},

	// --- p6b-search: search export, show_many by external_ids ---
	{route: "GET /api/v2/search/export", note: "private ticket only to those who see it", want: allOK,
		req: path("/api/v2/search/export?query=zebraprivate&filter[type]=ticket"), check: expectPrivate("results")},
	{route: "GET /api/v2/search/export", note: "type user: hidden end-users not exported", want: allOK,
		req: path("/api/v2/search/export?query=erin&filter[type]=user"),
		check: func(t *testing.T, m *mx, role string, body map[string]any) {
			if got := listHas(body, "results", m.a.EndUser.ID); got != m.seesEnds[role] {
				t.Errorf("%s: end-user exported = %v, want %v", role, got, m.seesEnds[role])
			}
		}},
	{route: "GET /api/v2/search/export", note: "without filter[type]", want: "400 400 400 400 400 400 400 401 400",
		req: path("/api/v2/search/export?query=zebraprivate")},
	{route: "GET /api/v2/tickets/show_many", note: "external_ids: private ticket only to those who see it", want: allOK,
		req: func(t *testing.T, m *mx, _ string) (string, any) {
			ext := desk.NullString{Set: true, Value: "p6b-priv-ext"}
			if _, _, err := m.a.srv.Tickets.Update(m.sys, m.priv, ticket.Input{ExternalID: ext}); err != nil {
				t.Fatal(err)
			}
			return "/api/v2/tickets/show_many?external_ids=p6b-priv-ext,nobody", nil
		}, check: expectPrivate("tickets")},
	{route: "GET /api/v2/users/show_many", note: "external_ids: hidden end-users not shown", want: allOK,
		req: func(t *testing.T, m *mx, _ string) (string, any) {
			ext := "p6b-end-ext"
			if _, err := m.a.srv.People.UpdateUser(m.sys, m.a.EndUser.ID, people.UserInput{ExternalID: &ext}); err != nil {
				t.Fatal(err)
			}
			return "/api/v2/users/show_many?external_ids=p6b-end-ext", nil
		}, check: expectEndUser("users")},
	{route: "GET /api/v2/organizations/show_many", note: "external_ids: only visible organizations", want: allOK,
		req: func(t *testing.T, m *mx, _ string) (string, any) {
			ext := "p6b-org-ext"
			if _, err := m.a.srv.People.UpdateOrganization(m.sys, m.org, people.OrganizationInput{ExternalID: &ext}); err != nil {
				t.Fatal(err)
			}
			return "/api/v2/organizations/show_many?external_ids=p6b-org-ext", nil
		}, check: func(t *testing.T, m *mx, role string, body map[string]any) {
			if got, want := listHas(body, "organizations", m.org), role != "end-user"; got != want {
				t.Errorf("%s: organization shown = %v, want %v", role, got, want)
			}
		}},
	// --- p6b-misc: locales, tags/autocomplete, brands ---
	{route: "GET /api/v2/locales", want: allOK, req: path("/api/v2/locales")},
	{route: "GET /api/v2/locales/current", want: allOK, req: path("/api/v2/locales/current")},
	{route: "GET /api/v2/locales/agent", want: allOK, req: path("/api/v2/locales/agent")},
	{route: "GET /api/v2/locales/public", want: allOK, req: path("/api/v2/locales/public")},
	{route: "GET /api/v2/locales/{id}", want: allOK, req: path("/api/v2/locales/pl")},
	{route: "GET /api/v2/tags/autocomplete", note: "a private group's tags only to those who see it", want: staffOK,
		req: func(t *testing.T, m *mx, _ string) (string, any) {
			if _, _, err := m.a.srv.Tickets.Update(m.sys, m.priv, ticket.Input{AdditionalTags: []string{"zebraauto"}}); err != nil {
				t.Fatal(err)
			}
			return "/api/v2/tags/autocomplete?name=zebraa", nil
		},
		check: func(t *testing.T, m *mx, role string, body map[string]any) {
			list, _ := body["tags"].([]any)
			if seen := slices.Contains(list, any("zebraauto")); seen != m.canSeePrivate[role] {
				t.Errorf("%s: private group's tag suggested = %v, want %v", role, seen, m.canSeePrivate[role])
			}
		}},
	{route: "GET /api/v2/brands", want: allOK, req: path("/api/v2/brands")},
	{route: "GET /api/v2/brands/{id}", want: allOK, req: path("/api/v2/brands/1")},
	{route: "GET /api/v2/users/{id}/sessions", note: "the end-user's: self and admins", want: "200 200 403 403 403 403 200 401 403",
		req: idPath("/api/v2/users/%d/sessions", endUserID, nil)},
	{route: "DELETE /api/v2/users/{id}/sessions", note: "the end-user's: self and admins", want: "204 204 403 403 403 403 204 401 403",
		req: idPath("/api/v2/users/%d/sessions", endUserID, nil)},
	// --- end p6b-misc ---
	// --- p6-users ---
	{route: "PUT /api/v2/users/{id}/identities/{identity_id}", note: "a secondary email of an end-user", want: "200 200 200 403 403 404 404 401 200",
		req: aliasPath("", false, map[string]any{"identity": map[string]any{"value": "changed@matrix.test"}})},
	{route: "DELETE /api/v2/users/{id}/identities/{identity_id}", note: "a secondary email of an end-user", want: "204 204 204 403 403 404 404 401 204",
		req: aliasPath("", false, nil)},
	{route: "PUT /api/v2/users/{id}/identities/{identity_id}/make_primary", note: "a verified secondary email", want: "200 200 200 403 403 404 404 401 200",
		req: aliasPath("/make_primary", true, nil)},
	{route: "PUT /api/v2/users/{id}/identities/{identity_id}/verify", note: "admins only", want: "200 200 403 403 403 403 403 401 403",
		req: aliasPath("/verify", false, nil)},
	{route: "PUT /api/v2/users/{id}/identities/{identity_id}/request_verification", note: "an unverified secondary email", want: "200 200 200 403 403 404 404 401 200",
		req: aliasPath("/request_verification", false, nil)},
	{route: "GET /api/v2/users/autocomplete", want: staffOK, req: path("/api/v2/users/autocomplete?name=er")},
	{route: "GET /api/v2/users/{id}/related", note: "end-user target", want: "200 200 200 200 200 404 200 401 200",
		req: idPath("/api/v2/users/%d/related", endUserID, nil)},
	{route: "GET /api/v2/users/{id}/tags", note: "end-user target", want: "200 200 200 200 200 404 200 401 200",
		req: idPath("/api/v2/users/%d/tags", endUserID, nil)},
	{route: "POST /api/v2/users/{id}/tags", note: "end-user target", want: "200 200 200 403 403 404 404 401 200",
		req: idPath("/api/v2/users/%d/tags", freshEndUser, map[string]any{"tags": []string{"a"}})},
	{route: "PUT /api/v2/users/{id}/tags", note: "end-user target", want: "200 200 200 403 403 404 404 401 200",
		req: idPath("/api/v2/users/%d/tags", freshEndUser, map[string]any{"tags": []string{"a"}})},
	{route: "DELETE /api/v2/users/{id}/tags", note: "end-user target", want: "200 200 200 403 403 404 404 401 200",
		req: idPath("/api/v2/users/%d/tags", freshEndUser, map[string]any{"tags": []string{"a"}})},
	{route: "PUT /api/v2/users/{id}/merge", note: "a fresh end-user into another", want: "200 200 200 403 403 403 403 401 200",
		req: func(t *testing.T, m *mx, _ string) (string, any) {
			return fmt.Sprintf("/api/v2/users/%d/merge", m.newUser(t, desk.RoleEndUser)),
				map[string]any{"user": map[string]any{"id": m.newUser(t, desk.RoleEndUser)}}
		}},
	{route: "PUT /api/v2/users/{id}/merge", note: "an agent (staff are never merged)", want: "422 422 422 403 403 403 403 401 422",
		req: func(t *testing.T, m *mx, _ string) (string, any) {
			return fmt.Sprintf("/api/v2/users/%d/merge", m.newUser(t, desk.RoleAgent)),
				map[string]any{"user": map[string]any{"id": m.newUser(t, desk.RoleEndUser)}}
		}},
	{route: "PUT /api/v2/users/{id}/merge", note: "an end-user into an agent", want: "422 422 422 403 403 403 403 401 422",
		req: func(t *testing.T, m *mx, _ string) (string, any) {
			return fmt.Sprintf("/api/v2/users/%d/merge", m.newUser(t, desk.RoleEndUser)),
				map[string]any{"user": map[string]any{"id": m.newUser(t, desk.RoleAgent)}}
		}},
	{route: "GET /api/v2/users/me/sessions", want: allOK, req: path("/api/v2/users/me/sessions")},
	{route: "GET /api/v2/users/{id}/sessions/{session_id}", note: "the end-user's: self and admins", want: "200 200 403 403 403 403 200 401 403",
		req: endUserSession},
	{route: "DELETE /api/v2/users/{id}/sessions/{session_id}", note: "the end-user's: self and admins", want: "204 204 403 403 403 403 204 401 403",
		req: endUserSession},
	{route: "GET /api/v2/deleted_users", want: staffOK, req: path("/api/v2/deleted_users")},
	{route: "GET /api/v2/deleted_users/count", want: staffOK, req: path("/api/v2/deleted_users/count")},
	{route: "GET /api/v2/deleted_users/{id}", note: "a deleted end-user", want: "200 200 200 200 200 404 403 401 200",
		req: idPath("/api/v2/deleted_users/%d", fresh((*mx).deletedEndUser), nil)},
	{route: "DELETE /api/v2/deleted_users/{id}", note: "a deleted end-user", want: "200 200 403 403 403 404 404 401 403",
		req: idPath("/api/v2/deleted_users/%d", fresh((*mx).deletedEndUser), nil)},
	// --- end p6-users ---
}

// aliasPath adds a secondary email (verified or not) to a fresh end-user
// and returns the path of that identity plus suffix.
func aliasPath(suffix string, verified bool, body any) func(*testing.T, *mx, string) (string, any) {
	return func(t *testing.T, m *mx, _ string) (string, any) {
		id := m.newUser(t, desk.RoleEndUser)
		ident, err := m.a.srv.People.AddIdentity(m.sys, id, people.IdentityEmail, m.uniq("alias")+"@matrix.test")
		if err != nil {
			t.Fatal(err)
		}
		if verified {
			if _, err := m.a.srv.People.VerifyIdentity(m.sys, id, ident.ID); err != nil {
				t.Fatal(err)
			}
		}
		if b, ok := body.(map[string]any); ok {
			if i, ok := b["identity"].(map[string]any); ok && i["value"] != nil {
				body = map[string]any{"identity": map[string]any{"value": m.uniq("changed") + "@matrix.test"}}
			}
		}
		return fmt.Sprintf("/api/v2/users/%d/identities/%d%s", id, ident.ID, suffix), body
	}
}

// deletedEndUser creates and deletes an end-user.
func (m *mx) deletedEndUser(t *testing.T) int64 {
	t.Helper()
	id := m.newUser(t, desk.RoleEndUser)
	if _, err := m.a.srv.People.DeleteUser(m.sys, id); err != nil {
		t.Fatal(err)
	}
	return id
}

// endUserSession signs the end-user in (a new web session) and returns
// that session's path.
func endUserSession(t *testing.T, m *mx, _ string) (string, any) {
	const pw = "a matrix of quiet orchards 1991"
	if !m.endUserPassword {
		if _, err := m.a.srv.People.UpdateUser(m.sys, m.a.EndUser.ID, people.UserInput{Password: ptrTo(pw)}); err != nil {
			t.Fatal(err)
		}
		m.endUserPassword = true
	}
	if _, _, err := m.a.srv.Account.SignIn(context.Background(), m.a.EndUser.Email, pw, "192.0.2.7", "matrix"); err != nil {
		t.Fatal(err)
	}
	list, err := m.a.srv.Account.Sessions(m.sys, m.a.EndUser.ID)
	if err != nil || len(list) == 0 {
		t.Fatalf("sessions %v %v", list, err)
	}
	newest := list[0]
	for _, ss := range list {
		if ss.ID > newest.ID {
			newest = ss
		}
	}
	return fmt.Sprintf("/api/v2/users/%d/sessions/%d", m.a.EndUser.ID, newest.ID), nil
}

// reqEndUserOnly: the fixture's end-user requests are reachable through the
// Requests API by their requester only; staff get "not found" there.
const reqEndUserOnly = "404 404 404 404 404 404 200 401 404"

// ownRequest opens a ticket requested by the row's role (by the system).
func (m *mx) ownRequest(t *testing.T, role string) int64 {
	t.Helper()
	tk, _, err := m.a.srv.Tickets.Create(m.sys, ticket.Input{Subject: ptrTo("Own request"), Comment: &ticket.CommentInput{Body: "mine"},
		RequesterID: desk.SetID(m.users[role].ID)})
	if err != nil {
		t.Fatal(err)
	}
	return tk.ID
}

func ownRequest(format string, body any) func(*testing.T, *mx, string) (string, any) {
	return func(t *testing.T, m *mx, role string) (string, any) {
		return fmt.Sprintf(format, m.ownRequest(t, role)), body
	}
}

// expectRequest checks that the end-user's request m.pub is listed to the
// end-user only.
func expectRequest(key string) func(*testing.T, *mx, string, map[string]any) {
	return func(t *testing.T, m *mx, role string, body map[string]any) {
		if got, want := listHas(body, key, m.pub), role == "end-user"; got != want {
			t.Errorf("%s: the end-user's request listed = %v, want %v", role, got, want)
		}
	}
}

// routeOf returns the pattern a request for method and target is served by.
func routeOf(mux *http.ServeMux, method, target string) string {
	req := httptest.NewRequest(method, target, nil)
	_, pattern := mux.Handler(req)
	return pattern
}

func TestPermissionMatrix(t *testing.T) {
	// Every registered route has at least one row, and every row names a
	// registered route and sends a request that reaches it.
	probe := &Server{}
	mux := http.NewServeMux()
	probe.Register(mux)
	covered := map[string]bool{}
	for _, c := range matrix {
		covered[c.route] = true
		if len(strings.Fields(c.want)) != len(matrixRoles) {
			t.Fatalf("%s %s: %d expectations for %d roles", c.route, c.note, len(strings.Fields(c.want)), len(matrixRoles))
		}
	}
	registered := probe.Routes()
	for _, r := range registered {
		if !covered[r] {
			t.Errorf("route %q has no entry in the permission matrix", r)
		}
	}
	for r := range covered {
		if !slices.Contains(registered, r) {
			t.Errorf("matrix names %q, which is not a registered route", r)
		}
	}
	if t.Failed() {
		t.FailNow()
	}

	storetest.Each(t, func(t *testing.T, db *store.DB) {
		m := newMatrix(t, db)
		for _, c := range matrix {
			method := strings.Fields(c.route)[0]
			want := strings.Fields(c.want)
			for i, role := range matrixRoles {
				target, body := c.req(t, m, role)
				if got := routeOf(mux, method, target); got != c.route {
					t.Fatalf("%s %s is served by %q, not %q", method, target, got, c.route)
				}
				resp, data := m.a.request(t, m.users[role], method, target, body)
				label := c.route
				if c.note != "" {
					label += " (" + c.note + ")"
				}
				if strconv.Itoa(resp.StatusCode) != want[i] {
					t.Errorf("%s as %s: status %d, want %s; body %.300s", label, role, resp.StatusCode, want[i], data)
					continue
				}
				if c.check != nil && resp.StatusCode < 300 {
					var parsed map[string]any
					if err := json.Unmarshal(data, &parsed); err != nil {
						t.Errorf("%s as %s: %v", label, role, err)
						continue
					}
					c.check(t, m, role, parsed)
				}
			}
		}
	})
}

// expectJob checks a job_statuses list: the agent's fixture job is listed
// for the agent (its owner) and for admins, and for nobody else.
func (m *mx) expectJob(t *testing.T, role string, body map[string]any) {
	t.Helper()
	list, _ := body["job_statuses"].([]any)
	found := false
	for _, x := range list {
		if js, _ := x.(map[string]any); js["id"] == m.jobID {
			found = true
		}
	}
	if want := role == "owner" || role == "admin" || role == "agent"; found != want {
		t.Errorf("%s: agent's job listed = %v, want %v (%v)", role, found, want, body)
	}
}
