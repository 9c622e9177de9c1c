package people_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/events"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// fingerprint sums up the people tables and the audit log, so a test can
// tell whether anything at all was written.
func fingerprint(t *testing.T, db *store.DB) string {
	t.Helper()
	var out string
	for _, q := range []string{
		`SELECT COUNT(*), COALESCE(SUM(updated_at), 0), COALESCE(SUM(CASE WHEN active THEN 1 ELSE 0 END), 0) FROM users`,
		`SELECT COUNT(*), COALESCE(SUM(updated_at), 0), 0 FROM organizations`,
		`SELECT COUNT(*), COALESCE(SUM(updated_at), 0), 0 FROM agent_groups`,
		`SELECT COUNT(*), COALESCE(SUM(updated_at), 0), 0 FROM group_memberships`,
		`SELECT COUNT(*), COALESCE(SUM(updated_at), 0), 0 FROM user_identities`,
		`SELECT COUNT(*), 0, 0 FROM audit_log`,
	} {
		var a, b, c int64
		if err := db.QueryRow(bg, q).Scan(&a, &b, &c); err != nil {
			t.Fatal(err)
		}
		out += fmt.Sprintf("%d/%d/%d ", a, b, c)
	}
	return out
}

// Every change of a user, organization, group or membership publishes
// exactly one event after commit, through the hooks inside its
// transaction; a failing hook rolls the change back and nothing is
// published (issue 8, item 2: people get the tickets' treatment).
func TestPeopleMutationsPublishOneEventAfterCommit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		setup := newSvc(db) // fixtures, outside the service under test
		bus := events.New()
		var mu sync.Mutex
		var got []events.Event
		bus.Subscribe(func(e events.Event) { mu.Lock(); got = append(got, e); mu.Unlock() })
		s := wire(people.New(db, bus))
		var failing bool
		var hooked []events.Event
		hookErr := errors.New("hook says no")
		s.AddHook(func(ctx context.Context, tx *store.Tx, e events.Event) error {
			hooked = append(hooked, e)
			mu.Lock()
			n := len(got)
			mu.Unlock()
			if n != 0 {
				t.Errorf("event delivered before commit: %+v", got)
			}
			if failing {
				return hookErr
			}
			return nil
		})

		owner := mkUser(t, setup, "Owner", "owner@example.com", desk.RoleAdmin)
		ctx := desk.WithPrincipal(bg, &desk.Principal{UserID: owner.ID, Role: desk.RoleAdmin, Via: "api"})
		n := 0
		uniq := func(p string) string { n++; return fmt.Sprintf("%s%d", p, n) }
		agent := func() *desk.User {
			return mkUser(t, setup, uniq("Agent "), uniq("agent")+"@example.com", desk.RoleAgent)
		}
		endUser := func() *desk.User { return mkUser(t, setup, uniq("End "), uniq("end")+"@example.com", desk.RoleEndUser) }
		org := func() *desk.Organization { return mkOrg(t, setup, uniq("Org ")) }
		group := func() *desk.Group {
			g, err := setup.CreateGroup(sysCtx(), people.GroupInput{Name: ptr(uniq("Group "))})
			if err != nil {
				t.Fatal(err)
			}
			return g
		}
		membership := func() *desk.GroupMembership {
			m, err := setup.AddMembership(sysCtx(), agent().ID, group().ID, false)
			if err != nil {
				t.Fatal(err)
			}
			return m
		}

		type mutation func() (int64, error)
		cases := []struct {
			name string
			typ  string
			// prep makes the fixtures and returns the mutation, which
			// returns the record id the event must name.
			prep  func() mutation
			field func(events.Event) int64
		}{
			{"create user", events.UserCreated, func() mutation {
				return func() (int64, error) {
					u, err := s.CreateUser(ctx, people.UserInput{Name: ptr("New"), Email: ptr(uniq("new") + "@example.com")})
					if err != nil {
						return 0, err
					}
					return u.ID, nil
				}
			}, userOf},
			{"update user", events.UserUpdated, func() mutation {
				u := endUser()
				return func() (int64, error) {
					_, err := s.UpdateUser(ctx, u.ID, people.UserInput{Notes: ptr("changed")})
					return u.ID, err
				}
			}, userOf},
			{"update user's default group", events.UserUpdated, func() mutation {
				u, g := agent(), group()
				return func() (int64, error) {
					_, err := s.UpdateUser(ctx, u.ID, people.UserInput{DefaultGroupID: &g.ID})
					return u.ID, err
				}
			}, userOf},
			{"create or update user", events.UserUpdated, func() mutation {
				u := endUser()
				return func() (int64, error) {
					_, _, err := s.CreateOrUpdateUser(ctx, people.UserInput{Email: &u.Email, Phone: ptr("+48 123 456 789")})
					return u.ID, err
				}
			}, userOf},
			{"add identity", events.UserUpdated, func() mutation {
				u := endUser()
				return func() (int64, error) {
					_, err := s.AddIdentity(ctx, u.ID, people.IdentityEmail, uniq("alias")+"@example.com")
					return u.ID, err
				}
			}, userOf},
			{"delete user", events.UserDeleted, func() mutation {
				u := agent()
				return func() (int64, error) {
					_, err := s.DeleteUser(ctx, u.ID)
					return u.ID, err
				}
			}, userOf},
			{"create organization", events.OrganizationCreated, func() mutation {
				return func() (int64, error) {
					o, err := s.CreateOrganization(ctx, people.OrganizationInput{Name: ptr(uniq("New org "))})
					if err != nil {
						return 0, err
					}
					return o.ID, nil
				}
			}, orgOf},
			{"update organization", events.OrganizationUpdated, func() mutation {
				o := org()
				return func() (int64, error) {
					_, err := s.UpdateOrganization(ctx, o.ID, people.OrganizationInput{Notes: ptr("n")})
					return o.ID, err
				}
			}, orgOf},
			{"delete organization", events.OrganizationDeleted, func() mutation {
				o := org()
				return func() (int64, error) { return o.ID, s.DeleteOrganization(ctx, o.ID) }
			}, orgOf},
			{"create group", events.GroupCreated, func() mutation {
				return func() (int64, error) {
					g, err := s.CreateGroup(ctx, people.GroupInput{Name: ptr(uniq("New group "))})
					if err != nil {
						return 0, err
					}
					return g.ID, nil
				}
			}, groupOf},
			{"update group", events.GroupUpdated, func() mutation {
				g := group()
				return func() (int64, error) {
					_, err := s.UpdateGroup(ctx, g.ID, people.GroupInput{Description: ptr("d")})
					return g.ID, err
				}
			}, groupOf},
			{"delete group", events.GroupDeleted, func() mutation {
				m := membership()
				return func() (int64, error) { return m.GroupID, s.DeleteGroup(ctx, m.GroupID) }
			}, groupOf},
			{"add membership", events.GroupMembershipCreated, func() mutation {
				g, u := group(), agent()
				return func() (int64, error) {
					_, err := s.AddMembership(ctx, u.ID, g.ID, true)
					return g.ID, err
				}
			}, groupOf},
			{"remove membership", events.GroupMembershipDeleted, func() mutation {
				m := membership()
				return func() (int64, error) { return m.GroupID, s.RemoveMembership(ctx, m.ID) }
			}, groupOf},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				// Committed: exactly one event, after the hooks saw it.
				failing, hooked = false, nil
				mu.Lock()
				got = nil
				mu.Unlock()
				id, err := c.prep()()
				if err != nil {
					t.Fatal(err)
				}
				mu.Lock()
				evs := append([]events.Event(nil), got...)
				mu.Unlock()
				if len(evs) != 1 || evs[0].Type != c.typ || c.field(evs[0]) != id || evs[0].ActorID != owner.ID {
					t.Fatalf("events %+v, want one %s for %d by %d", evs, c.typ, id, owner.ID)
				}
				if len(hooked) != 1 || hooked[0].Type != c.typ {
					t.Fatalf("hooks saw %+v", hooked)
				}

				// A failing hook: the change is rolled back, nothing published.
				failing, hooked = true, nil
				mu.Lock()
				got = nil
				mu.Unlock()
				do := c.prep()
				before := fingerprint(t, db)
				if _, err := do(); !errors.Is(err, hookErr) {
					t.Fatalf("failing hook: err %v", err)
				}
				if after := fingerprint(t, db); after != before {
					t.Fatalf("rolled-back change left data behind:\n%s\n%s", before, after)
				}
				mu.Lock()
				defer mu.Unlock()
				if len(got) != 0 {
					t.Fatalf("events after rollback: %+v", got)
				}
			})
		}
	})
}

func userOf(e events.Event) int64  { return e.UserID }
func orgOf(e events.Event) int64   { return e.OrganizationID }
func groupOf(e events.Event) int64 { return e.GroupID }
