package people_test

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// conf builds a role configuration from JSON.
func conf(t testing.TB, s string) map[string]json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// mkRoleAgent creates a custom role with configuration c and an agent
// holding it, and returns the agent and their principal as authentication
// builds it.
func mkRoleAgent(t testing.TB, s *people.Service, db *store.DB, name, email, c string) (*desk.User, *desk.Principal) {
	t.Helper()
	role, err := s.CreateCustomRole(sysCtx(), people.CustomRoleInput{Name: ptr(name), Configuration: conf(t, c)})
	if err != nil {
		t.Fatalf("role %s: %v", name, err)
	}
	u, err := s.CreateUser(sysCtx(), people.UserInput{Name: ptr(name), Email: ptr(email), Role: ptr(desk.RoleAgent), CustomRoleID: &role.ID})
	if err != nil {
		t.Fatalf("agent %s: %v", name, err)
	}
	p, err := people.PrincipalFor(bg, db, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	return u, p
}

func asP(p *desk.Principal) context.Context { return desk.WithPrincipal(bg, p) }

func TestAccountOwner(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSvc(db)
		mkUser(t, s, "Agent first", "agent@example.com", desk.RoleAgent)
		if _, err := s.Owner(sysCtx()); code(err) != desk.ENOTFOUND {
			t.Fatalf("owner before any admin: %v", err)
		}
		owner := mkUser(t, s, "Owner", "owner@example.com", desk.RoleAdmin)
		admin2 := mkUser(t, s, "Admin2", "admin2@example.com", desk.RoleAdmin)
		agent := mkUser(t, s, "Agent", "agent2@example.com", desk.RoleAgent)
		if !owner.IsOwner || admin2.IsOwner || agent.IsOwner {
			t.Fatalf("is_owner: %v %v %v", owner.IsOwner, admin2.IsOwner, agent.IsOwner)
		}
		if got, err := s.Owner(as(agent)); err != nil || got.ID != owner.ID {
			t.Fatalf("owner: %+v %v", got, err)
		}
		if _, err := s.Owner(as(mkUser(t, s, "End", "end@example.com", desk.RoleEndUser))); code(err) != desk.EFORBIDDEN {
			t.Fatalf("end-user sees owner: %v", err)
		}
		// Nobody — another admin, the system — demotes, suspends or deletes the owner.
		for _, ctx := range []context.Context{as(admin2), sysCtx()} {
			for _, in := range []people.UserInput{{Role: ptr(desk.RoleAgent)}, {Suspended: ptr(true)}, {Role: ptr(desk.RoleEndUser)}} {
				if _, err := s.UpdateUser(ctx, owner.ID, in); code(err) != desk.EFORBIDDEN {
					t.Fatalf("owner changed with %+v: %v", in, err)
				}
			}
			if _, err := s.DeleteUser(ctx, owner.ID); code(err) != desk.EFORBIDDEN {
				t.Fatalf("owner deleted: %v", err)
			}
		}
		if _, err := s.UpdateUser(as(admin2), owner.ID, people.UserInput{Name: ptr("Renamed owner")}); err != nil {
			t.Fatalf("ordinary change of the owner: %v", err)
		}
		// No other admin takes over the owner's sign-in: email, password,
		// extra addresses, API tokens.
		for name, err := range map[string]error{
			"email":    must2(s.UpdateUser(as(admin2), owner.ID, people.UserInput{Email: ptr("mine@example.com")})),
			"password": must2(s.UpdateUser(as(admin2), owner.ID, people.UserInput{Password: ptr("Correct-Horse-Battery-42")})),
			"identity": must2(s.AddIdentity(as(admin2), owner.ID, people.IdentityEmail, "mine@example.com")),
			"token":    must2(s.CreateToken(as(admin2), owner.ID, "mine")),
		} {
			if code(err) != desk.EFORBIDDEN {
				t.Errorf("another admin changed the owner's %s: %v", name, err)
			}
		}
		if _, err := s.UpdateUser(as(owner), owner.ID, people.UserInput{Email: ptr("owner2@example.com")}); err != nil {
			t.Fatalf("owner changes own email: %v", err)
		}
		if _, err := s.CreateToken(as(owner), 0, "own"); err != nil {
			t.Fatalf("owner's own token: %v", err)
		}
		// Only the owner transfers, and only to an active admin.
		if _, err := s.TransferOwnership(as(admin2), admin2.ID); code(err) != desk.EFORBIDDEN {
			t.Fatalf("non-owner transfer: %v", err)
		}
		if _, err := s.TransferOwnership(as(agent), agent.ID); code(err) != desk.EFORBIDDEN {
			t.Fatalf("agent transfer: %v", err)
		}
		wantField(t, must2(s.TransferOwnership(as(owner), agent.ID)), "user_id")
		wantField(t, must2(s.TransferOwnership(as(owner), 999999)), "user_id")
		susp := mkUser(t, s, "Suspended admin", "susp@example.com", desk.RoleAdmin)
		if _, err := s.UpdateUser(sysCtx(), susp.ID, people.UserInput{Suspended: ptr(true)}); err != nil {
			t.Fatal(err)
		}
		wantField(t, must2(s.TransferOwnership(as(owner), susp.ID)), "user_id")
		u, err := s.TransferOwnership(as(owner), admin2.ID)
		if err != nil || u.ID != admin2.ID || !u.IsOwner {
			t.Fatalf("transfer: %+v %v", u, err)
		}
		// Now the former owner is an ordinary admin, and the new one is protected.
		if u, err := s.UpdateUser(as(admin2), owner.ID, people.UserInput{Role: ptr(desk.RoleAgent)}); err != nil || u.IsOwner || u.Role != desk.RoleAgent {
			t.Fatalf("demote former owner: %+v %v", u, err)
		}
		if _, err := s.DeleteUser(sysCtx(), admin2.ID); code(err) != desk.EFORBIDDEN {
			t.Fatalf("new owner deleted: %v", err)
		}
		var n int
		db.QueryRow(bg, `SELECT COUNT(*) FROM settings WHERE key = ?`, desk.SettingOwner).Scan(&n)
		if n != 1 {
			t.Fatalf("%d owner rows", n)
		}
	})
}

