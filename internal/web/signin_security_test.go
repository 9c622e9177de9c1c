package web_test

import (
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
)

// cookie returns the value of the client's cookie name ("" if none).
func (c *client) cookie(name string) string {
	u, _ := url.Parse(c.base)
	for _, ck := range c.hc.Jar.Cookies(u) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

// withCookies returns a fresh client holding only the given cookies.
func (e *env) withCookies(kv ...string) *client {
	c := e.client()
	jar, _ := cookiejar.New(nil)
	u, _ := url.Parse(e.base)
	var cks []*http.Cookie
	for i := 0; i+1 < len(kv); i += 2 {
		cks = append(cks, &http.Cookie{Name: kv[i], Value: kv[i+1], Path: "/"})
	}
	jar.SetCookies(u, cks)
	c.hc.Jar = jar
	return c
}

// signedIn reports whether a client's session reaches the agent workspace.
func signedIn(c *client) bool {
	r := c.get("/agent")
	return r.Status == http.StatusOK
}

// TestOutboxHidesSecrets: no admin — the owner or a second admin — sees a
// reset or verification link on the outbox page; it says a reset email
// went to the owner, and the link the delivery path gets still works
// (issue 7 item 3).
func TestOutboxHidesSecrets(t *testing.T) {
	for name, dbURL := range stores(t) {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, dbURL)
			second := e.mustUser("Second Admin", "second@example.com", desk.RoleAdmin)
			anon := e.client()
			anon.get("/password/forgot")
			if r := anon.post("/password/forgot", url.Values{"email": {e.admin.Email}}); r.Status != http.StatusSeeOther {
				t.Fatalf("forgot: %d", r.Status)
			}
			msg, err := e.app.Outbox.Latest(e.sys, e.admin.Email)
			if err != nil {
				t.Fatal(err)
			}
			link := linkRE.FindString(msg.Text)
			token := link[strings.Index(link, "token=")+len("token="):]
			if link == "" || len(token) < 20 {
				t.Fatalf("no reset link in the deliverable message: %q", msg.Text)
			}
			for _, u := range []*desk.User{second, e.admin} {
				c := e.client()
				c.signIn("/agent/signin", u.Email)
				r := c.get("/agent/admin/outbox")
				if r.Status != http.StatusOK {
					t.Fatalf("%s: outbox page %d", u.Email, r.Status)
				}
				if strings.Contains(r.Body, token) || strings.Contains(r.Body, "token=") {
					t.Fatalf("%s sees the owner's reset link on the outbox page", u.Email)
				}
				if !strings.Contains(r.Body, e.admin.Email) || !strings.Contains(r.Body, "password_reset") {
					t.Errorf("%s: the outbox page does not say a reset email went to the owner", u.Email)
				}
			}
			// Delivered, the link sets the owner's password.
			c := e.client()
			c.get("/password/reset?token=" + token)
			newPW := "a brand new Tuesday 1984 lighthouse"
			if r := c.post("/password/reset", url.Values{"token": {token}, "password": {newPW}, "password_confirm": {newPW}}); r.Status != http.StatusSeeOther {
				t.Fatalf("reset with the delivered link: %d %s", r.Status, r.Body)
			}
		})
	}
}

