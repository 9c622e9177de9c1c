package people_test

import (
	"strings"
	"sync"
	"testing"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/events"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

func TestCreateUserDefaultsAndEvents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		bus := events.New()
		var mu sync.Mutex
		var got []events.Event
		bus.Subscribe(func(e events.Event) { mu.Lock(); got = append(got, e); mu.Unlock() })
		s := wire(people.New(db, bus))

		u, err := s.CreateUser(sysCtx(), people.UserInput{Name: ptr("  Zoë Müller "), Email: ptr("  Zoe@Example.COM "),
			Tags: &[]string{"VIP", "vip", "gold  silver"}})
		if err != nil {
			t.Fatal(err)
		}
		if u.Name != "Zoë Müller" || u.Email != "zoe@example.com" || u.Role != desk.RoleEndUser ||
			u.Locale != "en-US" || u.TimeZone != "UTC" || !u.Active || u.Suspended || u.CreatedAt.IsZero() {
			t.Fatalf("unexpected user %+v", u)
		}
		if strings.Join(u.Tags, ",") != "vip,gold,silver" {
			t.Fatalf("tags = %v", u.Tags)
		}
		ids, err := s.Identities(sysCtx(), u.ID)
		if err != nil || len(ids) != 1 || !ids[0].Primary || ids[0].Value != "zoe@example.com" || ids[0].Type != "email" {
			t.Fatalf("identities = %+v, %v", ids, err)
		}
		if len(got) != 1 || got[0].Type != events.UserCreated || got[0].UserID != u.ID {
			t.Fatalf("events = %+v", got)
		}
		// A failed create publishes nothing.
		if _, err := s.CreateUser(sysCtx(), people.UserInput{Name: ptr("Dup"), Email: ptr("zoe@example.com")}); err == nil {
			t.Fatal("duplicate email accepted")
		}
		if len(got) != 1 {
			t.Fatalf("event for failed create: %+v", got)
		}
	})
}

func TestUserValidation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSvc(db)
		mkUser(t, s, "Taken", "taken@example.com", desk.RoleEndUser)
		if _, err := s.CreateUser(sysCtx(), people.UserInput{Name: ptr("Ext"), ExternalID: ptr("ext-1")}); err != nil {
			t.Fatal(err)
		}
		long := strings.Repeat("é", 256)
		cases := []struct {
			name  string
			in    people.UserInput
			field string
		}{
			{"missing name", people.UserInput{Email: ptr("a@example.com")}, "name"},
			{"blank name", people.UserInput{Name: ptr("   ")}, "name"},
			{"long name", people.UserInput{Name: &long}, "name"},
			{"control chars", people.UserInput{Name: ptr("a\x00b")}, "name"},
			{"invalid utf8", people.UserInput{Name: ptr("a\xffb")}, "name"},
			{"bad role", people.UserInput{Name: ptr("x"), Role: ptr(desk.Role("owner"))}, "role"},
			{"bad time zone", people.UserInput{Name: ptr("x"), TimeZone: ptr("Mars/Olympus")}, "time_zone"},
			{"local time zone", people.UserInput{Name: ptr("x"), TimeZone: ptr("Local")}, "time_zone"},
			{"bad locale", people.UserInput{Name: ptr("x"), Locale: ptr("en_US!")}, "locale"},
			{"taken email", people.UserInput{Name: ptr("x"), Email: ptr("TAKEN@example.com")}, "email"},
			{"taken external id", people.UserInput{Name: ptr("x"), ExternalID: ptr("ext-1")}, "external_id"},
			{"short password", people.UserInput{Name: ptr("x"), Password: ptr("short")}, "password"},
			{"missing org", people.UserInput{Name: ptr("x"), OrganizationID: ptr(int64(999))}, "organization_id"},
			{"group for end-user", people.UserInput{Name: ptr("x"), DefaultGroupID: ptr(int64(1))}, "default_group_id"},
			{"missing group", people.UserInput{Name: ptr("x"), Role: ptr(desk.RoleAgent), DefaultGroupID: ptr(int64(999))}, "default_group_id"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				_, err := s.CreateUser(sysCtx(), c.in)
				wantField(t, err, c.field)
			})
		}
		u, err := s.CreateUser(sysCtx(), people.UserInput{Name: ptr("Tz"), TimeZone: ptr("Europe/Warsaw"), Locale: ptr("pt-BR")})
		if err != nil || u.TimeZone != "Europe/Warsaw" || u.Locale != "pt-BR" || u.Email != "" {
			t.Fatalf("%+v %v", u, err)
		}
	})
}

