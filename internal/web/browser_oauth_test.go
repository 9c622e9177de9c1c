package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"golang.org/x/oauth2"

	"github.com/frontdesk/frontdesk/internal/oauth"
)

// TestBrowserOAuthConsent runs the authorization-code flow in Chromium:
// an app's link leads to sign-in, then the consent page, which is answered
// with the keyboard alone; the browser lands on the app's callback (so the
// page's Content-Security-Policy lets the form's redirect through), and
// golang.org/x/oauth2 exchanges the code and calls the API.
func TestBrowserOAuthConsent(t *testing.T) {
	b := newBrowser(t)
	e := newEnv(t, "")
	codes := make(chan string, 1)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c := r.URL.Query().Get("code"); c != "" && r.URL.Query().Get("state") == "browser-state" {
			codes <- c
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(`<!doctype html><title>App</title><p id="done">Connected</p>`))
	}))
	t.Cleanup(app.Close)
	name, ident, kind := "Browser App", "browser-app", oauth.KindPublic
	if _, err := e.app.OAuth.CreateClient(e.sys, oauth.ClientInput{Name: &name, Identifier: &ident, Kind: &kind,
		RedirectURI: &[]string{app.URL + "/cb"}}); err != nil {
		t.Fatal(err)
	}
	conf := &oauth2.Config{ClientID: ident, RedirectURL: app.URL + "/cb", Scopes: []string{"read"},
		Endpoint: oauth2.Endpoint{AuthURL: e.base + "/oauth/authorizations/new", TokenURL: e.base + "/oauth/tokens", AuthStyle: oauth2.AuthStyleInParams}}
	verifier := oauth2.GenerateVerifier()

	tb := b.tab("customer")
	tb.open(conf.AuthCodeURL("browser-state", oauth2.S256ChallengeOption(verifier)))
	tb.do(
		chromedp.WaitVisible(chromedp.CSS(`#si-email`)),
		chromedp.SendKeys(chromedp.CSS(`#si-email`), e.customer.Email),
		chromedp.SendKeys(chromedp.CSS(`#si-password`), password),
		chromedp.Click(chromedp.CSS(`form[action$="signin"] button[type=submit]`)),
	)
	tb.waitURL(`location.pathname === "/oauth/authorizations/new" && !!document.querySelector("#oauth-allow")`, "consent page")
	if txt := tb.text(); !strings.Contains(txt, "Browser App") || !strings.Contains(txt, "Read everything your account can see") {
		t.Fatalf("consent page text:\n%s", txt)
	}
	// Keyboard only: focus moves to Allow with Tab, Enter submits.
	tb.eval(`document.activeElement.blur(), document.querySelector("#oauth-deny").focus(), ""`)
	tb.do(chromedp.KeyEvent("\t", chromedp.KeyModifiers(chromedp.ModifierShift)))
	tb.waitJS(`document.activeElement.id === "oauth-allow"`, "Allow focused")
	tb.noScriptRan("consent")
	tb.do(chromedp.KeyEvent("\r"))
	tb.waitJS(`!!document.querySelector("#done")`, "back at the app")

	var code string
	select {
	case code = <-codes:
	case <-time.After(30 * time.Second):
		t.Fatal("the app never got a code")
	}
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, &http.Client{Timeout: 30 * time.Second})
	tok, err := conf.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	status, me := apiCall(t, conf.Client(ctx, tok), "GET", e.base+"/api/v2/users/me", "", nil)
	if status != 200 || me["user"].(map[string]any)["email"] != e.customer.Email {
		t.Fatalf("users/me with the browser's grant: %d %v", status, me)
	}
}
