package account_test

import (
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/account"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// TestRotate: rotation ends the old session id and starts a new one with
// the given flags, the same user and the same absolute expiry (issue 7
// item 9).
func TestRotate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		u := e.mkUser(t, "rot@example.com", desk.RoleAgent, pw, true)
		old := e.signIn(t, u.Email, pw)
		if err := e.svc.SetFlags(bg, old, account.SessionFlags{MFAPending: true}); err != nil {
			t.Fatal(err)
		}
		_, before, err := e.svc.Authenticate(bg, old, "")
		if err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(time.Minute)
		at := e.clock.Now().Truncate(time.Microsecond)
		tok, err := e.svc.Rotate(bg, old, account.SessionFlags{ReauthAt: at})
		if err != nil {
			t.Fatal(err)
		}
		if tok == old || e.alive(t, old) {
			t.Fatal("the old session id still works after rotation")
		}
		p, after, err := e.svc.Authenticate(bg, tok, "")
		if err != nil || p.UserID != u.ID {
			t.Fatalf("new session: %v %+v", err, p)
		}
		if !after.ExpiresAt.Equal(before.ExpiresAt) || !after.CreatedAt.Equal(before.CreatedAt) {
			t.Errorf("rotation changed the session's lifetime: %v/%v → %v/%v", before.CreatedAt, before.ExpiresAt, after.CreatedAt, after.ExpiresAt)
		}
		f, err := e.svc.Flags(bg, tok)
		if err != nil || f.MFAPending || !f.ReauthAt.Equal(at) {
			t.Fatalf("flags of the new session: %+v %v", f, err)
		}
		if f, _ := e.svc.Flags(bg, old); f.MFAPending {
			t.Error("the old session's flags survive")
		}
		// A dead or unknown token cannot be rotated into a live one.
		for _, bad := range []string{old, "", "garbage"} {
			if _, err := e.svc.Rotate(bg, bad, account.SessionFlags{}); desk.ErrorCode(err) != desk.EUNAUTHORIZED {
				t.Errorf("rotate %q: %v", bad, err)
			}
		}
	})
}
