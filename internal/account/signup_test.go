package account_test

import (
	"strings"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/account"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

func countUsers(t testing.TB, e *env) int {
	t.Helper()
	var n int
	if err := e.db.QueryRow(bg, `SELECT COUNT(*) FROM users`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestSignUpValidation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		tests := []struct {
			name, uname, email, password, locale, field string
		}{
			{"bad email", "Carol", "carol@", pw, "", "email"},
			{"email with display name", "Carol", "Carol <carol@example.com>", pw, "", "email"},
			{"short password", "Carol", "carol@example.com", "short pass", "", "password"},
			{"long password", "Carol", "carol@example.com", strings.Repeat("p", 257), "", "password"},
			{"password is the email", "Carol", "carol@example.com", "Carol@Example.com", "", "password"},
			{"empty name", "  ", "carol@example.com", pw, "", "name"},
			{"control characters in name", "Carol\nBcc: x", "carol@example.com", pw, "", "name"},
			{"bad locale", "Carol", "carol@example.com", pw, "en_US; drop", "locale"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				users, mails := countUsers(t, e), e.countOutbox(t)
				wantField(t, e.svc.SignUp(bg, tt.uname, tt.email, tt.password, tt.locale, base), tt.field)
				if countUsers(t, e) != users || e.countOutbox(t) != mails {
					t.Fatal("a refused sign-up wrote something")
				}
			})
		}
		if err := e.svc.SignUp(bg, "Carol", "carol@example.com", pw, "en-US", "not a url"); err == nil {
			t.Fatal("bad base URL accepted")
		}
	})
}

func TestSignUpAndVerify(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		org, err := e.ppl.CreateOrganization(sysCtx(), people.OrganizationInput{Name: ptr("Acme"), DomainNames: &[]string{"acme.example"}})
		if err != nil {
			t.Fatal(err)
		}
		// The name is the attacker's only free text: it must not reach the email.
		const spam = "Win a prize at evil.example"
		if err := e.svc.SignUp(bg, spam, " Dana@ACME.example ", pw, "de-DE", base); err != nil {
			t.Fatal(err)
		}
		m, tok := e.mailLink(t, "dana@acme.example", account.KindVerifyEmail, "/verify")
		if strings.Contains(m.Text, "evil") || strings.Contains(m.HTML, "evil") || strings.Contains(m.Subject, "evil") {
			t.Fatalf("sign-up name leaked into the email:\n%s", m.Text)
		}
		u, err := e.ppl.UserByEmail(bg, "dana@acme.example")
		if err != nil || u.Verified || u.Role != desk.RoleEndUser || u.Locale != "de-DE" || u.Name != spam ||
			u.OrganizationID == nil || *u.OrganizationID != org.ID {
			t.Fatalf("new user %+v %v", u, err)
		}

		// Not before verification, with the generic answer.
		_, _, err = e.svc.SignIn(bg, "dana@acme.example", pw, "", "")
		if de, ok := err.(*desk.Error); !ok || de.Code != desk.EUNAUTHORIZED || de.Message != "Invalid email or password" {
			t.Fatalf("unverified sign-in: %v", err)
		}

		wantField(t, func() error { _, err := e.svc.VerifyEmail(bg, "bogus"); return err }(), "token")
		v, err := e.svc.VerifyEmail(bg, tok)
		if err != nil || v.ID != u.ID || !v.Verified {
			t.Fatalf("verify: %+v %v", v, err)
		}
		ids, err := e.ppl.Identities(sysCtx(), u.ID)
		if err != nil || len(ids) != 1 || !ids[0].Verified {
			t.Fatalf("identities %+v %v", ids, err)
		}
		_, err = e.svc.VerifyEmail(bg, tok)
		wantField(t, err, "token")
		e.signIn(t, "dana@acme.example", pw)

		// Expired verification links fail.
		if err := e.svc.SignUp(bg, "Late", "late@example.com", pw, "", base); err != nil {
			t.Fatal(err)
		}
		_, late := e.mailLink(t, "late@example.com", account.KindVerifyEmail, "/verify")
		e.clock.Advance(account.VerifyTTL + time.Second)
		_, err = e.svc.VerifyEmail(bg, late)
		wantField(t, err, "token")
		if _, _, err := e.svc.SignIn(bg, "late@example.com", pw, "", ""); desk.ErrorCode(err) != desk.EUNAUTHORIZED {
			t.Fatalf("expired-unverified sign-in: %v", err)
		}
		// PurgeExpired keeps what blocks the unverified sign-up.
		e.clock.Advance(10 * 24 * time.Hour)
		if _, err := e.svc.PurgeExpired(bg); err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.svc.SignIn(bg, "late@example.com", pw, "", ""); desk.ErrorCode(err) != desk.EUNAUTHORIZED {
			t.Fatalf("purge unblocked an unverified sign-up: %v", err)
		}

		// Signing up again with a pending address mails a fresh link.
		if err := e.svc.SignUp(bg, "Late again", "late@example.com", "another passphrase", "", base); err != nil {
			t.Fatal(err)
		}
		_, again := e.mailLink(t, "late@example.com", account.KindAlreadyRegistered, "/verify")
		if _, err := e.svc.VerifyEmail(bg, again); err != nil {
			t.Fatal(err)
		}
		e.signIn(t, "late@example.com", pw) // the first password: the second attempt changed nothing
	})
}