func TestInvalidEmailsRejected(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSvc(db)
		bad := []string{
			"plain", "no-at.example.com", "a@b", "a@localhost", "Bob <bob@example.com>", "<bob@example.com>",
			`"bob smith"@example.com`, "bob@example.com (Bob)", "bob@[127.0.0.1]", "bob@@example.com",
			"bob@.example.com", "bob@example..com", "bob@example.com.", "bob@-example.com", "bob@1.2.3.4",
			"bob smith@example.com", "bob@exa mple.com", "bob@example.com, eve@example.com", "bob@exam_ple.com",
			"bob\n@example.com", "@example.com",
		}
		for _, e := range bad {
			t.Run(e, func(t *testing.T) {
				_, err := s.CreateUser(sysCtx(), people.UserInput{Name: ptr("x"), Email: ptr(e)})
				wantField(t, err, "email")
				err = db.InTx(bg, func(tx *store.Tx) error {
					_, _, _, err := people.EnsureRequesterTx(bg, tx, "x", e)
					return err
				})
				wantField(t, err, "email")
			})
		}
		good := map[string]string{
			" Bob@Example.com ":          "bob@example.com",
			"o'brien+tag@sub.example.io": "o'brien+tag@sub.example.io",
			"x@xn--bcher-kva.example":    "x@xn--bcher-kva.example",
		}
		for in, want := range good {
			got, err := people.NormalizeEmail(in)
			if err != nil || got != want {
				t.Fatalf("NormalizeEmail(%q) = %q, %v", in, got, err)
			}
		}
	})
}

func TestUpdateUser(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSvc(db)
		org := mkOrg(t, s, "Acme", "acme.test")
		u := mkUser(t, s, "Ann", "ann@example.com", desk.RoleEndUser)

		u2, err := s.UpdateUser(sysCtx(), u.ID, people.UserInput{Name: ptr("Ann Smith"), OrganizationID: &org.ID,
			Notes: ptr("likes tea"), Email: ptr("ann@acme.test"), Verified: ptr(true)})
		if err != nil {
			t.Fatal(err)
		}
		if u2.Name != "Ann Smith" || *u2.OrganizationID != org.ID || u2.Email != "ann@acme.test" || !u2.Verified || u2.Notes != "likes tea" {
			t.Fatalf("%+v", u2)
		}
		// The old address stays as a secondary identity; the new one is primary.
		ids, _ := s.Identities(sysCtx(), u.ID)
		if len(ids) != 2 || ids[0].Value != "ann@acme.test" || !ids[0].Primary || !ids[0].Verified || ids[1].Primary {
			t.Fatalf("identities %+v", ids)
		}
		// Switching back to the secondary promotes it rather than adding a third.
		u3, err := s.UpdateUser(sysCtx(), u.ID, people.UserInput{Email: ptr("ANN@example.com")})
		if err != nil || u3.Email != "ann@example.com" {
			t.Fatalf("%+v %v", u3, err)
		}
		ids, _ = s.Identities(sysCtx(), u.ID)
		if len(ids) != 2 || ids[0].Value != "ann@example.com" || !ids[0].Primary {
			t.Fatalf("identities %+v", ids)
		}
		// Clearing the organization with a pointer to 0.
		u4, err := s.UpdateUser(sysCtx(), u.ID, people.UserInput{OrganizationID: ptr(int64(0))})
		if err != nil || u4.OrganizationID != nil {
			t.Fatalf("%+v %v", u4, err)
		}
		// Another user's email is refused.
		mkUser(t, s, "Bob", "bob@example.com", desk.RoleEndUser)
		_, err = s.UpdateUser(sysCtx(), u.ID, people.UserInput{Email: ptr("bob@example.com")})
		wantField(t, err, "email")
		_, err = s.UpdateUser(sysCtx(), 9999, people.UserInput{Name: ptr("x")})
		wantCode(t, err, desk.ENOTFOUND)

		// Demoting an agent drops memberships and the default group.
		g, _ := s.CreateGroup(sysCtx(), people.GroupInput{Name: ptr("Support")})
		a := mkUser(t, s, "Agent", "agent@example.com", desk.RoleAgent)
		if _, err := s.AddMembership(sysCtx(), a.ID, g.ID, true); err != nil {
			t.Fatal(err)
		}
		a2, err := s.UpdateUser(sysCtx(), a.ID, people.UserInput{Role: ptr(desk.RoleEndUser)})
		if err != nil || a2.DefaultGroupID != nil || a2.Role != desk.RoleEndUser {
			t.Fatalf("%+v %v", a2, err)
		}
		ms, _ := s.ListMemberships(sysCtx(), a.ID, 0)
		if len(ms) != 0 {
			t.Fatalf("memberships kept: %+v", ms)
		}
	})
}