// TestSessionRotation: the session id changes at every privilege change —
// after the second factor, at re-authentication, at a password change —
// and the old one stops working; a role change ends the user's sessions
// (issue 7 item 9).
func TestSessionRotation(t *testing.T) {
	for name, dbURL := range stores(t) {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, dbURL)
			ag := e.client()
			ag.signIn("/agent/signin", e.agent.Email)
			beforeEnrol := ag.cookie("fd_session")
			secret, _ := enrol(t, ag, "/agent")
			if ag.cookie("fd_session") == beforeEnrol || !signedIn(ag) || signedIn(e.withCookies("fd_session", beforeEnrol)) {
				t.Fatal("enrolling in 2FA did not rotate the session")
			}
			// The page showing the recovery codes carries the new session's
			// form token.
			if r := ag.post("/agent/security/2fa/recovery", nil); r.Status == http.StatusForbidden && strings.Contains(r.Body, "expired") {
				t.Fatal("the recovery-codes page holds the old session's form token")
			}

			// Password step → fully signed in.
			c := e.client()
			c.get("/agent/signin")
			if r := c.post("/agent/signin", url.Values{"email": {e.agent.Email}, "password": {password}}); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/agent/2fa") {
				t.Fatalf("password step: %d %s", r.Status, r.Location)
			}
			half := c.cookie("fd_session")
			c.get("/agent/2fa")
			code, err := totp.GenerateCode(secret, time.Now().Add(30*time.Second))
			if err != nil {
				t.Fatal(err)
			}
			if r := c.post("/agent/2fa", url.Values{"code": {code}}); r.Status != http.StatusSeeOther || strings.Contains(r.Location, "2fa") {
				t.Fatalf("code: %d %s", r.Status, r.Location)
			}
			full := c.cookie("fd_session")
			if half == "" || full == "" || full == half {
				t.Fatalf("the session id did not change after the second factor (%q → %q)", half, full)
			}
			if !signedIn(c) {
				t.Fatal("the new session does not work")
			}
			if old := e.withCookies("fd_session", half); signedIn(old) {
				t.Fatal("the password-step cookie still works after the second factor")
			}
			if r := e.withCookies("fd_session", half).get("/agent/2fa"); r.Status == http.StatusOK {
				t.Fatal("the password-step cookie still reaches the code page")
			}

			// Re-authentication.
			b := e.client()
			b.signIn("/agent/signin", e.agent2.Email)
			before := b.cookie("fd_session")
			b.get("/agent/security")
			if r := b.post("/agent/security/reauth", url.Values{"password": {password}}); r.Status != http.StatusSeeOther {
				t.Fatalf("reauth: %d %s", r.Status, r.Body)
			}
			after := b.cookie("fd_session")
			if after == before || !signedIn(b) {
				t.Fatalf("re-authentication did not rotate the session (%q → %q)", before, after)
			}
			if signedIn(e.withCookies("fd_session", before)) {
				t.Fatal("the cookie from before re-authentication still works")
			}
			// A wrong password rotates nothing.
			b.get("/agent/security")
			if r := b.post("/agent/security/reauth", url.Values{"password": {"wrong"}}); r.Status != http.StatusUnauthorized || b.cookie("fd_session") != after {
				t.Fatalf("wrong reauth: %d", r.Status)
			}

			// Password change.
			b.get("/agent/password")
			newPW := "a brand new Tuesday 1984 lighthouse"
			if r := b.post("/agent/password", url.Values{"current_password": {password}, "new_password": {newPW}, "new_password_confirm": {newPW}}); r.Status != http.StatusSeeOther {
				t.Fatalf("password change: %d %s", r.Status, r.Body)
			}
			if b.cookie("fd_session") == after || !signedIn(b) || signedIn(e.withCookies("fd_session", after)) {
				t.Fatal("a password change did not rotate the session")
			}

			// A role change ends the affected user's sessions.
			tok := b.cookie("fd_session")
			role := desk.RoleEndUser
			if _, err := e.app.People.UpdateUser(e.sys, e.agent2.ID, people.UserInput{Role: &role}); err != nil {
				t.Fatal(err)
			}
			if _, _, err := e.app.Account.Authenticate(e.sys, tok, ""); desk.ErrorCode(err) != desk.EUNAUTHORIZED {
				t.Fatalf("the demoted user's session survives the role change: %v", err)
			}
		})
	}
}

// TestLockoutSparesKnownDevice: after an attacker exhausts the victim's
// attempts, the victim's browser that signed in before (device cookie)
// still signs in; a browser without it, or with a forged one, is locked
// out (issue 7 item 8).
func TestLockoutSparesKnownDevice(t *testing.T) {
	for name, dbURL := range stores(t) {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, dbURL)
			laptop := e.client()
			r := laptop.get("/agent/signin")
			r = laptop.post("/agent/signin", url.Values{"email": {e.agent.Email}, "password": {password}})
			if r.Status != http.StatusSeeOther {
				t.Fatalf("first sign-in: %d", r.Status)
			}
			var dev *http.Cookie
			for _, c := range r.Header.Values("Set-Cookie") {
				if strings.HasPrefix(c, "fd_device=") {
					parsed, err := http.ParseSetCookie(c)
					if err != nil {
						t.Fatal(err)
					}
					dev = parsed
				}
			}
			if dev == nil || dev.Value == "" || !dev.HttpOnly || dev.MaxAge <= 0 || dev.SameSite != http.SameSiteLaxMode {
				t.Fatalf("device cookie: %+v", dev)
			}
			laptop.post("/signout", nil)

			// The attacker guesses until the account locks. (The back-off
			// between guesses is real time here; the account package's
			// tests drive a clock through every guess. Three real guesses,
			// then the lock they would lead to.)
			attacker := e.client()
			attacker.get("/agent/signin")
			for range 3 {
				if r := attacker.post("/agent/signin", url.Values{"email": {e.agent.Email}, "password": {"guess"}}); r.Status != http.StatusUnauthorized {
					t.Fatalf("wrong guess: %d", r.Status)
				}
			}
			future := time.Now().Add(time.Hour).UnixMicro()
			if _, err := e.app.DB.Exec(e.sys, `UPDATE login_failures SET locked_until = ?, locks = 1, last_lock_at = ? WHERE subject = ?`,
				future, time.Now().UnixMicro(), "u:"+strconv.FormatInt(e.agent.ID, 10)); err != nil {
				t.Fatal(err)
			}

			try := func(c *client) int {
				c.get("/agent/signin")
				return c.post("/agent/signin", url.Values{"email": {e.agent.Email}, "password": {password}}).Status
			}
			if st := try(e.client()); st != http.StatusUnauthorized {
				t.Fatalf("unknown browser during the lock: %d", st)
			}
			if st := try(e.withCookies("fd_device", "forged"+dev.Value[6:])); st != http.StatusUnauthorized {
				t.Fatalf("forged device cookie during the lock: %d", st)
			}
			if st := try(laptop); st != http.StatusSeeOther || !signedIn(laptop) {
				t.Fatalf("the victim's known browser is locked out: %d", st)
			}
		})
	}
}
