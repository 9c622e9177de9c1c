package people_test

import (
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

func TestOrganizations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSvc(db)
		g, _ := s.CreateGroup(sysCtx(), people.GroupInput{Name: ptr("Tier 1")})
		acme, err := s.CreateOrganization(sysCtx(), people.OrganizationInput{Name: ptr(" Acme Inc "),
			DomainNames: &[]string{"Acme.test", "acme.test", "b.example."}, GroupID: &g.ID, SharedTickets: ptr(true),
			Tags: &[]string{"Big"}, ExternalID: ptr("org-1"), Details: ptr("HQ in Łódź")})
		if err != nil {
			t.Fatal(err)
		}
		if acme.Name != "Acme Inc" || strings.Join(acme.DomainNames, ",") != "acme.test,b.example" || *acme.GroupID != g.ID ||
			!acme.SharedTickets || acme.Tags[0] != "big" || acme.Fields == nil {
			t.Fatalf("%+v", acme)
		}
		cases := []struct {
			name  string
			in    people.OrganizationInput
			field string
		}{
			{"missing name", people.OrganizationInput{}, "name"},
			{"duplicate name", people.OrganizationInput{Name: ptr("ACME INC")}, "name"},
			{"duplicate domain", people.OrganizationInput{Name: ptr("Other"), DomainNames: &[]string{"new.test", "ACME.test"}}, "domain_names"},
			{"bad domain", people.OrganizationInput{Name: ptr("Other"), DomainNames: &[]string{"exa mple.com"}}, "domain_names"},
			{"bad domain 2", people.OrganizationInput{Name: ptr("Other"), DomainNames: &[]string{"-bad.com"}}, "domain_names"},
			{"no dot", people.OrganizationInput{Name: ptr("Other"), DomainNames: &[]string{"localhost"}}, "domain_names"},
			{"sql in domain", people.OrganizationInput{Name: ptr("Other"), DomainNames: &[]string{"x.com'; DROP TABLE users;--"}}, "domain_names"},
			{"duplicate external id", people.OrganizationInput{Name: ptr("Other"), ExternalID: ptr("org-1")}, "external_id"},
			{"missing group", people.OrganizationInput{Name: ptr("Other"), GroupID: ptr(int64(999))}, "group_id"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				_, err := s.CreateOrganization(sysCtx(), c.in)
				wantField(t, err, c.field)
			})
		}
		other := mkOrg(t, s, "Other", "other.test")
		_, err = s.UpdateOrganization(sysCtx(), other.ID, people.OrganizationInput{Name: ptr("acme inc")})
		wantField(t, err, "name")
		_, err = s.UpdateOrganization(sysCtx(), other.ID, people.OrganizationInput{DomainNames: &[]string{"acme.test"}})
		wantField(t, err, "domain_names")
		// Renaming to a different case of its own name is fine; domains are replaced.
		o2, err := s.UpdateOrganization(sysCtx(), other.ID, people.OrganizationInput{Name: ptr("OTHER"), DomainNames: &[]string{"other2.test"}})
		if err != nil || o2.Name != "OTHER" || strings.Join(o2.DomainNames, ",") != "other2.test" {
			t.Fatalf("%+v %v", o2, err)
		}
		if _, err := s.CreateOrganization(sysCtx(), people.OrganizationInput{Name: ptr("Third"), DomainNames: &[]string{"other.test"}}); err != nil {
			t.Fatalf("freed domain not reusable: %v", err)
		}
		if o, err := s.OrganizationByName(sysCtx(), "  acme INC"); err != nil || o.ID != acme.ID {
			t.Fatalf("%+v %v", o, err)
		}
		list, err := s.ListOrganizations(sysCtx(), 0, 2, 0)
		if err != nil || len(list) != 2 || list[0].ID != acme.ID || len(list[0].DomainNames) != 2 {
			t.Fatalf("%v %v", ids(list), err)
		}
		if n, _ := s.CountOrganizations(sysCtx()); n != 3 {
			t.Fatalf("count %d", n)
		}
		got, _ := s.GetOrganizations(sysCtx(), []int64{other.ID, acme.ID, 999})
		if !equalIDs(ids(got), []int64{acme.ID, other.ID}) {
			t.Fatalf("%v", ids(got))
		}

		// End-users see only their own organization.
		member, _ := s.CreateUser(sysCtx(), people.UserInput{Name: ptr("M"), OrganizationID: &acme.ID})
		if _, err := s.GetOrganization(as(member), acme.ID); err != nil {
			t.Fatal(err)
		}
		_, err = s.GetOrganization(as(member), other.ID)
		wantCode(t, err, desk.ENOTFOUND)
		list, _ = s.ListOrganizations(as(member), 0, 100, 0)
		if !equalIDs(ids(list), []int64{acme.ID}) {
			t.Fatalf("%v", ids(list))
		}
		_, err = s.UpdateOrganization(as(member), acme.ID, people.OrganizationInput{Name: ptr("Mine")})
		wantCode(t, err, desk.EFORBIDDEN)
		_, err = s.UpdateOrganization(as(member), other.ID, people.OrganizationInput{Name: ptr("Mine")})
		wantCode(t, err, desk.ENOTFOUND)
		wantCode(t, s.DeleteOrganization(as(member), acme.ID), desk.EFORBIDDEN)
		_, err = s.OrganizationByName(as(member), "Acme Inc")
		wantCode(t, err, desk.ENOTFOUND)

		// Deleting frees its users and domains.
		if err := s.DeleteOrganization(sysCtx(), acme.ID); err != nil {
			t.Fatal(err)
		}
		if u, _ := s.GetUser(sysCtx(), member.ID); u.OrganizationID != nil {
			t.Fatalf("user still in deleted org: %+v", u)
		}
		_, err = s.GetOrganization(sysCtx(), acme.ID)
		wantCode(t, err, desk.ENOTFOUND)
		if _, org, _ := ensure(t, db, "", "x@acme.test"); org != nil {
			t.Fatalf("deleted org's domain still matches: %v", *org)
		}
		wantCode(t, s.DeleteOrganization(sysCtx(), acme.ID), desk.ENOTFOUND)
	})
}