func TestListCountUsers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSvc(db)
		org := mkOrg(t, s, "Acme")
		g, _ := s.CreateGroup(sysCtx(), people.GroupInput{Name: ptr("Support")})
		admin := mkUser(t, s, "Admin", "admin@example.com", desk.RoleAdmin)
		agent := mkUser(t, s, "Agent", "agent@example.com", desk.RoleAgent)
		e1 := mkUser(t, s, "E1", "e1@example.com", desk.RoleEndUser)
		e2, _ := s.CreateUser(sysCtx(), people.UserInput{Name: ptr("E2"), OrganizationID: &org.ID})
		gone := mkUser(t, s, "Gone", "gone@example.com", desk.RoleEndUser)
		if _, err := s.DeleteUser(sysCtx(), gone.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddMembership(sysCtx(), agent.ID, g.ID, false); err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			name string
			f    people.UserFilter
			want []int64
		}{
			{"all active", people.UserFilter{}, []int64{admin.ID, agent.ID, e1.ID, e2.ID}},
			{"staff", people.UserFilter{Roles: []desk.Role{desk.RoleAgent, desk.RoleAdmin}}, []int64{admin.ID, agent.ID}},
			{"org", people.UserFilter{OrganizationID: org.ID}, []int64{e2.ID}},
			{"group", people.UserFilter{GroupID: g.ID}, []int64{agent.ID}},
			{"after", people.UserFilter{AfterID: agent.ID}, []int64{e1.ID, e2.ID}},
			{"limit", people.UserFilter{Limit: 2}, []int64{admin.ID, agent.ID}},
			{"offset", people.UserFilter{Limit: 2, Offset: 2}, []int64{e1.ID, e2.ID}},
			{"desc", people.UserFilter{Desc: true, Limit: 3}, []int64{e2.ID, e1.ID, agent.ID}},
			{"desc after", people.UserFilter{Desc: true, AfterID: e1.ID}, []int64{agent.ID, admin.ID}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				list, err := s.ListUsers(as(agent), c.f)
				if err != nil || !equalIDs(ids(list), c.want) {
					t.Fatalf("got %v, %v; want %v", ids(list), err, c.want)
				}
			})
		}
		n, err := s.CountUsers(as(admin), people.UserFilter{Roles: []desk.Role{desk.RoleEndUser}, Limit: 1})
		if err != nil || n != 2 {
			t.Fatalf("count = %d, %v", n, err)
		}
		_, err = s.ListUsers(sysCtx(), people.UserFilter{Roles: []desk.Role{"bogus"}})
		wantField(t, err, "role")
	})
}

