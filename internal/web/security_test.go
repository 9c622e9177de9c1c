package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/frontdesk/frontdesk/internal/desk"
)

var (
	secretRE = regexp.MustCompile(`<code id="tf-secret">([A-Z2-7=]+)</code>`)
	codesRE  = regexp.MustCompile(`<li><code>([^<]+)</code></li>`)
)

// enrol turns 2FA on for the signed-in client c (in area prefix "/agent" or
// "") and returns the secret and the recovery codes.
func enrol(t *testing.T, c *client, prefix string) (string, []string) {
	t.Helper()
	r := c.get(prefix + "/security/2fa/setup")
	if r.Status != 200 {
		t.Fatalf("setup page: %d %s", r.Status, r.Location)
	}
	m := secretRE.FindStringSubmatch(r.Body)
	if m == nil {
		t.Fatalf("no secret on the setup page:\n%s", r.Body)
	}
	if !strings.Contains(r.Body, `src="data:image/png;base64,`) {
		t.Error("no QR image on the setup page")
	}
	secret := m[1]
	// A wrong code first: the same secret is shown again.
	r = c.post(prefix+"/security/2fa/confirm", url.Values{"code": {"000000"}, "secret": {secret}, "otpauth": {"otpauth://totp/x?secret=" + secret}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, secret) {
		t.Fatalf("wrong confirm code: %d", r.Status)
	}
	code, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	r = c.post(prefix+"/security/2fa/confirm", url.Values{"code": {code}})
	if r.Status != 200 {
		t.Fatalf("confirm: %d %s", r.Status, r.Body)
	}
	var codes []string
	for _, m := range codesRE.FindAllStringSubmatch(r.Body, -1) {
		codes = append(codes, m[1])
	}
	if len(codes) != 10 {
		t.Fatalf("got %d recovery codes", len(codes))
	}
	return secret, codes
}

func TestTwoStepSignIn(t *testing.T) {
	e := newEnv(t, "")
	ag := e.client()
	ag.signIn("/agent/signin", e.agent.Email)
	_, codes := enrol(t, ag, "/agent")
	if on, _ := e.app.Web.TwoFactorForTest().Enabled(e.sys, e.agent.ID); !on {
		t.Fatal("2FA is not on after enrolment")
	}

	c := e.client()
	c.get("/agent/signin")
	r := c.post("/agent/signin", url.Values{"email": {e.agent.Email}, "password": {password}, "return": {"/agent/views/pending"}})
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/agent/2fa") {
		t.Fatalf("sign-in: %d %s", r.Status, r.Location)
	}
	// Every other page, GET or POST, sends the half-signed-in session back.
	for _, p := range []string{"/agent", "/agent/tickets/new", "/requests", "/agent/security", "/agent/admin"} {
		if r := c.get(p); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/agent/2fa") {
			t.Errorf("GET %s while pending: %d %s", p, r.Status, r.Location)
		}
	}
	page := c.get("/agent/2fa?return=%2Fagent%2Fviews%2Fpending")
	if page.Status != 200 || !strings.Contains(page.Body, `name="code"`) {
		t.Fatalf("code page: %d", page.Status)
	}
	subject := "Made while pending"
	if r := c.post("/agent/tickets/new", url.Values{"subject": {subject}, "body": {"x"}, "requester_email": {e.customer.Email}}); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/agent/2fa") {
		t.Errorf("POST while pending: %d %s", r.Status, r.Location)
	}
	if r := c.post("/agent/2fa", url.Values{"code": {"123456"}}); r.Status != http.StatusUnauthorized || !strings.Contains(r.Body, "That code is not valid") {
		t.Errorf("wrong code: %d", r.Status)
	}
	r = c.post("/agent/2fa", url.Values{"code": {codes[0]}, "return": {"/agent/views/pending"}})
	if r.Status != http.StatusSeeOther || r.Location != "/agent/views/pending" {
		t.Fatalf("recovery code: %d %s", r.Status, r.Location)
	}
	if r := c.get("/agent"); r.Status != 200 {
		t.Errorf("GET /agent after the code: %d", r.Status)
	}
	// A used recovery code does not work twice.
	d := e.client()
	d.get("/agent/signin")
	d.post("/agent/signin", url.Values{"email": {e.agent.Email}, "password": {password}})
	d.get("/agent/2fa") // the session's CSRF token
	if r := d.post("/agent/2fa", url.Values{"code": {codes[0]}}); r.Status != http.StatusUnauthorized {
		t.Errorf("reused recovery code: %d", r.Status)
	}
	// Ten wrong codes lock verification.
	var last resp
	for range 10 {
		last = d.post("/agent/2fa", url.Values{"code": {"000000"}})
	}
	if r := d.post("/agent/2fa", url.Values{"code": {codes[1]}}); r.Status != http.StatusTooManyRequests || !strings.Contains(r.Body, "locked") {
		t.Errorf("after 10 wrong codes: %d (last wrong %d)", r.Status, last.Status)
	}
}