func TestGroupsDefault(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSvc(db)
		if id, err := s.DefaultGroupID(sysCtx()); err != nil || id != 0 {
			t.Fatalf("%d %v", id, err)
		}
		g1, err := s.CreateGroup(sysCtx(), people.GroupInput{Name: ptr("One")})
		if err != nil || !g1.Default || !g1.IsPublic {
			t.Fatalf("%+v %v", g1, err)
		}
		g2, _ := s.CreateGroup(sysCtx(), people.GroupInput{Name: ptr("Two"), IsPublic: ptr(false)})
		if g2.Default || g2.IsPublic {
			t.Fatalf("%+v", g2)
		}
		g3, _ := s.CreateGroup(sysCtx(), people.GroupInput{Name: ptr("Three"), Default: ptr(true)})
		defaults := func() []int64 {
			var out []int64
			list, _ := s.ListGroups(sysCtx(), 0, 100, 0)
			for _, g := range list {
				if g.Default {
					out = append(out, g.ID)
				}
			}
			return out
		}
		if d := defaults(); !equalIDs(d, []int64{g3.ID}) {
			t.Fatalf("defaults %v", d)
		}
		if _, err := s.UpdateGroup(sysCtx(), g2.ID, people.GroupInput{Default: ptr(true), Description: ptr("second")}); err != nil {
			t.Fatal(err)
		}
		if d := defaults(); !equalIDs(d, []int64{g2.ID}) {
			t.Fatalf("defaults %v", d)
		}
		_, err = s.UpdateGroup(sysCtx(), g2.ID, people.GroupInput{Default: ptr(false)})
		wantField(t, err, "default")
		_, err = s.UpdateGroup(sysCtx(), g2.ID, people.GroupInput{Name: ptr("")})
		wantField(t, err, "name")
		// Deleting the default passes it to the oldest remaining group.
		if err := s.DeleteGroup(sysCtx(), g2.ID); err != nil {
			t.Fatal(err)
		}
		if id, _ := s.DefaultGroupID(sysCtx()); id != g1.ID {
			t.Fatalf("default %d, want %d", id, g1.ID)
		}
		list, _ := s.ListGroups(sysCtx(), 0, 100, 0)
		if !equalIDs(ids(list), []int64{g1.ID, g3.ID}) {
			t.Fatalf("%v", ids(list))
		}
		if n, _ := s.CountGroups(sysCtx()); n != 2 {
			t.Fatalf("count %d", n)
		}
		// Deleted groups stay readable for old tickets.
		if g, err := s.GetGroup(sysCtx(), g2.ID); err != nil || !g.Deleted {
			t.Fatalf("%+v %v", g, err)
		}
		got, _ := s.GetGroups(sysCtx(), []int64{g3.ID, g2.ID})
		if !equalIDs(ids(got), []int64{g2.ID, g3.ID}) {
			t.Fatalf("%v", ids(got))
		}
		wantCode(t, s.DeleteGroup(sysCtx(), g2.ID), desk.ENOTFOUND)
		_, err = s.UpdateGroup(sysCtx(), g2.ID, people.GroupInput{Name: ptr("x")})
		wantCode(t, err, desk.ENOTFOUND)

		agent := mkUser(t, s, "Agent", "agent@example.com", desk.RoleAgent)
		end := mkUser(t, s, "End", "end@example.com", desk.RoleEndUser)
		if _, err := s.ListGroups(as(agent), 0, 10, 0); err != nil {
			t.Fatal(err)
		}
		_, err = s.CreateGroup(as(agent), people.GroupInput{Name: ptr("Mine")})
		wantCode(t, err, desk.EFORBIDDEN)
		_, err = s.UpdateGroup(as(agent), g1.ID, people.GroupInput{Name: ptr("Mine")})
		wantCode(t, err, desk.EFORBIDDEN)
		_, err = s.GetGroup(as(end), g1.ID)
		wantCode(t, err, desk.ENOTFOUND)
		_, err = s.ListGroups(as(end), 0, 10, 0)
		wantCode(t, err, desk.EFORBIDDEN)
		if id, err := s.DefaultGroupID(as(end)); err != nil || id != g1.ID {
			t.Fatalf("%d %v", id, err)
		}
	})
}

