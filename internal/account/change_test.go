package account_test

import (
	"testing"

	"github.com/frontdesk/frontdesk/internal/account"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// TestChangePassword: one's own password changes only with the current
// one, meets the policy, joins the history, ends the other sessions; wrong
// current passwords are throttled per user (issue 8 item 6).
func TestChangePassword(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		u := e.mkUser(t, "chg@example.com", desk.RoleEndUser, pw, true)
		keep := e.signIn(t, u.Email, pw)
		other := e.signIn(t, u.Email, pw)
		ctx := userCtx(u)

		wantField(t, e.svc.ChangePassword(ctx, "wrong", newPW, keep), "previous_password")
		wantField(t, e.svc.ChangePassword(ctx, pw, "short", keep), "password")
		wantCode(t, e.svc.ChangePassword(sysCtx(), pw, newPW, ""), desk.EFORBIDDEN)
		wantCode(t, e.svc.ChangePassword(bg, pw, newPW, ""), desk.EUNAUTHORIZED)
		if !e.alive(t, other) {
			t.Fatal("a refused change ended a session")
		}
		var changedBefore int64
		if err := db.QueryRow(bg, `SELECT password_changed_at FROM users WHERE id = ?`, u.ID).Scan(&changedBefore); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.ChangePassword(ctx, pw, newPW, keep); err != nil {
			t.Fatal(err)
		}
		if !e.alive(t, keep) || e.alive(t, other) {
			t.Fatal("want the caller's session kept and the other one ended")
		}
		e.signIn(t, u.Email, newPW)
		var hist int
		var changed int64
		if err := db.QueryRow(bg, `SELECT COUNT(*) FROM password_history WHERE user_id = ?`, u.ID).Scan(&hist); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRow(bg, `SELECT password_changed_at FROM users WHERE id = ?`, u.ID).Scan(&changed); err != nil {
			t.Fatal(err)
		}
		if hist != 2 || changed == 0 || changed < changedBefore {
			t.Fatalf("history %d entries, changed at %d (before %d)", hist, changed, changedBefore)
		}

		// Guessing the current password through a stolen session stops.
		for range account.MaxPasswordChecksPerUser {
			wantField(t, e.svc.ChangePassword(ctx, "guess", "another fine passphrase", ""), "previous_password")
		}
		wantCode(t, e.svc.ChangePassword(ctx, newPW, "another fine passphrase", ""), desk.ETOOMANY)
	})
}
