package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
)

// TestFirstRun: on a fresh store /agent leads to the owner page; a wrong
// setup code is refused; the right one creates the owner, signs them in and
// lands in the workspace; then the page and the code are gone.
func TestFirstRun(t *testing.T) {
	for name, dbURL := range stores(t) {
		t.Run(name, func(t *testing.T) {
			e := newEmptyEnv(t, dbURL)
			code, err := e.app.People.NewSetupCode(e.sys)
			if err != nil || code == "" {
				t.Fatalf("code %q, %v", code, err)
			}
			c := e.client()
			if r := c.get("/agent"); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/agent/signin") {
				t.Fatalf("/agent: %d %s", r.Status, r.Location)
			}
			if r := c.get("/agent/signin"); r.Status != http.StatusSeeOther || r.Location != "/agent/setup" {
				t.Fatalf("/agent/signin: %d %s", r.Status, r.Location)
			}
			r := c.get("/agent/setup")
			if r.Status != http.StatusOK || !strings.Contains(r.Body, `<label for="setup-code">Setup code</label>`) ||
				!strings.Contains(r.Body, "<main") {
				t.Fatalf("setup page: %d %s", r.Status, r.Body)
			}
			form := url.Values{"code": {code}, "name": {"Olga Owner"}, "email": {"olga@example.com"},
				"password": {password}, "password_confirm": {password}}
			bad := url.Values{}
			for k, v := range form {
				bad[k] = v
			}
			bad.Set("code", "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG-HHHH")
			r = c.post("/agent/setup", bad)
			if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "That is not the setup code") {
				t.Fatalf("wrong code: %d %s", r.Status, r.Body)
			}
			if _, err := e.app.People.Owner(e.sys); desk.ErrorCode(err) != desk.ENOTFOUND {
				t.Fatalf("wrong code made an owner: %v", err)
			}
			mismatch := url.Values{}
			for k, v := range form {
				mismatch[k] = v
			}
			mismatch.Set("password_confirm", "something else entirely")
			if r := c.post("/agent/setup", mismatch); r.Status != http.StatusUnprocessableEntity {
				t.Fatalf("password mismatch: %d", r.Status)
			}
			r = c.post("/agent/setup", form)
			if r.Status != http.StatusSeeOther || r.Location != "/agent" {
				t.Fatalf("right code: %d %s %s", r.Status, r.Location, r.Body)
			}
			if r := c.get("/agent"); r.Status != http.StatusOK || !strings.Contains(r.Body, "Olga Owner") {
				t.Fatalf("workspace after setup: %d", r.Status)
			}
			own, err := e.app.People.Owner(e.sys)
			if err != nil || own.Email != "olga@example.com" || own.Role != desk.RoleAdmin {
				t.Fatalf("owner %+v, %v", own, err)
			}
			// The page is gone, and the code with it.
			if r := c.get("/agent/setup"); r.Status != http.StatusNotFound {
				t.Fatalf("setup page after setup: %d", r.Status)
			}
			other := e.client()
			form.Set("email", "eve@example.com")
			if r := other.post("/agent/setup", form); r.Status != http.StatusNotFound {
				t.Fatalf("code reused: %d", r.Status)
			}
			if r := other.get("/agent/signin"); r.Status != http.StatusOK || !strings.Contains(r.Body, `id="si-email"`) {
				t.Fatalf("sign-in page after setup: %d", r.Status)
			}
		})
	}
}