func TestMemberships(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSvc(db)
		g1, _ := s.CreateGroup(sysCtx(), people.GroupInput{Name: ptr("One")})
		g2, _ := s.CreateGroup(sysCtx(), people.GroupInput{Name: ptr("Two")})
		agent := mkUser(t, s, "Agent", "agent@example.com", desk.RoleAgent)
		admin := mkUser(t, s, "Admin", "admin@example.com", desk.RoleAdmin)
		end := mkUser(t, s, "End", "end@example.com", desk.RoleEndUser)

		cases := []struct {
			name          string
			user, group   int64
			field, errstr string
		}{
			{"end-user", end.ID, g1.ID, "user_id", "must be an agent"},
			{"missing user", 999, g1.ID, "user_id", ""},
			{"missing group", agent.ID, 999, "group_id", ""},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				_, err := s.AddMembership(sysCtx(), c.user, c.group, false)
				wantField(t, err, c.field)
				if c.errstr != "" && err.(*desk.Error).Details[c.field][0].Description != c.errstr {
					t.Fatalf("%+v", err)
				}
			})
		}
		// The first membership becomes the default.
		m1, err := s.AddMembership(sysCtx(), agent.ID, g1.ID, false)
		if err != nil || !m1.Default {
			t.Fatalf("%+v %v", m1, err)
		}
		_, err = s.AddMembership(sysCtx(), agent.ID, g1.ID, false)
		wantField(t, err, "group_id")
		m2, err := s.AddMembership(sysCtx(), agent.ID, g2.ID, true)
		if err != nil || !m2.Default {
			t.Fatalf("%+v %v", m2, err)
		}
		if m, _ := s.GetMembership(sysCtx(), m1.ID); m.Default {
			t.Fatal("old default kept")
		}
		if u, _ := s.GetUser(sysCtx(), agent.ID); u.DefaultGroupID == nil || *u.DefaultGroupID != g2.ID {
			t.Fatalf("%+v", u.DefaultGroupID)
		}
		if ok, _ := people.IsGroupMemberTx(bg, db, agent.ID, g2.ID); !ok {
			t.Fatal("not a member")
		}
		if ok, _ := people.IsGroupMemberTx(bg, db, admin.ID, g2.ID); ok {
			t.Fatal("admin is a member")
		}
		if _, err := s.AddMembership(sysCtx(), admin.ID, g2.ID, false); err != nil {
			t.Fatal(err)
		}
		list, _ := s.ListMemberships(as(agent), 0, g2.ID)
		if len(list) != 2 {
			t.Fatalf("%+v", list)
		}
		list, _ = s.ListMemberships(as(agent), agent.ID, 0)
		if len(list) != 2 {
			t.Fatalf("%+v", list)
		}
		// Removing the default promotes the remaining membership.
		wantCode(t, s.RemoveMembership(as(agent), m2.ID), desk.EFORBIDDEN)
		if err := s.RemoveMembership(sysCtx(), m2.ID); err != nil {
			t.Fatal(err)
		}
		if u, _ := s.GetUser(sysCtx(), agent.ID); u.DefaultGroupID == nil || *u.DefaultGroupID != g1.ID {
			t.Fatalf("%+v", u.DefaultGroupID)
		}
		wantCode(t, s.RemoveMembership(sysCtx(), m2.ID), desk.ENOTFOUND)
		// Setting the default group through the user adds the membership.
		u, err := s.UpdateUser(sysCtx(), agent.ID, people.UserInput{DefaultGroupID: &g2.ID})
		if err != nil || *u.DefaultGroupID != g2.ID {
			t.Fatalf("%+v %v", u, err)
		}
		if ok, _ := people.IsGroupMemberTx(bg, db, agent.ID, g2.ID); !ok {
			t.Fatal("default group without membership")
		}
		// Deleting a group removes its memberships and falls back.
		if err := s.DeleteGroup(sysCtx(), g2.ID); err != nil {
			t.Fatal(err)
		}
		if u, _ := s.GetUser(sysCtx(), agent.ID); u.DefaultGroupID == nil || *u.DefaultGroupID != g1.ID {
			t.Fatalf("%+v", u.DefaultGroupID)
		}
		if u, _ := s.GetUser(sysCtx(), admin.ID); u.DefaultGroupID != nil {
			t.Fatalf("%+v", *u.DefaultGroupID)
		}
		_, err = s.AddMembership(sysCtx(), agent.ID, g2.ID, false)
		wantField(t, err, "group_id")

		_, err = s.AddMembership(as(agent), agent.ID, g1.ID, false)
		wantCode(t, err, desk.EFORBIDDEN)
		_, err = s.ListMemberships(as(end), 0, 0)
		wantCode(t, err, desk.EFORBIDDEN)
		_, err = s.GetMembership(as(end), m1.ID)
		wantCode(t, err, desk.ENOTFOUND)
	})
}