func TestSignUpExistingEmail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		alice := e.mkUser(t, "alice@example.com", desk.RoleEndUser, pw, true)
		e.mkUser(t, "agent@example.com", desk.RoleAgent, pw, true)
		e.mkUser(t, "requester@example.com", desk.RoleEndUser, "", false) // known from a ticket
		del := e.mkUser(t, "gone@example.com", desk.RoleEndUser, pw, true)
		if _, err := e.ppl.DeleteUser(sysCtx(), del.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.ppl.AddIdentity(sysCtx(), alice.ID, people.IdentityEmail, "alice.alt@example.com"); err != nil {
			t.Fatal(err)
		}

		tests := []struct {
			name, email string
			mails       int    // emails queued
			link        string // path of the link the email must carry, or ""
		}{
			{"verified customer", "ALICE@example.com", 1, ""},
			{"secondary address", "alice.alt@example.com", 1, ""},
			{"agent", "agent@example.com", 1, ""},
			{"passwordless requester", "requester@example.com", 1, "/password/reset"},
			{"deleted user", "gone@example.com", 0, ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				users, mails := countUsers(t, e), e.countOutbox(t)
				if err := e.svc.SignUp(bg, "Mallory", tt.email, "an intruder's passphrase", "", base); err != nil {
					t.Fatalf("err = %v, want nil", err)
				}
				if countUsers(t, e) != users {
					t.Fatal("a user was created")
				}
				if n := e.countOutbox(t) - mails; n != tt.mails {
					t.Fatalf("%d emails, want %d", n, tt.mails)
				}
				if tt.mails == 0 {
					return
				}
				addr := strings.ToLower(tt.email)
				m, err := e.ob.Latest(sysCtx(), addr)
				if err != nil || m.Kind != account.KindAlreadyRegistered || strings.Contains(m.Text, "Mallory") {
					t.Fatalf("mail %+v %v", m, err)
				}
				if tt.link == "" {
					if strings.Contains(m.Text, "token=") {
						t.Fatalf("unexpected link:\n%s", m.Text)
					}
					return
				}
				_, tok := e.mailLink(t, addr, account.KindAlreadyRegistered, tt.link)
				// The requester claims the account with the link.
				if err := e.svc.ResetPassword(bg, tok, newPW); err != nil {
					t.Fatal(err)
				}
				e.signIn(t, addr, newPW)
				if u, _ := e.ppl.UserByEmail(bg, addr); !u.Verified {
					t.Fatal("claiming by email link did not verify the address")
				}
			})
		}
		// The password of the existing account is untouched.
		e.signIn(t, "alice@example.com", pw)
		if _, _, err := e.svc.SignIn(bg, "alice@example.com", "an intruder's passphrase", "", ""); err == nil {
			t.Fatal("sign-up changed an existing password")
		}

		t.Run("notices are capped", func(t *testing.T) {
			mails := e.countOutbox(t)
			for range 5 {
				if err := e.svc.SignUp(bg, "Mallory", "agent@example.com", "an intruder's passphrase", "", base); err != nil {
					t.Fatal(err)
				}
			}
			// One notice went out in the table above already.
			if n := e.countOutbox(t) - mails; n != account.MaxNoticesPerHour-1 {
				t.Fatalf("%d notices, want %d", n, account.MaxNoticesPerHour-1)
			}
		})
	})
}
