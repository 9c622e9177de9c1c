package account_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/account"
	"github.com/frontdesk/frontdesk/internal/auth"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

const pw = "correct horse battery"

func TestSignIn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		org, err := e.ppl.CreateOrganization(sysCtx(), people.OrganizationInput{Name: ptr("Acme")})
		if err != nil {
			t.Fatal(err)
		}
		end := e.mkUser(t, "end@example.com", desk.RoleEndUser, pw, true)
		if end, err = e.ppl.UpdateUser(sysCtx(), end.ID, people.UserInput{OrganizationID: &org.ID}); err != nil {
			t.Fatal(err)
		}
		agent := e.mkUser(t, "agent@example.com", desk.RoleAgent, pw, false)
		made := e.mkUser(t, "made@example.com", desk.RoleEndUser, pw, false) // by an admin: no sign-up pending
		susp := e.mkUser(t, "susp@example.com", desk.RoleEndUser, pw, true)
		if _, err := e.ppl.UpdateUser(sysCtx(), susp.ID, people.UserInput{Suspended: ptr(true)}); err != nil {
			t.Fatal(err)
		}
		e.mkUser(t, "nopw@example.com", desk.RoleEndUser, "", true)
		del := e.mkUser(t, "del@example.com", desk.RoleEndUser, pw, true)
		if _, err := e.ppl.DeleteUser(sysCtx(), del.ID); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.SignUp(bg, "New", "new@example.com", pw, "", base); err != nil {
			t.Fatal(err)
		}

		tests := []struct {
			name, email, password string
			want                  *desk.User // nil: must fail
		}{
			{"end-user", "end@example.com", pw, end},
			{"email case and spaces", "  END@Example.COM ", pw, end},
			{"unverified agent made by admin", "agent@example.com", pw, agent},
			{"unverified end-user made by admin", "made@example.com", pw, made},
			{"wrong password", "end@example.com", pw + "!", nil},
			{"unknown email", "nobody@example.com", pw, nil},
			{"malformed email", "end@", pw, nil},
			{"empty password", "end@example.com", "", nil},
			{"no password set", "nopw@example.com", pw, nil},
			{"no password set, empty given", "nopw@example.com", "", nil},
			{"suspended", "susp@example.com", pw, nil},
			{"deleted", "del@example.com", pw, nil},
			{"unverified sign-up", "new@example.com", pw, nil},
			{"huge password", "end@example.com", strings.Repeat("x", 5000), nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				tok, p, err := e.svc.SignIn(bg, tt.email, tt.password, "192.0.2.1", "test")
				if tt.want == nil {
					var de *desk.Error
					if !errors.As(err, &de) || de.Code != desk.EUNAUTHORIZED || de.Message != "Invalid email or password" ||
						de.Details != nil || tok != "" || p != nil {
						t.Fatalf("got %q %+v %v, want the generic failure", tok, p, err)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				var org int64
				if tt.want.OrganizationID != nil {
					org = *tt.want.OrganizationID
				}
				want := desk.Principal{UserID: tt.want.ID, Role: tt.want.Role, OrgID: org, Email: tt.want.Email, Via: "web"}
				if *p != want {
					t.Fatalf("principal %+v, want %+v", *p, want)
				}
				if raw, err := base64.RawURLEncoding.DecodeString(tok); err != nil || len(raw) < 16 {
					t.Fatalf("token %q has fewer than 128 bits", tok)
				}
				var stored string
				if err := db.QueryRow(bg, `SELECT token_hash FROM sessions WHERE user_id = ? ORDER BY id DESC LIMIT 1`, p.UserID).Scan(&stored); err != nil {
					t.Fatal(err)
				}
				if stored != auth.HashToken(tok) || strings.Contains(stored, tok) {
					t.Fatal("the session token is stored in clear")
				}
				ap, sess, err := e.svc.Authenticate(bg, tok, "192.0.2.9")
				if err != nil || *ap != want || sess.UserID != p.UserID {
					t.Fatalf("authenticate: %+v %+v %v", ap, sess, err)
				}
			})
		}
	})
}

type step struct {
	advance time.Duration
	alive   bool
}

func repeat(n int, s step) []step {
	out := make([]step, n)
	for i := range out {
		out[i] = s
	}
	return out
}