func TestGetUsersVisibility(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSvc(db)
		shared, _ := s.CreateOrganization(sysCtx(), people.OrganizationInput{Name: ptr("Shared"), SharedTickets: ptr(true)})
		private := mkOrg(t, s, "Private")
		mk := func(name string, org int64) *desk.User {
			u, err := s.CreateUser(sysCtx(), people.UserInput{Name: &name, OrganizationID: &org})
			if err != nil {
				t.Fatal(err)
			}
			return u
		}
		s1, s2 := mk("S1", shared.ID), mk("S2", shared.ID)
		p1, p2 := mk("P1", private.ID), mk("P2", private.ID)
		loner := mkUser(t, s, "Loner", "", desk.RoleEndUser)
		agent := mkUser(t, s, "Agent", "agent@example.com", desk.RoleAgent)
		all := []int64{agent.ID, p2.ID, p1.ID, s2.ID, s1.ID, loner.ID, 424242, s1.ID}
		cases := []struct {
			who  *desk.User
			want []int64
		}{
			{agent, []int64{s1.ID, s2.ID, p1.ID, p2.ID, loner.ID, agent.ID}},
			{s1, []int64{s1.ID, s2.ID}},
			{p1, []int64{p1.ID}},
			{loner, []int64{loner.ID}},
		}
		for _, c := range cases {
			t.Run(c.who.Name, func(t *testing.T) {
				got, err := s.GetUsers(as(c.who), all)
				if err != nil || !equalIDs(ids(got), c.want) {
					t.Fatalf("got %v, %v; want %v", ids(got), err, c.want)
				}
			})
		}
		if _, err := s.GetUser(as(s1), s2.ID); err != nil {
			t.Fatal(err)
		}
		_, err := s.GetUser(as(p1), p2.ID)
		wantCode(t, err, desk.ENOTFOUND)
		_, err = s.GetUser(as(p1), agent.ID)
		wantCode(t, err, desk.ENOTFOUND)
		// Visible but not changeable: Forbidden; invisible: NotFound.
		_, err = s.UpdateUser(as(s1), s2.ID, people.UserInput{Name: ptr("x")})
		wantCode(t, err, desk.EFORBIDDEN)
		_, err = s.UpdateUser(as(p1), p2.ID, people.UserInput{Name: ptr("x")})
		wantCode(t, err, desk.ENOTFOUND)
	})
}

func TestDeleteUser(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSvc(db)
		admin := mkUser(t, s, "Admin", "admin@example.com", desk.RoleAdmin)
		agent := mkUser(t, s, "Agent", "agent@example.com", desk.RoleAgent)
		tok, err := s.CreateToken(sysCtx(), agent.ID, "ci")
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.DeleteUser(as(admin), admin.ID)
		wantCode(t, err, desk.EFORBIDDEN)
		_, err = s.DeleteUser(as(agent), admin.ID)
		wantCode(t, err, desk.EFORBIDDEN)
		d, err := s.DeleteUser(as(admin), agent.ID)
		if err != nil || d.Active || d.Email != "agent@example.com" {
			t.Fatalf("%+v %v", d, err)
		}
		if _, err := s.DeleteUser(as(admin), agent.ID); err != nil {
			t.Fatalf("second delete: %v", err)
		}
		// Kept for tickets: visible by id, email still owned, identities kept.
		if g, err := s.GetUser(as(admin), agent.ID); err != nil || g.Active {
			t.Fatalf("%+v %v", g, err)
		}
		if ids, _ := s.Identities(sysCtx(), agent.ID); len(ids) != 1 {
			t.Fatalf("identities %+v", ids)
		}
		var owner int64
		err = db.InTx(bg, func(tx *store.Tx) error {
			var err error
			owner, _, _, err = people.EnsureRequesterTx(bg, tx, "", "agent@example.com")
			return err
		})
		if err != nil || owner != agent.ID {
			t.Fatalf("owner %d %v", owner, err)
		}
		// But gone from lists, search, sign-in and tokens.
		list, _ := s.ListUsers(as(admin), people.UserFilter{})
		if !equalIDs(ids(list), []int64{admin.ID}) {
			t.Fatalf("list %v", ids(list))
		}
		_, err = s.AuthenticateToken(bg, "", tok.Token, "")
		wantCode(t, err, desk.EUNAUTHORIZED)
		_, err = s.DeleteUser(as(admin), 4242)
		wantCode(t, err, desk.ENOTFOUND)
	})
}

