package people_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/frontdesk/frontdesk/internal/audit"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// asLoaded acts as u with the permissions of u's role, as authentication
// builds the principal.
func asLoaded(t *testing.T, db *store.DB, u *desk.User) context.Context {
	t.Helper()
	p, err := people.PrincipalFor(bg, db, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	p.Via = "api"
	return desk.WithPrincipal(bg, p)
}

// withRole gives agent u the custom role with configuration conf.
func withRole(t *testing.T, s *people.Service, u *desk.User, name, conf string) {
	t.Helper()
	var c map[string]json.RawMessage
	if err := json.Unmarshal([]byte(conf), &c); err != nil {
		t.Fatal(err)
	}
	r, err := s.CreateCustomRole(sysCtx(), people.CustomRoleInput{Name: &name, Configuration: c})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateUser(sysCtx(), u.ID, people.UserInput{CustomRoleID: &r.ID}); err != nil {
		t.Fatal(err)
	}
}

func auditOf(t *testing.T, db *store.DB, groupID int64) []audit.Entry {
	t.Helper()
	es, err := audit.List(sysCtx(), db, audit.Filter{TargetType: "group", TargetID: groupID})
	if err != nil {
		t.Fatal(err)
	}
	return es
}

// The rule of issue 7 item 4: joining a private group, adding others to
// it, taking members out, deleting it or changing its visibility needs the
// account owner or a member (beyond manage_groups_orgs); a private group is
// never made public; every such change is audited.
func TestPrivateGroupChangesNeedAnInsider(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSvc(db)
		owner := mkUser(t, s, "Owner", "owner@example.com", desk.RoleAdmin)
		admin2 := mkUser(t, s, "Second Admin", "admin2@example.com", desk.RoleAdmin)
		manager := mkUser(t, s, "Manager", "manager@example.com", desk.RoleAgent)
		withRole(t, s, manager, "Groups and orgs only", `{"ticket_access": "all", "manage_groups_orgs": true}`)
		insider := mkUser(t, s, "Insider", "insider@example.com", desk.RoleAgent)
		withRole(t, s, insider, "Group manager", `{"ticket_access": "all", "manage_groups_orgs": true}`)
		member := mkUser(t, s, "Member", "member@example.com", desk.RoleAgent) // built-in agent: no manage_groups_orgs
		bystander := mkUser(t, s, "Bystander", "bystander@example.com", desk.RoleAgent)
		if o, err := s.Owner(sysCtx()); err != nil || o.ID != owner.ID {
			t.Fatalf("owner %+v %v", o, err)
		}
		vip, err := s.CreateGroup(sysCtx(), people.GroupInput{Name: ptr("VIP"), IsPublic: ptr(false)})
		if err != nil {
			t.Fatal(err)
		}
		var memberM *desk.GroupMembership
		for _, u := range []*desk.User{insider, member} {
			if memberM, err = s.AddMembership(sysCtx(), u.ID, vip.ID, false); err != nil {
				t.Fatal(err)
			}
		}
		public, err := s.CreateGroup(sysCtx(), people.GroupInput{Name: ptr("Support")})
		if err != nil {
			t.Fatal(err)
		}
		before := len(auditOf(t, db, vip.ID))

		// Outsiders are refused, whatever they hold.
		refused := []struct {
			name string
			do   func() error
		}{
			{"manage_groups_orgs joins", func() error {
				_, err := s.AddMembership(asLoaded(t, db, manager), manager.ID, vip.ID, false)
				return err
			}},
			{"second admin joins", func() error {
				_, err := s.AddMembership(asLoaded(t, db, admin2), admin2.ID, vip.ID, false)
				return err
			}},
			{"second admin adds another", func() error {
				_, err := s.AddMembership(asLoaded(t, db, admin2), bystander.ID, vip.ID, false)
				return err
			}},
			{"second admin makes it public", func() error {
				_, err := s.UpdateGroup(asLoaded(t, db, admin2), vip.ID, people.GroupInput{IsPublic: ptr(true)})
				return err
			}},
			{"manage_groups_orgs makes it public", func() error {
				_, err := s.UpdateGroup(asLoaded(t, db, manager), vip.ID, people.GroupInput{IsPublic: ptr(true)})
				return err
			}},
			{"second admin renames it", func() error {
				_, err := s.UpdateGroup(asLoaded(t, db, admin2), vip.ID, people.GroupInput{Name: ptr("Not VIP")})
				return err
			}},
			{"second admin removes a member", func() error { return s.RemoveMembership(asLoaded(t, db, admin2), memberM.ID) }},
			{"second admin deletes it", func() error { return s.DeleteGroup(asLoaded(t, db, admin2), vip.ID) }},
			{"second admin makes it someone's default group", func() error {
				_, err := s.UpdateUser(asLoaded(t, db, admin2), bystander.ID, people.UserInput{DefaultGroupID: &vip.ID})
				return err
			}},
			{"second admin creates an agent in it", func() error {
				_, err := s.CreateUser(asLoaded(t, db, admin2), people.UserInput{Name: ptr("Sneaky"), Email: ptr("sneaky@example.com"),
					Role: ptr(desk.RoleAgent), DefaultGroupID: &vip.ID})
				return err
			}},
			{"second admin makes a public group private", func() error {
				_, err := s.UpdateGroup(asLoaded(t, db, admin2), public.ID, people.GroupInput{IsPublic: ptr(false)})
				return err
			}},
			{"a member without manage_groups_orgs adds someone", func() error {
				_, err := s.AddMembership(asLoaded(t, db, member), bystander.ID, vip.ID, false)
				return err
			}},
		}
		for _, c := range refused {
			t.Run(c.name, func(t *testing.T) { wantCode(t, c.do(), desk.EFORBIDDEN) })
		}
		for _, u := range []*desk.User{manager, admin2, bystander} {
			if in, err := people.IsGroupMemberTx(bg, db, u.ID, vip.ID); err != nil || in {
				t.Fatalf("%s is in the private group (%v)", u.Name, err)
			}
		}
		if g, _ := s.GetGroup(sysCtx(), vip.ID); g.IsPublic || g.Deleted || g.Name != "VIP" {
			t.Fatalf("private group changed by outsiders: %+v", g)
		}
		if n := len(auditOf(t, db, vip.ID)); n != before {
			t.Fatalf("refused attempts left %d audit entries", n-before)
		}

		// Nobody makes a private group public: a clear validation error.
		for _, u := range []*desk.User{owner, insider} {
			_, err := s.UpdateGroup(asLoaded(t, db, u), vip.ID, people.GroupInput{IsPublic: ptr(true)})
			wantField(t, err, "is_public")
		}
		_, err = s.UpdateGroup(sysCtx(), vip.ID, people.GroupInput{IsPublic: ptr(true)})
		wantField(t, err, "is_public")

		// The owner and members with manage_groups_orgs may change it.
		ownerCtx := asLoaded(t, db, owner)
		added, err := s.AddMembership(ownerCtx, bystander.ID, vip.ID, false)
		if err != nil {
			t.Fatalf("owner adds a member: %v", err)
		}
		if err := s.RemoveMembership(asLoaded(t, db, insider), added.ID); err != nil {
			t.Fatalf("member removes a member: %v", err)
		}
		if _, err := s.UpdateGroup(asLoaded(t, db, insider), vip.ID, people.GroupInput{Description: ptr("top customers")}); err != nil {
			t.Fatalf("member updates the group: %v", err)
		}
		if _, err := s.UpdateUser(ownerCtx, manager.ID, people.UserInput{DefaultGroupID: &vip.ID}); err != nil {
			t.Fatalf("owner sets a private default group: %v", err)
		}
		// Public groups stay open to manage_groups_orgs.
		if _, err := s.AddMembership(asLoaded(t, db, manager), bystander.ID, public.ID, false); err != nil {
			t.Fatalf("public group: %v", err)
		}
		// Making a public group private is a visibility change: an insider's.
		if _, err := s.UpdateGroup(ownerCtx, public.ID, people.GroupInput{IsPublic: ptr(false)}); err != nil {
			t.Fatalf("owner makes a group private: %v", err)
		}

		// Every change is in the audit log, newest first, with its actor.
		es := auditOf(t, db, vip.ID)
		want := []struct {
			action string
			actor  int64
			user   int64
		}{
			{people.AuditGroupMemberAdded, owner.ID, manager.ID},
			{people.AuditGroupUpdated, insider.ID, 0},
			{people.AuditGroupMemberRemoved, insider.ID, bystander.ID},
			{people.AuditGroupMemberAdded, owner.ID, bystander.ID},
		}
		if len(es) < len(want) {
			t.Fatalf("audit %+v", es)
		}
		for i, w := range want {
			e := es[i]
			if e.Action != w.action || e.ActorID != w.actor || e.Via != "api" {
				t.Errorf("entry %d: %+v, want %s by %d", i, e, w.action, w.actor)
			}
			if w.user != 0 && (e.Data["user_id"] != float64(w.user) || e.Data["private"] != true) {
				t.Errorf("entry %d data %+v, want user %d in a private group", i, e.Data, w.user)
			}
		}
		if c, ok := es[1].Changes["description"]; !ok || c.Before != "" || c.After != "top customers" {
			t.Errorf("update entry changes %+v", es[1].Changes)
		}
		pe := auditOf(t, db, public.ID)
		if len(pe) == 0 || pe[0].Action != people.AuditGroupUpdated || pe[0].Changes["is_public"] != (audit.Change{Before: true, After: false}) {
			t.Errorf("visibility change not audited: %+v", pe)
		}

		// Deleting by an insider takes every member out, audited once.
		if err := s.DeleteGroup(asLoaded(t, db, insider), vip.ID); err != nil {
			t.Fatalf("member deletes the group: %v", err)
		}
		if es := auditOf(t, db, vip.ID); es[0].Action != people.AuditGroupDeleted || len(es[0].Data["member_ids"].([]any)) != 3 {
			t.Errorf("delete entry %+v", es[0])
		}
	})
}