func TestSessionExpiry(t *testing.T) {
	tests := []struct {
		name  string
		role  desk.Role
		steps []step
	}{
		{"staff active within idle", desk.RoleAgent, []step{{29 * time.Minute, true}, {29 * time.Minute, true}}},
		{"staff idle too long", desk.RoleAgent, []step{{31 * time.Minute, false}}},
		{"admin idle too long", desk.RoleAdmin, []step{{10 * time.Minute, true}, {31 * time.Minute, false}}},
		{"staff absolute limit", desk.RoleAgent, append(repeat(28, step{25 * time.Minute, true}), // 11h40m
			step{25 * time.Minute, false})}, // 12h05m
		{"end-user outlives staff idle", desk.RoleEndUser, []step{{31 * time.Minute, true}, {119 * time.Minute, true}}},
		{"end-user idle too long", desk.RoleEndUser, []step{{121 * time.Minute, false}}},
		{"end-user absolute limit", desk.RoleEndUser, append(repeat(392, step{110 * time.Minute, true}), // 29d22h40m
			step{110 * time.Minute, false})}, // 30d0h30m
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				email := fmt.Sprintf("u%d@example.com", i)
				e.mkUser(t, email, tt.role, pw, true)
				tok := e.signIn(t, email, pw)
				for j, s := range tt.steps {
					e.clock.Advance(s.advance)
					if got := e.alive(t, tok); got != s.alive {
						t.Fatalf("step %d (+%v): alive = %v, want %v", j, s.advance, got, s.alive)
					}
				}
				if last := tt.steps[len(tt.steps)-1]; !last.alive {
					// An expired session is gone for good, even if the clock went back.
					var n int
					db.QueryRow(bg, `SELECT COUNT(*) FROM sessions WHERE token_hash = ?`, auth.HashToken(tok)).Scan(&n)
					if n != 0 {
						t.Fatal("expired session not deleted")
					}
				}
			})
		}

		t.Run("limits follow the current role", func(t *testing.T) {
			u := e.mkUser(t, "promoted@example.com", desk.RoleEndUser, pw, true)
			tok := e.signIn(t, "promoted@example.com", pw)
			if _, err := e.ppl.UpdateUser(sysCtx(), u.ID, people.UserInput{Role: ptr(desk.RoleAgent)}); err != nil {
				t.Fatal(err)
			}
			e.clock.Advance(31 * time.Minute)
			if e.alive(t, tok) {
				t.Fatal("a promoted user's session kept the end-user idle limit")
			}
		})

		t.Run("suspension ends sessions", func(t *testing.T) {
			u := e.mkUser(t, "later-suspended@example.com", desk.RoleEndUser, pw, true)
			tok := e.signIn(t, "later-suspended@example.com", pw)
			if _, err := e.ppl.UpdateUser(sysCtx(), u.ID, people.UserInput{Suspended: ptr(true)}); err != nil {
				t.Fatal(err)
			}
			if e.alive(t, tok) {
				t.Fatal("suspended user still authenticated")
			}
		})

		t.Run("custom config", func(t *testing.T) {
			e2 := newEnv(t, db)
			e2.svc.Config = account.Config{StaffIdle: 5 * time.Minute} // the rest keep their defaults
			e2.mkUser(t, "short@example.com", desk.RoleAgent, pw, true)
			e2.mkUser(t, "cust@example.com", desk.RoleEndUser, pw, true)
			staff, cust := e2.signIn(t, "short@example.com", pw), e2.signIn(t, "cust@example.com", pw)
			e2.clock.Advance(6 * time.Minute)
			if e2.alive(t, staff) || !e2.alive(t, cust) {
				t.Fatal("custom idle limit not applied")
			}
		})
	})
}

