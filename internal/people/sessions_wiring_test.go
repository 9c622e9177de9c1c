package people_test

import (
	"testing"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// Suspending a user must end their sessions, which package account owns.
// A people service nobody wired to account refuses the suspension instead
// of leaving the sessions alive (fail closed); wired, it succeeds.
func TestSuspensionNeedsTheSessionService(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		unwired := people.New(db, nil)
		u := mkUser(t, unwired, "Sam", "sam@example.com", desk.RoleAgent)
		if _, err := unwired.UpdateUser(sysCtx(), u.ID, people.UserInput{Suspended: ptr(true)}); err == nil {
			t.Fatal("suspension succeeded without a way to end the user's sessions")
		}
		if got, err := unwired.GetUser(sysCtx(), u.ID); err != nil || got.Suspended {
			t.Fatalf("refused suspension changed the user: %+v %v", got, err)
		}
		if _, err := wire(unwired).UpdateUser(sysCtx(), u.ID, people.UserInput{Suspended: ptr(true)}); err != nil {
			t.Fatal(err)
		}
	})
}

// An admin (or anyone) cannot set their own password through a plain user
// update, which asks for no current password: a stolen session or token
// would otherwise lock the owner out. Setting another user's still works.
func TestOwnPasswordNotThroughUpdateUser(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSvc(db)
		admin := mkUser(t, s, "Ada", "ada@example.com", desk.RoleAdmin)
		other := mkUser(t, s, "Bob", "bob@example.com", desk.RoleAgent)
		ctx := desk.WithPrincipal(bg, &desk.Principal{UserID: admin.ID, Role: desk.RoleAdmin, Email: admin.Email})
		_, err := s.UpdateUser(ctx, admin.ID, people.UserInput{Password: ptr("a brand new passphrase 42")})
		if desk.ErrorCode(err) != desk.EFORBIDDEN {
			t.Fatalf("own password through UpdateUser: %v", err)
		}
		if _, err := s.UpdateUser(ctx, other.ID, people.UserInput{Password: ptr("a brand new passphrase 42")}); err != nil {
			t.Fatalf("admin setting another user's password: %v", err)
		}
	})
}