// must2 keeps the error of a two-value call.
func must2[T any](_ T, err error) error { return err }

// TestOwnerClaimedOnPromotion: with no owner yet (an account whose admins
// all predate ownership), the first user to become admin claims it.
func TestOwnerClaimedOnPromotion(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSvc(db)
		a := mkUser(t, s, "Agent", "agent@example.com", desk.RoleAgent)
		b := mkUser(t, s, "Other", "other@example.com", desk.RoleAgent)
		for _, u := range []*desk.User{a, b} {
			if _, err := s.UpdateUser(sysCtx(), u.ID, people.UserInput{Role: ptr(desk.RoleAdmin)}); err != nil {
				t.Fatal(err)
			}
		}
		o, err := s.Owner(sysCtx())
		if err != nil || o.ID != a.ID {
			t.Fatalf("owner %+v %v, want %d", o, err, a.ID)
		}
	})
}

func TestCustomRoles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSvc(db)
		admin := mkUser(t, s, "Admin", "admin@example.com", desk.RoleAdmin)
		agent := mkUser(t, s, "Agent", "agent@example.com", desk.RoleAgent)
		end := mkUser(t, s, "End", "end@example.com", desk.RoleEndUser)

		// Admins only.
		for _, ctx := range []context.Context{as(agent), as(end), bg} {
			if _, err := s.ListCustomRoles(ctx); code(err) != desk.EFORBIDDEN && code(err) != desk.EUNAUTHORIZED {
				t.Fatalf("list: %v", err)
			}
			if _, err := s.CreateCustomRole(ctx, people.CustomRoleInput{Name: ptr("x")}); code(err) != desk.EFORBIDDEN && code(err) != desk.EUNAUTHORIZED {
				t.Fatalf("create: %v", err)
			}
		}
		roles, err := s.ListCustomRoles(as(admin))
		if err != nil || len(roles) != 1 || roles[0].RoleType != desk.RoleTypeLightAgent || roles[0].Configuration != desk.LightAgentPermissions() {
			t.Fatalf("built-in roles: %+v %v", roles, err)
		}
		light := roles[0]
		if id, err := s.LightAgentRoleID(as(agent)); err != nil || id != light.ID {
			t.Fatalf("light agent role id %d %v", id, err)
		}
		if _, err := s.UpdateCustomRole(as(admin), light.ID, people.CustomRoleInput{Name: ptr("Mighty")}); code(err) != desk.EFORBIDDEN {
			t.Fatalf("built-in changed: %v", err)
		}
		if err := s.DeleteCustomRole(as(admin), light.ID); code(err) != desk.EFORBIDDEN {
			t.Fatalf("built-in deleted: %v", err)
		}

		// Validation: name, known permission names, kinds, ticket_access.
		wantField(t, must2(s.CreateCustomRole(as(admin), people.CustomRoleInput{})), "name")
		for _, bad := range []string{`{"fly": true}`, `{"delete_tickets": "yes"}`, `{"ticket_access": "some"}`, `{"ticket_access": 3}`} {
			wantField(t, must2(s.CreateCustomRole(as(admin), people.CustomRoleInput{Name: ptr("Bad"), Configuration: conf(t, bad)})), "configuration")
		}
		// Deny by default: unnamed permissions are off; ticket_access
		// defaults to assigned; Zendesk's spellings are understood.
		r, err := s.CreateCustomRole(as(admin), people.CustomRoleInput{Name: ptr("Team"), Description: ptr("Team leads"),
			Configuration: conf(t, `{"ticket_access": "within-groups", "merge_tickets": true}`)})
		if err != nil {
			t.Fatal(err)
		}
		want := desk.Permissions{TicketAccess: desk.TicketAccessGroups, MergeTickets: true}
		if r.Configuration != want || r.RoleType != desk.RoleTypeCustom || r.Name != "Team" || r.TeamMemberCount != 0 {
			t.Fatalf("created %+v", r)
		}
		wantField(t, must2(s.CreateCustomRole(as(admin), people.CustomRoleInput{Name: ptr("team")})), "name")
		bare, err := s.CreateCustomRole(as(admin), people.CustomRoleInput{Name: ptr("Bare")})
		if err != nil || bare.Configuration != (desk.Permissions{TicketAccess: desk.TicketAccessAssigned}) {
			t.Fatalf("bare %+v %v", bare, err)
		}
		// Updates change only what they name.
		r, err = s.UpdateCustomRole(as(admin), r.ID, people.CustomRoleInput{Configuration: conf(t, `{"edit_ticket_properties": true, "merge_tickets": false}`)})
		want = desk.Permissions{TicketAccess: desk.TicketAccessGroups, EditTicketProperties: true}
		if err != nil || r.Configuration != want || r.Description != "Team leads" {
			t.Fatalf("updated %+v %v", r, err)
		}

		// Users hold roles through custom_role_id; role_type follows Zendesk.
		u, err := s.UpdateUser(as(admin), agent.ID, people.UserInput{CustomRoleID: &r.ID})
		if err != nil || derefID(u.CustomRoleID) != r.ID || u.RoleType == nil || *u.RoleType != desk.RoleTypeCustom || u.OnlyPrivate {
			t.Fatalf("custom agent %+v %v", u, err)
		}
		lu := mkUser(t, s, "Light", "light@example.com", desk.RoleAgent)
		lu, err = s.UpdateUser(as(admin), lu.ID, people.UserInput{CustomRoleID: &light.ID})
		if err != nil || lu.RoleType == nil || *lu.RoleType != desk.RoleTypeLightAgent || !lu.OnlyPrivate {
			t.Fatalf("light agent %+v %v", lu, err)
		}
		plain := mkUser(t, s, "Plain", "plain@example.com", desk.RoleAgent)
		if plain.RoleType != nil || plain.CustomRoleID != nil {
			t.Fatalf("plain agent role_type %v custom_role_id %v", plain.RoleType, plain.CustomRoleID)
		}
		if admin.RoleType == nil || *admin.RoleType != desk.RoleTypeAdmin || admin.CustomRoleID != nil {
			t.Fatalf("admin role_type %v", admin.RoleType)
		}
		if end.RoleType != nil {
			t.Fatalf("end-user role_type %v", *end.RoleType)
		}
		wantField(t, must2(s.UpdateUser(as(admin), end.ID, people.UserInput{CustomRoleID: &r.ID})), "custom_role_id")
		wantField(t, must2(s.UpdateUser(as(admin), plain.ID, people.UserInput{CustomRoleID: ptr(int64(999999))})), "custom_role_id")
		if _, err := s.UpdateUser(as(plain), end.ID, people.UserInput{CustomRoleID: &r.ID}); err == nil {
			t.Fatal("an agent gave a role")
		}
		// Promotion to admin drops the custom role.
		if u, err := s.UpdateUser(as(admin), lu.ID, people.UserInput{Role: ptr(desk.RoleAdmin)}); err != nil || u.CustomRoleID != nil {
			t.Fatalf("promoted %+v %v", u, err)
		}
		// A role in use cannot be deleted; an unused one can.
		r, _ = s.GetCustomRole(as(admin), r.ID)
		if r.TeamMemberCount != 1 {
			t.Fatalf("team_member_count %d", r.TeamMemberCount)
		}
		wantField(t, s.DeleteCustomRole(as(admin), r.ID), "custom_role")
		if err := s.DeleteCustomRole(as(admin), bare.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetCustomRole(as(admin), bare.ID); code(err) != desk.ENOTFOUND {
			t.Fatalf("deleted role: %v", err)
		}
	})
}