func TestTouchThrottling(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.mkUser(t, "a@example.com", desk.RoleAgent, pw, true)
		t0 := e.clock.Now()
		tok, _, err := e.svc.SignIn(bg, "a@example.com", pw, "192.0.2.1", "Mozilla/5.0\r\nX-Evil: 1")
		if err != nil {
			t.Fatal(err)
		}
		stored := func() (time.Time, string, string) {
			var seen int64
			var ip, ua string
			if err := db.QueryRow(bg, `SELECT last_seen_at, ip, user_agent FROM sessions WHERE token_hash = ?`, auth.HashToken(tok)).
				Scan(&seen, &ip, &ua); err != nil {
				t.Fatal(err)
			}
			return time.UnixMicro(seen), ip, ua
		}
		if _, _, ua := stored(); strings.ContainsAny(ua, "\r\n") || !strings.HasPrefix(ua, "Mozilla/5.0") {
			t.Fatalf("user agent stored as %q", ua)
		}
		tests := []struct {
			advance  time.Duration
			ip       string
			wantSeen time.Duration // since t0
			wantIP   string
		}{
			{30 * time.Second, "198.51.100.7", 0, "192.0.2.1"},
			{29 * time.Second, "198.51.100.7", 0, "192.0.2.1"},
			{2 * time.Second, "198.51.100.7", 61 * time.Second, "198.51.100.7"},
			{10 * time.Second, "203.0.113.5", 61 * time.Second, "198.51.100.7"},
			{59 * time.Second, "203.0.113.5", 130 * time.Second, "203.0.113.5"},
		}
		for i, tt := range tests {
			e.clock.Advance(tt.advance)
			_, sess, err := e.svc.Authenticate(bg, tok, tt.ip)
			if err != nil {
				t.Fatal(err)
			}
			want := t0.Add(tt.wantSeen)
			seen, ip, _ := stored()
			if !seen.Equal(want) || ip != tt.wantIP || !sess.LastSeenAt.Equal(want) || sess.IP != tt.wantIP {
				t.Fatalf("step %d: stored %v %q, session %v %q; want %v %q", i, seen, ip, sess.LastSeenAt, sess.IP, want, tt.wantIP)
			}
			if !sess.CreatedAt.Equal(t0) || !sess.ExpiresAt.Equal(t0.Add(12*time.Hour)) {
				t.Fatalf("session times %+v", sess)
			}
		}
	})
}

func TestSignOut(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.mkUser(t, "a@example.com", desk.RoleEndUser, pw, true)
		tok, other := e.signIn(t, "a@example.com", pw), e.signIn(t, "a@example.com", pw)
		if tok == other {
			t.Fatal("two sign-ins share a token")
		}
		if err := e.svc.SignOut(bg, tok); err != nil {
			t.Fatal(err)
		}
		if e.alive(t, tok) || !e.alive(t, other) {
			t.Fatal("sign-out ended the wrong session")
		}
		for _, tk := range []string{tok, "", "nonsense", strings.Repeat("x", 1000)} {
			if err := e.svc.SignOut(bg, tk); err != nil {
				t.Fatalf("sign out %q: %v", tk, err)
			}
		}
		for _, tk := range []string{"", "nonsense", strings.Repeat("x", 1000)} {
			if _, _, err := e.svc.Authenticate(bg, tk, ""); desk.ErrorCode(err) != desk.EUNAUTHORIZED {
				t.Fatalf("authenticate %q: %v", tk, err)
			}
		}
	})
}

