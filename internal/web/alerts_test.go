package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/frontdesk/frontdesk/internal/account"
	"github.com/frontdesk/frontdesk/internal/people"
)

var disownLink = regexp.MustCompile(`/security/disown\?token=([A-Za-z0-9_-]+)`)

// TestDisownFlow: a sign-in from a new browser mails the user a "this
// wasn't me" link; its page only asks, the POST ends every session and the
// password, a reset link follows, and the link works once.
func TestDisownFlow(t *testing.T) {
	e := newEnv(t, "")
	first := e.client()
	first.signIn("/signin", e.customer.Email)
	second := e.client() // a new browser: an alert
	second.signIn("/signin", e.customer.Email)
	msg, err := e.app.Outbox.Latest(e.sys, e.customer.Email)
	if err != nil || msg.Kind != account.KindSignInAlert {
		t.Fatalf("alert mail: %v %+v", err, msg)
	}
	m := disownLink.FindStringSubmatch(msg.Text)
	if m == nil || !strings.Contains(msg.Text, e.base+"/security/disown?token=") {
		t.Fatalf("no link to this site in:\n%s", msg.Text)
	}
	anon := e.client()
	page := anon.get("/security/disown?token=" + m[1])
	if page.Status != http.StatusOK || !strings.Contains(page.Body, `id="disown-form"`) {
		t.Fatalf("confirmation page: %d %s", page.Status, page.Body)
	}
	if r := first.get("/requests"); r.Status != http.StatusOK {
		t.Fatalf("the GET ended sessions: %d", r.Status)
	}
	done := anon.post("/security/disown", url.Values{"token": {m[1]}})
	if done.Status != http.StatusOK || !strings.Contains(done.Body, `id="disown-done"`) {
		t.Fatalf("disown: %d %s", done.Status, done.Body)
	}
	for _, c := range []*client{first, second} {
		if r := c.get("/requests"); r.Status == http.StatusOK {
			t.Fatal("a session survived")
		}
	}
	if reset, err := e.app.Outbox.Latest(e.sys, e.customer.Email); err != nil || reset.Kind != account.KindPasswordReset {
		t.Fatalf("reset mail: %v %+v", err, reset)
	}
	c := e.client()
	c.get("/signin")
	if r := c.post("/signin", url.Values{"email": {e.customer.Email}, "password": {password}}); r.Status != http.StatusUnauthorized {
		t.Fatalf("old password: %d", r.Status)
	}
	again := anon.post("/security/disown", url.Values{"token": {m[1]}})
	if again.Status != http.StatusUnprocessableEntity {
		t.Fatalf("second use: %d", again.Status)
	}
}

// TestAlertSettingsForm: admins set the security contact (validated) and
// the rules; agents cannot; the alerts page needs manage_security.
func TestAlertSettingsForm(t *testing.T) {
	e := newEnv(t, "")
	ad := e.client()
	ad.signIn("/agent/signin", e.admin.Email)
	ad.get("/agent/admin/security")
	bad := ad.post("/agent/admin/security/alerts", url.Values{"security_contact": {"not an address"}, "alert_new_device": {"1"}})
	if bad.Status != http.StatusUnprocessableEntity || !strings.Contains(bad.Body, "Enter one email address") || !strings.Contains(bad.Body, `value="not an address"`) {
		t.Fatalf("bad contact: %d", bad.Status)
	}
	ok := ad.post("/agent/admin/security/alerts", url.Values{"security_contact": {"sec@example.com"}, "alert_new_device": {"1"}})
	if ok.Status != http.StatusSeeOther {
		t.Fatalf("save: %d %s", ok.Status, ok.Body)
	}
	got, err := e.app.Account.AlertSettings(e.sys)
	if err != nil || got.Contact != "sec@example.com" || !got.NewDevice || got.NewNetwork || got.Failures || got.Concurrent {
		t.Fatalf("stored: %+v %v", got, err)
	}
	// A new admin is now reported to the contact.
	e.mustUser("Second Admin", "admin2@example.com", "admin")
	if n, err := e.app.Outbox.Latest(e.sys, "sec@example.com"); err != nil || !strings.Contains(n.Text, "admin2@example.com") {
		t.Fatalf("contact notice: %v %+v", err, n)
	}
	ag := e.client()
	ag.signIn("/agent/signin", e.agent.Email)
	ag.get("/agent")
	if r := ag.post("/agent/admin/security/alerts", url.Values{"security_contact": {"evil@example.com"}}); r.Status != http.StatusForbidden && r.Status != http.StatusNotFound {
		t.Fatalf("agent saved alert settings: %d", r.Status)
	}
	if r := ag.get("/agent/admin/alerts"); r.Status != http.StatusForbidden && r.Status != http.StatusNotFound {
		t.Fatalf("agent without manage_security read alerts: %d", r.Status)
	}
}

// TestBrowserAlerts: an admin reads recent alerts and changes the settings
// in a real browser; every state is accessible, in English and Polish.
func TestBrowserAlerts(t *testing.T) {
	for name, u := range stores(t) {
		t.Run(name, func(t *testing.T) {
			b := newBrowser(t)
			e := newEnv(t, u)
			ctx := e.sys
			if _, err := e.app.Account.SignInDevice(ctx, e.customer.Email, password, "192.0.2.10", "first", ""); err != nil {
				t.Fatal(err)
			}
			if _, err := e.app.Account.SignInDevice(ctx, e.customer.Email, password, "198.51.100.20", "Intruder/1.0", ""); err != nil {
				t.Fatal(err)
			}
			ad := b.tab("admin")
			ad.signIn(e.base, "/agent/signin", e.admin.Email)
			ad.open(e.base + "/agent/admin/alerts")
			ad.waitText("Sign-in alerts")
			ad.waitJS(`document.querySelector("#alerts-table tbody").innerText.includes("198.51.100.20")`, "the alert row")
			if got := ad.eval(`document.querySelector("#alerts-table tbody").innerText`); !strings.Contains(got, "Intruder/1.0") ||
				!strings.Contains(got, "from a network not used for the account before") {
				t.Errorf("alert row: %q", got)
			}
			ad.accessible("the alerts page")
			ad.noScriptRan("the alerts page")

			ad.open(e.base + "/agent/admin/security#alerts")
			ad.do(
				chromedp.SetValue(chromedp.CSS(`#al-contact`), "security@example.com"),
				chromedp.Click(chromedp.CSS(`#al-concurrent`)),
				chromedp.Click(chromedp.CSS(`#alerts-form button[type=submit]`)),
			)
			ad.waitURL(`location.search.includes("m=settings") && document.querySelector("#al-contact") !== null`, "the saved settings")
			if v := ad.eval(`document.querySelector("#al-contact").value + " " + document.querySelector("#al-concurrent").checked`); v != "security@example.com false" {
				t.Errorf("form after saving: %q", v)
			}
			ad.accessible("the security page with the alert settings")

			pl := "pl"
			if _, err := e.app.People.UpdateUser(e.sys, e.admin.ID, people.UserInput{Locale: &pl}); err != nil {
				t.Fatal(err)
			}
			ad.open(e.base + "/agent/admin/alerts")
			ad.waitText("Alerty logowania")
			ad.accessible("the alerts page in Polish")
		})
	}
}