func derefID(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// TestPrincipalPermissions: token and session authentication load the
// permissions of the user's role; a light agent's come from code, whatever
// is stored.
func TestPrincipalPermissions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSvc(db)
		admin := mkUser(t, s, "Admin", "admin@example.com", desk.RoleAdmin)
		agent := mkUser(t, s, "Agent", "agent@example.com", desk.RoleAgent)
		ra, rp := mkRoleAgent(t, s, db, "Groups", "groups@example.com", `{"ticket_access": "groups", "manage_api_tokens": true}`)
		if rp.Perms == nil || *rp.Perms != (desk.Permissions{TicketAccess: desk.TicketAccessGroups, ManageAPITokens: true}) {
			t.Fatalf("principal perms %+v", rp.Perms)
		}
		tok, err := s.CreateToken(asP(rp), 0, "mine")
		if err != nil {
			t.Fatal(err)
		}
		p, err := s.AuthenticateToken(bg, "", tok.Token, "")
		if err != nil || p.Perms == nil || *p.Perms != *rp.Perms || p.Can() != *rp.Perms || p.UserID != ra.ID {
			t.Fatalf("token principal %+v %v", p, err)
		}
		// Role edits apply at the next authentication.
		if _, err := s.UpdateCustomRole(as(admin), derefID(ra.CustomRoleID), people.CustomRoleInput{Configuration: conf(t, `{"delete_tickets": true}`)}); err != nil {
			t.Fatal(err)
		}
		if p, _ := s.AuthenticateToken(bg, "", tok.Token, ""); !p.Can().DeleteTickets {
			t.Fatal("role change not seen")
		}
		// Plain agents and admins carry no stored set: Can gives the built-in one.
		for _, u := range []*desk.User{agent, admin} {
			p, err := people.PrincipalFor(bg, db, u.ID)
			if err != nil || p.Perms != nil || p.Can() != desk.RolePermissions(u.Role) {
				t.Fatalf("%s: %+v %v", u.Role, p, err)
			}
		}
		light, _ := s.LightAgentRoleID(as(admin))
		lu, err := s.CreateUser(sysCtx(), people.UserInput{Name: ptr("Light"), Email: ptr("light@example.com"), Role: ptr(desk.RoleAgent), CustomRoleID: &light})
		if err != nil {
			t.Fatal(err)
		}
		db.Exec(bg, `UPDATE custom_roles SET permissions = ? WHERE id = ?`, desk.AllPermissions().String(), light)
		if p, _ := people.PrincipalFor(bg, db, lu.ID); p.Can() != desk.LightAgentPermissions() {
			t.Fatalf("light agent widened by the stored set: %+v", p.Can())
		}
		// Suspended users get no principal.
		s.UpdateUser(as(admin), lu.ID, people.UserInput{Suspended: ptr(true)})
		if _, err := people.PrincipalFor(bg, db, lu.ID); code(err) != desk.EUNAUTHORIZED {
			t.Fatalf("suspended: %v", err)
		}
	})
}

