package account_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/account"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

const newPW = "a much better passphrase"

func TestPasswordReset(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.mkUser(t, "alice@example.com", desk.RoleEndUser, pw, true)
		s1, s2 := e.signIn(t, "alice@example.com", pw), e.signIn(t, "alice@example.com", pw)

		if err := e.svc.RequestPasswordReset(bg, " Alice@Example.com", base+"/"); err != nil {
			t.Fatal(err)
		}
		m, tok := e.mailLink(t, "alice@example.com", account.KindPasswordReset, "/password/reset")
		if !strings.Contains(m.Text, base+"/password/reset?token="+tok) || m.Subject == "" {
			t.Fatalf("mail %+v", m)
		}

		// Weak passwords are refused and leave the token usable.
		for _, bad := range []string{"short", "alice@example.com", "ALICE@EXAMPLE.COM", strings.Repeat("x", 257), "twelve chars\x00"} {
			wantField(t, e.svc.ResetPassword(bg, tok, bad), "password")
		}
		if !e.alive(t, s1) {
			t.Fatal("a refused reset ended sessions")
		}
		if err := e.svc.ResetPassword(bg, tok, newPW); err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.svc.SignIn(bg, "alice@example.com", pw, "", ""); desk.ErrorCode(err) != desk.EUNAUTHORIZED {
			t.Fatalf("old password still works: %v", err)
		}
		s3 := e.signIn(t, "alice@example.com", newPW)
		if e.alive(t, s1) || e.alive(t, s2) || !e.alive(t, s3) {
			t.Fatal("reset did not end the earlier sessions")
		}
		// Single use.
		wantField(t, e.svc.ResetPassword(bg, tok, "yet another passphrase"), "token")
		e.signIn(t, "alice@example.com", newPW)

		// Expiry: a link older than an hour fails.
		if err := e.svc.RequestPasswordReset(bg, "alice@example.com", base); err != nil {
			t.Fatal(err)
		}
		_, old := e.mailLink(t, "alice@example.com", account.KindPasswordReset, "/password/reset")
		e.clock.Advance(account.ResetTTL + time.Second)
		wantField(t, e.svc.ResetPassword(bg, old, "yet another passphrase"), "token")

		for _, bad := range []string{"", "garbage", strings.Repeat("A", 43), strings.Repeat("x", 300)} {
			wantField(t, e.svc.ResetPassword(bg, bad, "yet another passphrase"), "token")
		}
		e.signIn(t, "alice@example.com", newPW)

		// Outstanding tokens die with a successful reset.
		e.clock.Advance(time.Hour)
		for range 2 {
			if err := e.svc.RequestPasswordReset(bg, "alice@example.com", base); err != nil {
				t.Fatal(err)
			}
		}
		_, second := e.mailLink(t, "alice@example.com", account.KindPasswordReset, "/password/reset")
		var first string
		{
			msgs, err := e.ob.Pending(sysCtx(), 0)
			if err != nil || len(msgs) < 2 {
				t.Fatal(msgs, err)
			}
			first = linkRE.FindStringSubmatch(msgs[len(msgs)-2].Text)[2]
		}
		if err := e.svc.ResetPassword(bg, second, "the third passphrase"); err != nil {
			t.Fatal(err)
		}
		wantField(t, e.svc.ResetPassword(bg, first, "the fourth passphrase"), "token")
	})
}