// TestFirstRunCodeVoidAfterCLI: `frontdesk user create --role admin`
// (CreateUser as the system) ends the first run; the printed code is void.
func TestFirstRunCodeVoidAfterCLI(t *testing.T) {
	e := newEmptyEnv(t, "")
	code, err := e.app.People.NewSetupCode(e.sys)
	if err != nil || code == "" {
		t.Fatalf("code %q, %v", code, err)
	}
	name, email, role, pw := "Ada Admin", "ada@example.com", desk.RoleAdmin, password
	if _, err := e.app.People.CreateUser(e.sys, people.UserInput{Name: &name, Email: &email, Role: &role, Password: &pw}); err != nil {
		t.Fatal(err)
	}
	c := e.client()
	if r := c.get("/agent/signin"); r.Status != http.StatusOK {
		t.Fatalf("sign-in page: %d %s", r.Status, r.Location)
	}
	r := c.post("/agent/setup", url.Values{"code": {code}, "name": {"Eve"}, "email": {"eve@example.com"},
		"password": {password}, "password_confirm": {password}})
	if r.Status != http.StatusNotFound {
		t.Fatalf("void code: %d", r.Status)
	}
}

// TestFirstRunRateLimited: wrong codes from one address are limited like
// failed sign-ins, and then even the right code waits.
func TestFirstRunRateLimited(t *testing.T) {
	e := newEmptyEnv(t, "")
	code, err := e.app.People.NewSetupCode(e.sys)
	if err != nil {
		t.Fatal(err)
	}
	c := e.client()
	form := url.Values{"code": {"wrong"}, "name": {"Olga"}, "email": {"olga@example.com"},
		"password": {password}, "password_confirm": {password}}
	limited := false
	for range 40 {
		if r := c.post("/agent/setup", form); r.Status == http.StatusTooManyRequests {
			limited = true
			break
		}
	}
	if !limited {
		t.Fatal("40 wrong codes were never limited")
	}
	form.Set("code", code)
	if r := c.post("/agent/setup", form); r.Status != http.StatusTooManyRequests {
		t.Fatalf("right code while limited: %d", r.Status)
	}
}

// TestBrowserFirstRun: the owner page in Chromium: labelled
// fields, no script or style outside the CSP, a wrong code focused with
// its message, then the owner lands in the workspace.
func TestBrowserFirstRun(t *testing.T) {
	b := newBrowser(t)
	e := newEmptyEnv(t, "")
	code, err := e.app.People.NewSetupCode(e.sys)
	if err != nil {
		t.Fatal(err)
	}
	tb := b.tab("owner")
	tb.open(e.base + "/agent")
	tb.waitURL(`location.pathname === "/agent/setup"`, "the owner page")
	tb.waitText("Create the owner account")
	// Every input has a label, and the page has a main landmark.
	tb.waitJS(`[...document.querySelectorAll("form[action='/agent/setup'] input:not([type=hidden])")].every(i => i.labels.length === 1)`,
		"labelled inputs")
	tb.waitJS(`document.querySelector("main") !== null && document.querySelector("h1") !== null`, "landmarks")
	fill := func(c string) {
		tb.do(
			chromedp.SetValue(chromedp.CSS(`#setup-code`), c),
			chromedp.SetValue(chromedp.CSS(`#setup-name`), "Olga Owner"),
			chromedp.SetValue(chromedp.CSS(`#setup-email`), "olga@example.com"),
			chromedp.SetValue(chromedp.CSS(`#setup-password`), password),
			chromedp.SetValue(chromedp.CSS(`#setup-password2`), password),
			chromedp.Click(chromedp.CSS(`form[action="/agent/setup"] button[type=submit]`)),
		)
	}
	fill("WRONG-CODE")
	tb.waitText("That is not the setup code")
	tb.waitJS(`document.activeElement && document.activeElement.id === "setup-code"`, "focus on the code")
	tb.waitJS(`document.querySelector("#setup-code").getAttribute("aria-invalid") === "true"`, "the code marked invalid")
	tb.noScriptRan("the owner page")
	fill(strings.ToLower(code))
	tb.waitURL(`location.pathname === "/agent"`, "the workspace")
	tb.waitText("Olga Owner")
	tb.noScriptRan("the workspace after setup")
	tb.open(e.base + "/agent/setup")
	tb.waitText("The page you are looking for does not exist.")
}
