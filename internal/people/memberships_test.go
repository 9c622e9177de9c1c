package people_test

import (
	"fmt"
	"testing"

	"github.com/frontdesk/frontdesk/internal/audit"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// Domain-based joining: a requester created from an address whose domain
// an organization owns becomes a (default) member of it, audited; a later
// membership elsewhere keeps that default.
func TestDomainJoinAddsMembership(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSvc(db)
		acme := mkOrg(t, s, "Acme", "acme.test")
		other := mkOrg(t, s, "Other")
		id, org, created := ensure(t, db, "Wile", "wile@acme.test")
		if !created || org == nil || *org != acme.ID {
			t.Fatalf("requester %d org %v created %v", id, org, created)
		}
		ms, err := s.ListOrgMemberships(sysCtx(), people.OrgMembershipFilter{UserID: id})
		if err != nil || len(ms) != 1 || ms[0].OrganizationID != acme.ID || !ms[0].Default {
			t.Fatalf("memberships %+v %v", ms, err)
		}
		if _, err := s.CreateOrgMembership(sysCtx(), id, other.ID, false); err != nil {
			t.Fatal(err)
		}
		u, err := s.GetUser(sysCtx(), id)
		if err != nil || u.OrganizationID == nil || *u.OrganizationID != acme.ID {
			t.Fatalf("default after a second membership: %v %v", u.OrganizationID, err)
		}
		es, err := audit.List(sysCtx(), db, audit.Filter{TargetType: "organization", TargetID: acme.ID, Action: people.AuditOrgMemberAdded})
		if err != nil || len(es) != 1 || es[0].Data["user_id"] != float64(id) {
			t.Fatalf("audit %+v %v", es, err)
		}
		// An address of no organization's domain joins nothing.
		loner, org, _ := ensure(t, db, "Loner", "loner@nowhere.test")
		if org != nil {
			t.Fatalf("loner's organization %v", *org)
		}
		if ms, _ := s.ListOrgMemberships(sysCtx(), people.OrgMembershipFilter{UserID: loner}); len(ms) != 0 {
			t.Fatalf("loner's memberships %+v", ms)
		}
	})
}

// End-users of two sharing organizations see each other (fellow members
// of any of their sharing organizations), not members of an organization
// that does not share, nor anyone else.
func TestFellowMembersVisibility(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSvc(db)
		share := true
		one := mkOrg(t, s, "One")
		two := mkOrg(t, s, "Two")
		closed := mkOrg(t, s, "Closed")
		for _, o := range []*desk.Organization{one, two} {
			if _, err := s.UpdateOrganization(sysCtx(), o.ID, people.OrganizationInput{SharedTickets: &share}); err != nil {
				t.Fatal(err)
			}
		}
		me := mkUser(t, s, "Me", "me@x.test", desk.RoleEndUser)
		inOne := mkUser(t, s, "In One", "one@x.test", desk.RoleEndUser)
		inTwo := mkUser(t, s, "In Two", "two@x.test", desk.RoleEndUser)
		inClosed := mkUser(t, s, "In Closed", "closed@x.test", desk.RoleEndUser)
		join := func(u *desk.User, o *desk.Organization) {
			t.Helper()
			if _, err := s.CreateOrgMembership(sysCtx(), u.ID, o.ID, false); err != nil {
				t.Fatal(err)
			}
		}
		join(me, one)
		join(me, two)
		join(me, closed)
		join(inOne, one)
		join(inTwo, two)
		join(inClosed, closed)
		for u, want := range map[*desk.User]string{inOne: "", inTwo: "", inClosed: desk.ENOTFOUND} {
			if _, err := s.GetUser(as(me), u.ID); code(err) != want {
				t.Errorf("%s seen by a fellow member: %v, want %q", u.Name, err, want)
			}
		}
		orgs, err := s.UserOrganizations(as(me), me.ID)
		if err != nil || len(orgs) != 3 {
			t.Fatalf("own organizations %d %v", len(orgs), err)
		}
		if _, err := s.UserOrganizations(as(me), inOne.ID); code(err) != desk.ENOTFOUND {
			t.Errorf("a fellow member's organizations: %v, want not found", err)
		}
	})
}

// The read path an end-user's every request takes: their memberships.
func BenchmarkListUserOrgMemberships(b *testing.B) {
	db := storetest.SQLite(b)
	s := newSvc(db)
	u := mkUser(b, s, "Bench", "bench@example.com", desk.RoleEndUser)
	for i := range 10 {
		o := mkOrg(b, s, fmt.Sprintf("Org %d", i))
		if _, err := s.CreateOrgMembership(sysCtx(), u.ID, o.ID, false); err != nil {
			b.Fatal(err)
		}
	}
	ctx := as(u)
	b.ReportAllocs()
	for b.Loop() {
		if ms, err := s.ListOrgMemberships(ctx, people.OrgMembershipFilter{UserID: u.ID, UserOrder: true}); err != nil || len(ms) != 10 {
			b.Fatal(len(ms), err)
		}
	}
}