func TestPasswordResetSilentCases(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.mkUser(t, "nopw@example.com", desk.RoleEndUser, "", true)
		susp := e.mkUser(t, "susp@example.com", desk.RoleEndUser, pw, true)
		if _, err := e.ppl.UpdateUser(sysCtx(), susp.ID, people.UserInput{Suspended: ptr(true)}); err != nil {
			t.Fatal(err)
		}
		del := e.mkUser(t, "del@example.com", desk.RoleEndUser, pw, true)
		if _, err := e.ppl.DeleteUser(sysCtx(), del.ID); err != nil {
			t.Fatal(err)
		}
		multi := e.mkUser(t, "multi@example.com", desk.RoleEndUser, pw, true)
		if _, err := e.ppl.AddIdentity(sysCtx(), multi.ID, people.IdentityEmail, "unverified@example.com"); err != nil {
			t.Fatal(err)
		}
		tests := []struct{ name, email string }{
			{"unknown email", "nobody@example.com"},
			{"malformed email", "not an email"},
			{"empty", ""},
			{"passwordless user", "nopw@example.com"},
			{"suspended user", "susp@example.com"},
			{"deleted user", "del@example.com"},
			{"unverified secondary address", "unverified@example.com"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				before := e.countOutbox(t)
				if err := e.svc.RequestPasswordReset(bg, tt.email, base); err != nil {
					t.Fatalf("err = %v, want nil", err)
				}
				if after := e.countOutbox(t); after != before {
					t.Fatalf("%d emails written", after-before)
				}
			})
		}

		// A bad base URL is a configuration error, whatever the address.
		for _, b := range []string{"", "help.example.com", "javascript:alert(1)", "https://x.example.com/?a=b", "https://x.example.com/?", "https://user@x.example.com", "https://x.example.com/\r\n"} {
			if err := e.svc.RequestPasswordReset(bg, "multi@example.com", b); err == nil {
				t.Errorf("base %q accepted", b)
			}
		}

		t.Run("at most 3 an hour", func(t *testing.T) {
			before := e.countOutbox(t)
			for range 5 {
				if err := e.svc.RequestPasswordReset(bg, "multi@example.com", base); err != nil {
					t.Fatal(err)
				}
			}
			if n := e.countOutbox(t) - before; n != account.MaxResetsPerHour {
				t.Fatalf("%d emails, want %d", n, account.MaxResetsPerHour)
			}
			e.clock.Advance(time.Hour + time.Second)
			if err := e.svc.RequestPasswordReset(bg, "multi@example.com", base); err != nil {
				t.Fatal(err)
			}
			if n := e.countOutbox(t) - before; n != account.MaxResetsPerHour+1 {
				t.Fatalf("%d emails after an hour", n)
			}
		})

		t.Run("verified secondary address", func(t *testing.T) {
			id, err := e.ppl.AddIdentity(sysCtx(), multi.ID, people.IdentityEmail, "second@example.com")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.Exec(bg, `UPDATE user_identities SET verified = ? WHERE id = ?`, true, id.ID); err != nil {
				t.Fatal(err)
			}
			e.clock.Advance(time.Hour + time.Second)
			if err := e.svc.RequestPasswordReset(bg, "second@example.com", base); err != nil {
				t.Fatal(err)
			}
			_, tok := e.mailLink(t, "second@example.com", account.KindPasswordReset, "/password/reset")
			if err := e.svc.ResetPassword(bg, tok, newPW); err != nil {
				t.Fatal(err)
			}
			e.signIn(t, "multi@example.com", newPW)
		})
	})
}

// Two resets racing for one token: exactly one wins.
func TestPasswordResetSingleUseConcurrent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.mkUser(t, "race@example.com", desk.RoleEndUser, pw, true)
		if err := e.svc.RequestPasswordReset(bg, "race@example.com", base); err != nil {
			t.Fatal(err)
		}
		_, tok := e.mailLink(t, "race@example.com", account.KindPasswordReset, "/password/reset")
		pws := []string{"first racing passphrase", "second racing passphrase", "third racing passphrase"}
		errs := make([]error, len(pws))
		var wg sync.WaitGroup
		for i, p := range pws {
			wg.Go(func() { errs[i] = e.svc.ResetPassword(bg, tok, p) })
		}
		wg.Wait()
		won := ""
		for i, err := range errs {
			switch desk.ErrorCode(err) {
			case "":
				if won != "" {
					t.Fatal("two resets used one token")
				}
				won = pws[i]
			case desk.EINVALID:
			default:
				t.Fatal(err)
			}
		}
		if won == "" {
			t.Fatal("no reset won")
		}
		e.signIn(t, "race@example.com", won)
	})
}

// TestOutboxHidesResetLink: a second admin reading the outbox learns that
// the owner was sent a reset email, and not its link (issue 7 item 3);
// the link the delivery path hands the mail server still works.
func TestOutboxHidesResetLink(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		owner := e.mkUser(t, "owner@example.com", desk.RoleAdmin, pw, true)
		second := e.mkUser(t, "second@example.com", desk.RoleAdmin, pw, true)
		if err := e.svc.RequestPasswordReset(bg, owner.Email, base); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.SignUp(bg, "Carol", "carol@example.com", pw, "", base); err != nil {
			t.Fatal(err)
		}
		_, token := e.mailLink(t, owner.Email, account.KindPasswordReset, "/password/reset")
		_, vtoken := e.mailLink(t, "carol@example.com", account.KindVerifyEmail, "/verify")
		for _, u := range []*desk.User{second, owner} {
			list, err := e.ob.List(userCtx(u), 0)
			if err != nil || len(list) != 2 {
				t.Fatalf("list: %v %+v", err, list)
			}
			for _, m := range list {
				shown := fmt.Sprintf("%+v", m)
				if strings.Contains(shown, token) || strings.Contains(shown, vtoken) || strings.Contains(shown, "token=") {
					t.Fatalf("%s sees a secret in the outbox: %s", u.Email, shown)
				}
			}
			if list[1].To != owner.Email || list[1].Kind != account.KindPasswordReset || list[1].Sent() {
				t.Fatalf("the reset email is not listed as such: %+v", list[1])
			}
		}
		// Delivered, the link works.
		if err := e.svc.ResetPassword(bg, token, "a fine Tuesday 1984 lighthouse"); err != nil {
			t.Fatal(err)
		}
		e.signIn(t, owner.Email, "a fine Tuesday 1984 lighthouse")
	})
}