func TestSessionsAndRevoke(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		alice := e.mkUser(t, "alice@example.com", desk.RoleEndUser, pw, true)
		bob := e.mkUser(t, "bob@example.com", desk.RoleAgent, pw, true)
		admin := e.mkUser(t, "admin@example.com", desk.RoleAdmin, pw, true)
		a1 := e.signIn(t, "alice@example.com", pw)
		e.clock.Advance(2 * time.Minute)
		a2 := e.signIn(t, "alice@example.com", pw)
		b1 := e.signIn(t, "bob@example.com", pw)
		_, s2, _ := e.svc.Authenticate(bg, a2, "")
		e.clock.Advance(2 * time.Minute)
		_, s1, _ := e.svc.Authenticate(bg, a1, "") // touched: now the most recently used

		listTests := []struct {
			name string
			ctx  context.Context
			user int64
			code string
			want []int64
		}{
			{"own", userCtx(alice), alice.ID, "", []int64{s1.ID, s2.ID}},
			{"admin", userCtx(admin), alice.ID, "", []int64{s1.ID, s2.ID}},
			{"system", sysCtx(), alice.ID, "", []int64{s1.ID, s2.ID}},
			{"agent on other", userCtx(bob), alice.ID, desk.EFORBIDDEN, nil},
			{"end-user on other", userCtx(alice), bob.ID, desk.EFORBIDDEN, nil},
			{"anonymous", bg, alice.ID, desk.EUNAUTHORIZED, nil},
			{"admin, unknown user", userCtx(admin), 999999, desk.ENOTFOUND, nil},
		}
		for _, tt := range listTests {
			t.Run(tt.name, func(t *testing.T) {
				list, err := e.svc.Sessions(tt.ctx, tt.user)
				wantCode(t, err, tt.code)
				var got []int64
				for _, s := range list {
					got = append(got, s.ID)
					if s.IP == "" || s.UserAgent != "test-agent" || s.UserID != tt.user {
						t.Fatalf("session %+v", s)
					}
				}
				if fmt.Sprint(got) != fmt.Sprint(tt.want) {
					t.Fatalf("sessions %v, want %v", got, tt.want)
				}
			})
		}

		// Revoking someone else's session looks like a missing one.
		wantCode(t, e.svc.RevokeSession(userCtx(bob), s1.ID), desk.ENOTFOUND)
		wantCode(t, e.svc.RevokeSession(bg, s1.ID), desk.EUNAUTHORIZED)
		wantCode(t, e.svc.RevokeSession(userCtx(alice), 999999), desk.ENOTFOUND)
		if !e.alive(t, a1) {
			t.Fatal("failed revoke ended the session")
		}
		if err := e.svc.RevokeSession(userCtx(alice), s1.ID); err != nil {
			t.Fatal(err)
		}
		if e.alive(t, a1) || !e.alive(t, a2) {
			t.Fatal("revoke ended the wrong session")
		}
		wantCode(t, e.svc.RevokeSession(userCtx(alice), s1.ID), desk.ENOTFOUND)
		_, sb, _ := e.svc.Authenticate(bg, b1, "")
		if err := e.svc.RevokeSession(userCtx(admin), sb.ID); err != nil || e.alive(t, b1) {
			t.Fatalf("admin revoke: %v", err)
		}

		// Expired sessions are not listed.
		e.clock.Advance(3 * time.Hour)
		if list, err := e.svc.Sessions(userCtx(alice), alice.ID); err != nil || len(list) != 0 {
			t.Fatalf("expired sessions listed: %+v %v", list, err)
		}

		a3, a4 := e.signIn(t, "alice@example.com", pw), e.signIn(t, "alice@example.com", pw)
		b2 := e.signIn(t, "bob@example.com", pw)
		wantCode(t, e.svc.RevokeAll(userCtx(bob), alice.ID), desk.EFORBIDDEN)
		wantCode(t, e.svc.RevokeAll(bg, alice.ID), desk.EUNAUTHORIZED)
		if err := e.svc.RevokeAll(userCtx(alice), alice.ID); err != nil {
			t.Fatal(err)
		}
		if e.alive(t, a3) || e.alive(t, a4) || !e.alive(t, b2) {
			t.Fatal("RevokeAll ended the wrong sessions")
		}
		if err := e.svc.RevokeAll(userCtx(admin), bob.ID); err != nil || e.alive(t, b2) {
			t.Fatalf("admin RevokeAll: %v", err)
		}

		// PurgeExpired removes the dead rows (expired sessions stay in the
		// table until then unless touched).
		e.signIn(t, "alice@example.com", pw)
		e.clock.Advance(31 * 24 * time.Hour)
		if n, err := e.svc.PurgeExpired(bg); err != nil || n < 1 {
			t.Fatalf("purged %d, %v", n, err)
		}
		var left int
		db.QueryRow(bg, `SELECT COUNT(*) FROM sessions`).Scan(&left)
		if left != 0 {
			t.Fatalf("%d sessions left", left)
		}
	})
}

func BenchmarkAuthenticate(b *testing.B) {
	db := storetest.SQLite(b)
	e := newEnv(b, db)
	e.mkUser(b, "bench@example.com", desk.RoleAgent, pw, true)
	tok := e.signIn(b, "bench@example.com", pw)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, _, err := e.svc.Authenticate(bg, tok, "192.0.2.1"); err != nil {
			b.Fatal(err)
		}
	}
}