// TestEndUserPermissions: view_end_users and edit_end_users gate what staff
// see of and do to end-users; manage_groups_orgs gates group and
// organization writes.
func TestEndUserPermissions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSvc(db)
		mkUser(t, s, "Admin", "admin@example.com", desk.RoleAdmin)
		end := mkUser(t, s, "Erin End", "erin@example.com", desk.RoleEndUser)
		agent := mkUser(t, s, "Agent", "agent@example.com", desk.RoleAgent)
		_, blind := mkRoleAgent(t, s, db, "Blind", "blind@example.com", `{"ticket_access": "all"}`)
		_, viewer := mkRoleAgent(t, s, db, "Viewer", "viewer@example.com", `{"ticket_access": "all", "view_end_users": true}`)
		_, manager := mkRoleAgent(t, s, db, "Manager", "manager@example.com", `{"ticket_access": "all", "manage_groups_orgs": true}`)

		if _, err := s.GetUser(asP(blind), end.ID); code(err) != desk.ENOTFOUND {
			t.Fatalf("blind sees end-user: %v", err)
		}
		if _, err := s.GetUser(asP(blind), agent.ID); err != nil {
			t.Fatalf("blind cannot see an agent: %v", err)
		}
		if _, err := s.GetUser(asP(blind), blind.UserID); err != nil {
			t.Fatalf("blind cannot see themselves: %v", err)
		}
		list, _ := s.ListUsers(asP(blind), people.UserFilter{})
		if slices.Contains(ids(list), end.ID) || !slices.Contains(ids(list), agent.ID) {
			t.Fatalf("blind lists %v", ids(list))
		}
		if n, _ := s.CountUsers(asP(blind), people.UserFilter{}); n != len(list) {
			t.Fatalf("count %d, list %d", n, len(list))
		}
		if found, _ := s.SearchUsers(asP(blind), "erin", 10); len(found) != 0 {
			t.Fatalf("blind searched %v", ids(found))
		}
		if got, _ := s.GetUsers(asP(blind), []int64{end.ID, agent.ID}); !slices.Equal(ids(got), []int64{agent.ID}) {
			t.Fatalf("show_many %v", ids(got))
		}
		// The viewer sees but cannot edit.
		if _, err := s.GetUser(asP(viewer), end.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.UpdateUser(asP(viewer), end.ID, people.UserInput{Notes: ptr("x")}); code(err) != desk.EFORBIDDEN {
			t.Fatalf("viewer edits: %v", err)
		}
		if _, err := s.CreateUser(asP(viewer), people.UserInput{Name: ptr("New")}); code(err) != desk.EFORBIDDEN {
			t.Fatalf("viewer creates: %v", err)
		}
		if _, err := s.AddIdentity(asP(viewer), end.ID, people.IdentityEmail, "erin2@example.com"); code(err) != desk.EFORBIDDEN {
			t.Fatalf("viewer adds identity: %v", err)
		}
		// …and may still edit their own profile.
		if _, err := s.UpdateUser(asP(viewer), viewer.UserID, people.UserInput{Name: ptr("Vera Viewer")}); err != nil {
			t.Fatal(err)
		}
		// Plain agents edit end-users.
		if _, err := s.UpdateUser(as(agent), end.ID, people.UserInput{Notes: ptr("x")}); err != nil {
			t.Fatal(err)
		}
		// Groups and organizations: the manager may, a plain agent may not.
		g, err := s.CreateGroup(asP(manager), people.GroupInput{Name: ptr("Managed")})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.UpdateGroup(asP(manager), g.ID, people.GroupInput{Description: ptr("d")}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddMembership(asP(manager), agent.ID, g.ID, false); err != nil {
			t.Fatal(err)
		}
		o, err := s.CreateOrganization(asP(manager), people.OrganizationInput{Name: ptr("Managed Org")})
		if err != nil {
			t.Fatal(err)
		}
		for name, err := range map[string]error{
			"create group": must2(s.CreateGroup(as(agent), people.GroupInput{Name: ptr("No")})),
			"update group": must2(s.UpdateGroup(asP(viewer), g.ID, people.GroupInput{Description: ptr("no")})),
			"delete group": s.DeleteGroup(as(agent), g.ID),
			"create org":   must2(s.CreateOrganization(asP(blind), people.OrganizationInput{Name: ptr("No")})),
			"update org":   must2(s.UpdateOrganization(as(agent), o.ID, people.OrganizationInput{Notes: ptr("no")})),
			"delete org":   s.DeleteOrganization(as(agent), o.ID),
		} {
			if code(err) != desk.EFORBIDDEN {
				t.Errorf("%s: %v", name, err)
			}
		}
		if err := s.DeleteOrganization(asP(manager), o.ID); err != nil {
			t.Fatal(err)
		}
	})
}

