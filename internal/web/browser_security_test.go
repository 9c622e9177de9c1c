package web_test

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"
)

// Two-step sign-in in a real browser: an agent enrols (QR image under the
// CSP, manual key, first code, recovery codes), signs out, signs in again
// and must give a code (a wrong one is refused); then an admin makes 2FA
// mandatory for staff and another agent is sent straight to enrolment.
func TestBrowserTwoFactor(t *testing.T) {
	b := newBrowser(t)
	e := newEnv(t, "")

	ag := b.tab("agent")
	ag.signIn(e.base, "/agent/signin", e.agent.Email)
	ag.waitURL(`location.pathname === "/agent"`, "the agent home")
	ag.do(chromedp.Click(chromedp.CSS(`a.whoami`)))
	ag.waitURL(`location.pathname === "/agent/security"`, "the security page")
	ag.waitText("Two-step verification is off.")
	ag.do(chromedp.Click(chromedp.CSS(`a[href="/agent/security/2fa/setup"]`)))
	ag.waitJS(`document.querySelector("#tf-secret") !== null`, "the setup page")
	ag.waitJS(`document.querySelector("#tf-qr").complete && document.querySelector("#tf-qr").naturalWidth === 200`, "the QR image")
	secret := ag.eval(`document.querySelector("#tf-secret").innerText`)
	code, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		t.Fatalf("secret %q: %v", secret, err)
	}
	ag.do(
		chromedp.SendKeys(chromedp.CSS(`#tf-code`), code),
		chromedp.Click(chromedp.CSS(`form[action="/agent/security/2fa/confirm"] button[type=submit]`)),
	)
	ag.waitJS(`document.querySelectorAll("#tf-codes li").length === 10`, "ten recovery codes")
	ag.shot("recovery-codes")

	// Sign out and in again: the password alone is not enough.
	ag.do(chromedp.Click(chromedp.CSS(`form[action="/signout"] button[type=submit]`)))
	ag.waitURL(`location.pathname === "/agent/signin"`, "signed out")
	ag.signIn(e.base, "/agent/signin", e.agent.Email)
	ag.waitURL(`location.pathname === "/agent/2fa"`, "the code page")
	ag.open(e.base + "/agent/tickets/new")
	ag.waitURL(`location.pathname === "/agent/2fa"`, "still the code page")
	ag.do(
		chromedp.SendKeys(chromedp.CSS(`#tf-code`), "000000"),
		chromedp.Click(chromedp.CSS(`form[action="/agent/2fa"] button[type=submit]`)),
	)
	ag.waitText("That code is not valid")
	ag.waitJS(`document.readyState === "complete" && document.querySelector("#tf-code").value === ""`, "an empty code field")
	// The next time step: the enrolment code's step cannot be replayed.
	code, _ = totp.GenerateCode(secret, time.Now().Add(30*time.Second))
	ag.do(
		chromedp.SendKeys(chromedp.CSS(`#tf-code`), code),
		chromedp.Click(chromedp.CSS(`form[action="/agent/2fa"] button[type=submit]`)),
	)
	ag.waitURL(`location.pathname === "/agent/tickets/new"`, "signed in, back where the agent was going")
	ag.noScriptRan("2FA pages")

	// The admin requires 2FA for staff.
	ad := b.tab("admin")
	ad.signIn(e.base, "/agent/signin", e.admin.Email)
	ad.open(e.base + "/agent/admin/security")
	ad.do(
		chromedp.Click(chromedp.CSS(`#require-2fa`)),
		chromedp.Click(chromedp.CSS(`#require-2fa-form button[type=submit]`)),
	)
	// The admin has no 2FA either, so is the first to be sent to enrol.
	ad.waitURL(`location.pathname === "/agent/security/2fa/setup"`, "the admin sent to enrol")
	if on, _ := e.app.Web.TwoFactorForTest().RequiredFor(e.sys, e.agent2.Role); !on {
		t.Fatal("2FA not required after saving")
	}

	// Another agent without 2FA can only enrol.
	g := b.tab("grace")
	g.signIn(e.base, "/agent/signin", e.agent2.Email)
	g.waitURL(`location.pathname === "/agent/security/2fa/setup"`, "forced to the setup page")
	g.waitText("Your administrator requires two-step verification")
	g.open(e.base + "/agent/views/pending")
	g.waitURL(`location.pathname === "/agent/security/2fa/setup"`, "still forced to the setup page")
	g.noScriptRan("forced enrolment")
	ad.noScriptRan("admin security")
}