func TestForcedEnrolment(t *testing.T) {
	e := newEnv(t, "")
	ad := e.client()
	ad.signIn("/agent/signin", e.admin.Email)
	ag := e.client()
	ag.signIn("/agent/signin", e.agent.Email)
	cu := e.client()
	cu.signIn("/signin", e.customer.Email)
	if r := ad.get("/agent/admin/security"); r.Status != 200 || !strings.Contains(r.Body, `id="require-2fa"`) {
		t.Fatalf("admin security page: %d", r.Status)
	}
	if r := ad.post("/agent/admin/security/2fa", url.Values{"require_staff": {"1"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("require 2FA: %d %s", r.Status, r.Body)
	}
	for _, p := range []string{"/agent", "/agent/security", "/requests"} {
		if r := ag.get(p); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/agent/security/2fa/setup") {
			t.Errorf("agent GET %s: %d %s", p, r.Status, r.Location)
		}
	}
	if r := cu.get("/requests"); r.Status != 200 {
		t.Errorf("customers are not forced: %d %s", r.Status, r.Location)
	}
	enrol(t, ag, "/agent")
	if r := ag.get("/agent"); r.Status != 200 {
		t.Errorf("after enrolment: %d %s", r.Status, r.Location)
	}
}

func TestSecurityPagesAccessAndCSRF(t *testing.T) {
	e := newEnv(t, "")
	anon := e.client()
	cu := e.client()
	cu.signIn("/signin", e.customer.Email)
	ag := e.client()
	ag.signIn("/agent/signin", e.agent.Email)
	ad := e.client()
	ad.signIn("/agent/signin", e.admin.Email)
	for _, tc := range []struct {
		c    *client
		path string
		want int
	}{
		{anon, "/security", 303}, {anon, "/agent/security", 303}, {anon, "/agent/admin/security", 303}, {anon, "/password/change", 303},
		{cu, "/security", 200}, {cu, "/agent/security", 403}, {cu, "/agent/admin/security", 403}, {cu, "/password/change", 200},
		{cu, "/2fa", 303}, {ag, "/agent/security", 200}, {ag, "/agent/admin/security", 403}, {ag, "/agent/password", 200},
		{ad, "/agent/admin/security", 200},
	} {
		if r := tc.c.get(tc.path); r.Status != tc.want {
			t.Errorf("GET %s: %d, want %d", tc.path, r.Status, tc.want)
		}
	}
	if r := ag.post("/agent/admin/security/2fa", url.Values{"require_staff": {"1"}}); r.Status != 403 {
		t.Errorf("agent sets the policy: %d", r.Status)
	}
	// CSRF: a missing token and a cross-site request are refused.
	ad.get("/agent/admin/security")
	for _, p := range []string{"/agent/admin/security/2fa", "/agent/admin/security/password/staff", "/agent/security/sessions/revoke-others",
		"/agent/security/reauth", "/agent/security/2fa/disable", "/agent/password"} {
		if r := ad.post(p, url.Values{"csrf_token": {"bad"}, "require_staff": {"1"}}); r.Status != 403 {
			t.Errorf("POST %s with a bad token: %d", p, r.Status)
		}
		if r := ad.post(p, url.Values{"require_staff": {"1"}}, "Sec-Fetch-Site", "cross-site"); r.Status != 403 {
			t.Errorf("POST %s cross-site: %d", p, r.Status)
		}
	}
	if on, _ := e.app.Web.TwoFactorForTest().RequiredFor(e.sys, desk.RoleAgent); on {
		t.Error("the policy changed through a forged request")
	}
	// Password policy validation is shown translated on the form.
	r := ad.post("/agent/admin/security/password/staff", url.Values{"level": {"custom"}, "min_length": {"3"}, "history": {"0"}, "expiry_days": {"0"}})
	if r.Status != 422 || !strings.Contains(r.Body, "Must be between 8 and 128.") {
		t.Errorf("invalid policy: %d", r.Status)
	}
	r = ad.post("/agent/admin/security/password/end_users", url.Values{"level": {"custom"}, "min_length": {"10"}, "require_digit": {"1"}, "history": {"3"}, "expiry_days": {"90"}})
	if r.Status != 303 {
		t.Fatalf("valid policy: %d %s", r.Status, r.Body)
	}
	if r := ad.get("/agent/admin/security"); !strings.Contains(r.Body, `name="expiry_days" type="number" value="90"`) {
		t.Error("saved policy not shown")
	}
}

func TestSessionsAndReauth(t *testing.T) {
	e := newEnv(t, "")
	a := e.client()
	a.signIn("/signin", e.customer.Email)
	b := e.client()
	b.signIn("/signin", e.customer.Email)
	r := a.get("/security")
	if n := strings.Count(r.Body, "data-session-id="); n != 2 {
		t.Errorf("%d sessions listed, want 2", n)
	}
	if !strings.Contains(r.Body, "(this device)") {
		t.Error("current session not marked")
	}
	if r := a.post("/security/sessions/revoke-others", nil); r.Status != 303 {
		t.Fatalf("revoke others: %d", r.Status)
	}
	if r := b.get("/requests"); r.Status != 303 || !strings.HasPrefix(r.Location, "/signin") {
		t.Errorf("other session still works: %d %s", r.Status, r.Location)
	}
	if r := a.get("/requests"); r.Status != 200 {
		t.Errorf("own session ended: %d", r.Status)
	}
	// Sensitive actions need a recent re-authentication.
	secret, _ := enrol(t, a, "")
	if _, err := e.app.DB.Exec(e.sys, `UPDATE session_flags SET reauth_at = 1`); err != nil {
		t.Fatal(err)
	}
	if r := a.post("/security/2fa/disable", nil); r.Status != 403 {
		t.Errorf("disable without re-auth: %d", r.Status)
	}
	if r := a.post("/security/2fa/recovery", nil); r.Status != 403 {
		t.Errorf("regenerate without re-auth: %d", r.Status)
	}
	if r := a.post("/security/reauth", url.Values{"password": {password}, "code": {"000000"}}); r.Status != 401 {
		t.Errorf("re-auth with a wrong code: %d", r.Status)
	}
	if r := a.post("/security/reauth", url.Values{"password": {"wrong"}}); r.Status != 401 {
		t.Errorf("re-auth with a wrong password: %d", r.Status)
	}
	code, _ := totp.GenerateCode(secret, time.Now().Add(30*time.Second))
	if r := a.post("/security/reauth", url.Values{"password": {password}, "code": {code}}); r.Status != 303 {
		t.Fatalf("re-auth: %d %s", r.Status, r.Body)
	}
	a.get("/security") // re-authentication rotated the session: the page's new CSRF token
	if r := a.post("/security/2fa/recovery", nil); r.Status != 200 || len(codesRE.FindAllString(r.Body, -1)) != 10 {
		t.Errorf("regenerate: %d", r.Status)
	}
	if r := a.post("/security/2fa/disable", nil); r.Status != 303 {
		t.Errorf("disable: %d", r.Status)
	}
	if on, _ := e.app.Web.TwoFactorForTest().Enabled(e.sys, e.customer.ID); on {
		t.Error("2FA still on")
	}
}

func TestPasswordExpiry(t *testing.T) {
	e := newEnv(t, "")
	ad := e.client()
	ad.signIn("/agent/signin", e.admin.Email)
	ad.get("/agent/admin/security")
	if r := ad.post("/agent/admin/security/password/staff", url.Values{"level": {"custom"}, "min_length": {"12"}, "history": {"2"}, "expiry_days": {"30"}}); r.Status != 303 {
		t.Fatalf("policy: %d %s", r.Status, r.Body)
	}
	if _, err := e.app.DB.Exec(e.sys, `UPDATE users SET password_changed_at = 1 WHERE id = ?`, e.agent.ID); err != nil {
		t.Fatal(err)
	}
	other := e.client()
	other.get("/agent/signin")
	other.post("/agent/signin", url.Values{"email": {e.agent.Email}, "password": {password}})
	other.get("/agent/password")
	c := e.client()
	c.get("/agent/signin")
	r := c.post("/agent/signin", url.Values{"email": {e.agent.Email}, "password": {password}})
	if r.Status != 303 {
		t.Fatalf("sign-in: %d", r.Status)
	}
	if r := c.get("/agent"); r.Status != 303 || !strings.HasPrefix(r.Location, "/agent/password?return=") {
		t.Fatalf("expired password: %d %s", r.Status, r.Location)
	}
	if r := c.get("/agent/password"); r.Status != 200 || !strings.Contains(r.Body, "Your password has expired") {
		t.Fatalf("password page: %d", r.Status)
	}
	// The same password again is refused (history), translated.
	r = c.post("/agent/password", url.Values{"current_password": {password}, "new_password": {password}, "new_password_confirm": {password}})
	if r.Status != 422 || !strings.Contains(r.Body, "You used this password recently") {
		t.Errorf("reused password: %d", r.Status)
	}
	if r := c.post("/agent/password", url.Values{"current_password": {"wrong"}, "new_password": {"a brand new passphrase"}, "new_password_confirm": {"a brand new passphrase"}}); r.Status != 401 {
		t.Errorf("wrong current password: %d", r.Status)
	}
	newPW := "a brand new passphrase 42"
	r = c.post("/agent/password", url.Values{"current_password": {password}, "new_password": {newPW}, "new_password_confirm": {newPW}})
	if r.Status != 303 {
		t.Fatalf("change: %d %s", r.Status, r.Body)
	}
	if r := c.get("/agent"); r.Status != 200 {
		t.Errorf("after the change: %d %s", r.Status, r.Location)
	}
	if r := other.get("/agent"); r.Status != 303 || !strings.HasPrefix(r.Location, "/agent/signin") {
		t.Errorf("other session survived the change: %d %s", r.Status, r.Location)
	}
	if _, err := e.app.People.CheckPassword(e.sys, e.agent.Email, newPW); err != nil {
		t.Errorf("new password does not work: %v", err)
	}
}