func TestCreateOrUpdateUser(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSvc(db)
		u, created, err := s.CreateOrUpdateUser(sysCtx(), people.UserInput{Name: ptr("Cara"), Email: ptr("cara@example.com")})
		if err != nil || !created {
			t.Fatalf("%v %v", created, err)
		}
		if _, err := s.AddIdentity(sysCtx(), u.ID, "email", "cara@work.example"); err != nil {
			t.Fatal(err)
		}
		// Match by a secondary email: updated, primary unchanged.
		u2, created, err := s.CreateOrUpdateUser(sysCtx(), people.UserInput{Name: ptr("Cara B"), Email: ptr("CARA@work.example"), ExternalID: ptr("c-1")})
		if err != nil || created || u2.ID != u.ID || u2.Name != "Cara B" || u2.Email != "cara@example.com" {
			t.Fatalf("%+v %v %v", u2, created, err)
		}
		// Match by external id.
		u3, created, err := s.CreateOrUpdateUser(sysCtx(), people.UserInput{Name: ptr("Cara C"), ExternalID: ptr("c-1")})
		if err != nil || created || u3.ID != u.ID || u3.Name != "Cara C" {
			t.Fatalf("%+v %v %v", u3, created, err)
		}
		// Agents may not update staff through it.
		agent := mkUser(t, s, "Agent", "agent@example.com", desk.RoleAgent)
		other := mkUser(t, s, "Other", "other@example.com", desk.RoleAgent)
		_, _, err = s.CreateOrUpdateUser(as(agent), people.UserInput{Name: ptr("x"), Email: ptr(other.Email)})
		wantCode(t, err, desk.EFORBIDDEN)
		_, _, err = s.CreateOrUpdateUser(as(u), people.UserInput{Name: ptr("x"), Email: ptr("new@example.com")})
		wantCode(t, err, desk.EFORBIDDEN)
	})
}

func TestSelfUpdate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSvc(db)
		e := mkUser(t, s, "Eve", "eve@example.com", desk.RoleEndUser)
		admin := mkUser(t, s, "Admin", "admin@example.com", desk.RoleAdmin)
		u, err := s.UpdateUser(as(e), e.ID, people.UserInput{Name: ptr("Eve E"), Locale: ptr("de"), TimeZone: ptr("Europe/Berlin"),
			Phone: ptr("+49 30 123"), Email: ptr("eve@example.com"), Role: ptr(desk.RoleEndUser)})
		if err != nil || u.Name != "Eve E" || u.Locale != "de" || u.TimeZone != "Europe/Berlin" || u.Phone != "+49 30 123" {
			t.Fatalf("%+v %v", u, err)
		}
		for name, in := range map[string]people.UserInput{
			"role":     {Role: ptr(desk.RoleAdmin)},
			"email":    {Email: ptr("eve2@example.com")},
			"notes":    {Notes: ptr("I am great")},
			"verified": {Verified: ptr(true)},
			"password": {Password: ptr("long enough pw")},
		} {
			t.Run(name, func(t *testing.T) {
				_, err := s.UpdateUser(as(e), e.ID, in)
				wantCode(t, err, desk.EFORBIDDEN)
			})
		}
		_, err = s.UpdateUser(as(admin), admin.ID, people.UserInput{Role: ptr(desk.RoleAgent)})
		wantCode(t, err, desk.EFORBIDDEN)
		_, err = s.UpdateUser(as(admin), admin.ID, people.UserInput{Suspended: ptr(true)})
		wantCode(t, err, desk.EFORBIDDEN)
	})
}
