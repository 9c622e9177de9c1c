package people_test

import (
	"slices"
	"testing"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

func primaryIdentity(t *testing.T, s *people.Service, userID int64) desk.Identity {
	t.Helper()
	ids, err := s.Identities(sysCtx(), userID)
	if err != nil || len(ids) == 0 || !ids[0].Primary {
		t.Fatalf("identities %+v %v", ids, err)
	}
	return ids[0]
}

// Issue 7, item 13: agents with edit_end_users must not set or add a
// verified email for an end-user; only admins may vouch for an address.
func TestOnlyAdminsMarkEmailsVerified(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSvc(db)
		admin := mkUser(t, s, "Admin", "admin@example.com", desk.RoleAdmin)
		agent := mkUser(t, s, "Agent", "agent@example.com", desk.RoleAgent) // built-in: edit_end_users
		agentCtx := asLoaded(t, db, agent)
		if !desk.PrincipalFrom(agentCtx).Can().EditEndUsers {
			t.Fatal("fixture: the agent cannot edit end-users")
		}

		_, err := s.CreateUser(agentCtx, people.UserInput{Name: ptr("Mallory"), Email: ptr("mallory@evil.test"), Verified: ptr(true)})
		wantCode(t, err, desk.EFORBIDDEN)

		cust, err := s.CreateUser(sysCtx(), people.UserInput{Name: ptr("Cust"), Email: ptr("cust@example.com"), Verified: ptr(true)})
		if err != nil || !cust.Verified || !primaryIdentity(t, s, cust.ID).Verified {
			t.Fatalf("admin-created verified customer %+v %v", cust, err)
		}
		pending := mkUser(t, s, "Pending", "pending@example.com", desk.RoleEndUser)
		_, err = s.UpdateUser(agentCtx, pending.ID, people.UserInput{Verified: ptr(true)})
		wantCode(t, err, desk.EFORBIDDEN)
		if id := primaryIdentity(t, s, pending.ID); id.Verified {
			t.Fatal("agent verified an address")
		}

		// An agent cannot point a customer's primary email (where password
		// resets go) at an unverified address: that would hand the account
		// to whoever holds it (p6-users). Only admins may.
		_, err = s.UpdateUser(agentCtx, cust.ID, people.UserInput{Email: ptr("attacker@evil.test")})
		wantCode(t, err, desk.EFORBIDDEN)
		if id := primaryIdentity(t, s, cust.ID); id.Value != "cust@example.com" || !id.Verified {
			t.Fatalf("primary after a refused change %+v", id)
		}
		// Sending verified along is refused outright.
		_, err = s.UpdateUser(agentCtx, cust.ID, people.UserInput{Email: ptr("other@evil.test"), Verified: ptr(true)})
		wantCode(t, err, desk.EFORBIDDEN)
		// Identities an agent adds start unverified.
		ident, err := s.AddIdentity(agentCtx, pending.ID, people.IdentityEmail, "second@example.com")
		if err != nil || ident.Verified {
			t.Fatalf("added identity %+v %v", ident, err)
		}
		// Keeping the verified address is fine.
		u, err := s.UpdateUser(agentCtx, cust.ID, people.UserInput{Email: ptr("cust@example.com")})
		if err != nil || !u.Verified || !primaryIdentity(t, s, cust.ID).Verified {
			t.Fatalf("back to a verified address: %+v %v", u, err)
		}

		// Admins may skip verification, explicitly.
		adminCtx := asLoaded(t, db, admin)
		u, err = s.UpdateUser(adminCtx, pending.ID, people.UserInput{Email: ptr("fresh@example.com")})
		if err != nil || u.Verified || primaryIdentity(t, s, pending.ID).Verified {
			t.Fatalf("admin email change without verified: %+v %v", u, err)
		}
		u, err = s.UpdateUser(adminCtx, pending.ID, people.UserInput{Email: ptr("vouched@example.com"), Verified: ptr(true)})
		if err != nil || !u.Verified || !primaryIdentity(t, s, pending.ID).Verified {
			t.Fatalf("admin vouching: %+v %v", u, err)
		}
	})
}

// Issue 7, item 13: admins other than the owner neither list nor revoke
// the owner's API tokens.
func TestOwnersTokensAreTheOwners(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSvc(db)
		owner := mkUser(t, s, "Owner", "owner@example.com", desk.RoleAdmin)
		admin2 := mkUser(t, s, "Second", "second@example.com", desk.RoleAdmin)
		agent := mkUser(t, s, "Agent", "agent@example.com", desk.RoleAgent)
		ownerTok, err := s.CreateToken(as(owner), 0, "owner's")
		if err != nil {
			t.Fatal(err)
		}
		adminTok, err := s.CreateToken(as(admin2), 0, "second's")
		if err != nil {
			t.Fatal(err)
		}
		agentTok, err := s.CreateToken(as(agent), 0, "agent's")
		if err != nil {
			t.Fatal(err)
		}
		list := func(ctx desk.Principal) []int64 {
			t.Helper()
			ts, err := s.ListTokens(desk.WithPrincipal(bg, &ctx))
			if err != nil {
				t.Fatal(err)
			}
			var out []int64
			for _, tk := range ts {
				out = append(out, tk.ID)
			}
			return out
		}
		p2 := desk.Principal{UserID: admin2.ID, Role: desk.RoleAdmin}
		if got := list(p2); slices.Contains(got, ownerTok.ID) || !slices.Contains(got, adminTok.ID) || !slices.Contains(got, agentTok.ID) {
			t.Fatalf("second admin lists %v (owner's %d)", got, ownerTok.ID)
		}
		if got := list(desk.Principal{UserID: owner.ID, Role: desk.RoleAdmin}); len(got) != 3 {
			t.Fatalf("owner lists %v", got)
		}
		wantCode(t, s.DeleteToken(as(admin2), ownerTok.ID), desk.ENOTFOUND)
		if _, err := s.AuthenticateToken(bg, "", ownerTok.Token, ""); err != nil {
			t.Fatalf("owner's token revoked by another admin: %v", err)
		}
		if err := s.DeleteToken(as(admin2), agentTok.ID); err != nil {
			t.Fatalf("second admin revokes an agent's token: %v", err)
		}
		if err := s.DeleteToken(as(owner), adminTok.ID); err != nil {
			t.Fatalf("owner revokes another admin's token: %v", err)
		}
		if err := s.DeleteToken(as(owner), ownerTok.ID); err != nil {
			t.Fatalf("owner revokes own token: %v", err)
		}
	})
}