// TestRoleChangeEndsSessions: a new role, a new custom role, a suspension or
// a deletion signs the user out of the web at once; other edits do not.
func TestRoleChangeEndsSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSvc(db)
		admin := mkUser(t, s, "Admin", "admin@example.com", desk.RoleAdmin)
		u := mkUser(t, s, "Agent", "agent@example.com", desk.RoleAgent)
		light, _ := s.LightAgentRoleID(as(admin))
		n := 0
		session := func() {
			n++
			if _, err := db.Exec(bg, `INSERT INTO sessions (user_id, token_hash, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
				u.ID, "h"+strconv.Itoa(n), 1, 1, time.Now().Add(time.Hour).UnixMicro()); err != nil {
				t.Fatal(err)
			}
		}
		count := func() int {
			var c int
			db.QueryRow(bg, `SELECT COUNT(*) FROM sessions WHERE user_id = ?`, u.ID).Scan(&c)
			return c
		}
		steps := []struct {
			name  string
			in    people.UserInput
			keeps bool
		}{
			{"rename", people.UserInput{Name: ptr("Renamed")}, true},
			{"custom role", people.UserInput{CustomRoleID: &light}, false},
			{"role", people.UserInput{Role: ptr(desk.RoleAdmin)}, false},
			{"role back", people.UserInput{Role: ptr(desk.RoleAgent)}, false},
			{"suspend", people.UserInput{Suspended: ptr(true)}, false},
			{"unsuspend", people.UserInput{Suspended: ptr(false)}, true},
		}
		for _, st := range steps {
			session()
			if _, err := s.UpdateUser(as(admin), u.ID, st.in); err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
			if got := count(); (got > 0) != st.keeps {
				t.Fatalf("%s: %d sessions left", st.name, got)
			}
		}
		session()
		if _, err := s.DeleteUser(as(admin), u.ID); err != nil || count() != 0 {
			t.Fatalf("delete: %v, %d sessions", err, count())
		}
	})
}

func TestTokenScopesAndExpiry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSvc(db)
		admin := mkUser(t, s, "Admin", "admin@example.com", desk.RoleAdmin)
		agent := mkUser(t, s, "Agent", "agent@example.com", desk.RoleAgent)

		rw, err := s.CreateToken(as(agent), 0, "default")
		if err != nil || rw.Scope != people.ScopeReadWrite || !rw.ExpiresAt.IsZero() {
			t.Fatalf("default token %+v %v", rw, err)
		}
		ro, err := s.CreateTokenWith(as(agent), people.TokenInput{Description: "reports", Scope: "read",
			ExpiresAt: desk.Time{Time: time.Now().Add(time.Hour)}})
		if err != nil || ro.Scope != people.ScopeRead || ro.ExpiresAt.IsZero() {
			t.Fatalf("read token %+v %v", ro, err)
		}
		wantField(t, must2(s.CreateTokenWith(as(agent), people.TokenInput{Scope: "admin"})), "scope")
		wantField(t, must2(s.CreateTokenWith(as(agent), people.TokenInput{ExpiresAt: desk.Time{Time: time.Now().Add(-time.Minute)}})), "expires_at")

		p, err := s.AuthenticateToken(bg, "", rw.Token, "192.0.2.7")
		if err != nil || p.ReadOnly {
			t.Fatalf("rw principal %+v %v", p, err)
		}
		p, err = s.AuthenticateToken(bg, "", ro.Token, "")
		if err != nil || !p.ReadOnly {
			t.Fatalf("read principal %+v %v", p, err)
		}
		// Expired tokens stop working (an hour and a minute on; the token,
		// remembered since its first use, is refused all the same).
		real := store.Clock()
		restore := store.SetClock(func() int64 { return real() + (time.Hour + time.Minute).Microseconds() })
		_, err = s.AuthenticateToken(bg, "", ro.Token, "")
		restore()
		if code(err) != desk.EUNAUTHORIZED {
			t.Fatalf("expired: %v", err)
		}
		// The list shows scope, expiry and last use.
		list, err := s.ListTokens(as(agent))
		if err != nil || len(list) != 2 {
			t.Fatalf("list %v %v", list, err)
		}
		if list[0].Scope != people.ScopeReadWrite || list[0].LastUsedIP != "192.0.2.7" || list[0].LastUsedAt.IsZero() ||
			list[1].Scope != people.ScopeRead || list[1].ExpiresAt.IsZero() {
			t.Fatalf("listed %+v %+v", list[0], list[1])
		}
		// Suspension stops tokens; lifting it restores them.
		s.UpdateUser(as(admin), agent.ID, people.UserInput{Suspended: ptr(true)})
		if _, err := s.AuthenticateToken(bg, "", rw.Token, ""); code(err) != desk.EUNAUTHORIZED {
			t.Fatalf("suspended: %v", err)
		}
		s.UpdateUser(as(admin), agent.ID, people.UserInput{Suspended: ptr(false)})
		if _, err := s.AuthenticateToken(bg, "", rw.Token, ""); err != nil {
			t.Fatal(err)
		}
		// manage_api_tokens gates tokens for oneself; suspended users get none.
		_, np := mkRoleAgent(t, s, db, "No tokens", "nt@example.com", `{"ticket_access": "all"}`)
		if _, err := s.CreateToken(asP(np), 0, "x"); code(err) != desk.EFORBIDDEN {
			t.Fatalf("role without manage_api_tokens: %v", err)
		}
		s.UpdateUser(as(admin), agent.ID, people.UserInput{Suspended: ptr(true)})
		wantField(t, must2(s.CreateToken(as(admin), agent.ID, "x")), "user_id")
	})
}

func TestInactiveUsersAndBulkUpdate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSvc(db)
		admin := mkUser(t, s, "Admin", "admin@example.com", desk.RoleAdmin)
		agent := mkUser(t, s, "Agent", "agent@example.com", desk.RoleAgent)
		old := mkUser(t, s, "Old", "old@example.com", desk.RoleAgent)
		seen := mkUser(t, s, "Seen", "seen@example.com", desk.RoleAgent)
		gone := mkUser(t, s, "Gone", "gone@example.com", desk.RoleAgent)
		long := time.Now().Add(-100 * 24 * time.Hour).UnixMicro()
		db.Exec(bg, `UPDATE users SET created_at = ?`, long)
		db.Exec(bg, `UPDATE users SET last_login_at = ? WHERE id = ?`, time.Now().Add(-time.Hour).UnixMicro(), seen.ID)
		db.Exec(bg, `UPDATE users SET last_login_at = ? WHERE id = ?`, time.Now().Add(-40*24*time.Hour).UnixMicro(), agent.ID)
		s.DeleteUser(as(admin), gone.ID)

		us, n, err := s.InactiveUsers(as(admin), 30, 100, 0)
		if err != nil || n != 3 || !slices.Equal(ids(us), []int64{admin.ID, agent.ID, old.ID}) {
			t.Fatalf("30 days: %v %d %v", ids(us), n, err)
		}
		us, n, _ = s.InactiveUsers(as(admin), 60, 1, 1)
		if n != 2 || !slices.Equal(ids(us), []int64{old.ID}) {
			t.Fatalf("60 days page 2: %v %d", ids(us), n)
		}
		if _, _, err := s.InactiveUsers(as(agent), 30, 10, 0); code(err) != desk.EFORBIDDEN {
			t.Fatalf("agent: %v", err)
		}
		wantField(t, func() error { _, _, err := s.InactiveUsers(as(admin), 0, 10, 0); return err }(), "days")

		// Bulk suspension: each user on their own; the owner and oneself fail.
		res, err := s.UpdateUsers(as(admin), []int64{old.ID, admin.ID, 999999, agent.ID}, people.UserInput{Suspended: ptr(true)})
		if err != nil || len(res) != 4 {
			t.Fatalf("bulk %+v %v", res, err)
		}
		if !res[0].Success || res[1].Success || res[2].Success || res[2].Error != desk.ENOTFOUND || !res[3].Success {
			t.Fatalf("bulk results %+v", res)
		}
		for _, id := range []int64{old.ID, agent.ID} {
			if u, _ := s.GetUser(as(admin), id); !u.Suspended {
				t.Fatalf("user %d not suspended", id)
			}
		}
		if _, err := s.UpdateUsers(as(seen), []int64{old.ID}, people.UserInput{Suspended: ptr(false)}); code(err) != desk.EFORBIDDEN {
			t.Fatalf("agent bulk: %v", err)
		}
	})
}