// Demoting or deleting a user takes them out of their groups; for a
// private group that is a membership change like any other: audited.
func TestMembershipsEndedWithTheUserAreAudited(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSvc(db)
		mkUser(t, s, "Owner", "owner@example.com", desk.RoleAdmin)
		a := mkUser(t, s, "A", "a@example.com", desk.RoleAgent)
		b := mkUser(t, s, "B", "b@example.com", desk.RoleAgent)
		vip, err := s.CreateGroup(sysCtx(), people.GroupInput{Name: ptr("VIP"), IsPublic: ptr(false)})
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range []*desk.User{a, b} {
			if _, err := s.AddMembership(sysCtx(), u.ID, vip.ID, false); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.UpdateUser(sysCtx(), a.ID, people.UserInput{Role: ptr(desk.RoleEndUser)}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.DeleteUser(sysCtx(), b.ID); err != nil {
			t.Fatal(err)
		}
		es := auditOf(t, db, vip.ID)
		if len(es) < 2 || es[0].Action != people.AuditGroupMemberRemoved || es[0].Data["user_id"] != float64(b.ID) ||
			es[1].Action != people.AuditGroupMemberRemoved || es[1].Data["user_id"] != float64(a.ID) {
			t.Fatalf("audit %+v", es)
		}
	})
}
