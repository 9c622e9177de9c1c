package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/frontdesk/frontdesk/internal/audit"
	"github.com/frontdesk/frontdesk/internal/people"
)

// callback is the test app's redirect URI; nothing listens there, the
// tests read the redirect instead of following it.
const callback = "http://127.0.0.1:9/callback"

// apiCall sends a JSON request with an Authorization header and decodes
// the answer.
func apiCall(t *testing.T, hc *http.Client, method, url, auth string, body any) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, url, rd)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// registerClient registers an OAuth client over the API as the admin and
// returns its secret (empty for a public client).
func (e *env) registerClient(identifier, kind string) string {
	e.t.Helper()
	tok, err := e.app.People.CreateToken(as(e.admin), 0, "oauth setup")
	if err != nil {
		e.t.Fatal(err)
	}
	status, body := apiCall(e.t, http.DefaultClient, "POST", e.base+"/api/v2/oauth/clients", "Bearer "+tok.Token, map[string]any{
		"client": map[string]any{"name": "Test App " + identifier, "identifier": identifier, "kind": kind, "redirect_uri": []string{callback}},
	})
	if status != http.StatusCreated {
		e.t.Fatalf("create client: %d %v", status, body)
	}
	c := body["client"].(map[string]any)
	secret, _ := c["secret"].(string)
	if kind == "confidential" && len(secret) < 40 {
		e.t.Fatalf("confidential client without a secret: %v", c)
	}
	// The secret is shown once: a read does not have it.
	_, again := apiCall(e.t, http.DefaultClient, "GET", e.base+"/api/v2/oauth/clients/"+jsonID(int64(c["id"].(float64))), "Bearer "+tok.Token, nil)
	if s, ok := again["client"].(map[string]any)["secret"]; ok {
		e.t.Fatalf("secret shown again: %v", s)
	}
	return secret
}

var hiddenField = regexp.MustCompile(`<input type="hidden" name="([a-z_]+)" value="([^"]*)">`)

// consentForm reads the hidden fields of the consent page.
func consentForm(t *testing.T, page string) url.Values {
	t.Helper()
	form := url.Values{}
	for _, m := range hiddenField.FindAllStringSubmatch(page, -1) {
		v := strings.NewReplacer("&amp;", "&", "&#43;", "+", "&#39;", "'", "&quot;", `"`, "&lt;", "<", "&gt;", ">").Replace(m[2])
		form.Set(m[1], v)
	}
	if form.Get("client_id") == "" {
		t.Fatalf("no consent form in:\n%s", page)
	}
	return form
}

// authorize drives the browser side of the flow for c (signed in): the
// consent page, then the given decision; it returns the redirect's query.
func authorize(t *testing.T, c *client, authURL, decision string) url.Values {
	t.Helper()
	u, _ := url.Parse(authURL)
	page := c.get(u.RequestURI())
	if page.Status != http.StatusOK {
		t.Fatalf("consent page: %d %s", page.Status, page.Body)
	}
	form := consentForm(t, page.Body)
	delete(form, "csrf_token")
	form.Set("decision", decision)
	r := c.post("/oauth/authorizations", form)
	if r.Status != http.StatusFound || !strings.HasPrefix(r.Location, callback+"?") {
		t.Fatalf("decision %s: %d %q %s", decision, r.Status, r.Location, r.Body)
	}
	back, _ := url.Parse(r.Location)
	return back.Query()
}

func TestOAuthAuthorizationCodeFlowWithGoClient(t *testing.T) {
	for name, u := range stores(t) {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, u)
			secret := e.registerClient("test-app", "confidential")
			conf := &oauth2.Config{
				ClientID: "test-app", ClientSecret: secret, RedirectURL: callback,
				Endpoint: oauth2.Endpoint{AuthURL: e.base + "/oauth/authorizations/new", TokenURL: e.base + "/oauth/tokens"},
				Scopes:   []string{"read", "tickets:write"},
			}
			ctx := context.WithValue(context.Background(), oauth2.HTTPClient, &http.Client{Timeout: 30 * time.Second})
			verifier := oauth2.GenerateVerifier()
			authURL := conf.AuthCodeURL("state-123", oauth2.S256ChallengeOption(verifier))

			// Signed out: the page sends the visitor to sign in and back.
			c := e.client()
			u, _ := url.Parse(authURL)
			r := c.get(u.RequestURI())
			if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/signin?return=") {
				t.Fatalf("signed out: %d %q", r.Status, r.Location)
			}
			c.get(r.Location)
			ret, _ := url.Parse(r.Location)
			r = c.post("/signin", url.Values{"email": {e.agent.Email}, "password": {password}, "return": {ret.Query().Get("return")}})
			if r.Status != http.StatusSeeOther || r.Location != u.RequestURI() {
				t.Fatalf("sign-in did not return to the consent page: %d %q", r.Status, r.Location)
			}

			// The consent page names the app and the scopes, and lets its
			// form answer to the app's origin only.
			page := c.get(u.RequestURI())
			if !strings.Contains(page.Body, "Test App test-app") || !strings.Contains(page.Body, "Create, change and delete tickets") {
				t.Fatalf("consent page:\n%s", page.Body)
			}
			if csp := page.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self' http://127.0.0.1:9") {
				t.Errorf("CSP %q", csp)
			}
			// Without the CSRF token the decision is refused.
			form := consentForm(t, page.Body)
			form.Set("csrf_token", "forged")
			form.Set("decision", "allow")
			if r := c.post("/oauth/authorizations", form); r.Status != http.StatusForbidden {
				t.Fatalf("forged CSRF token: %d", r.Status)
			}

			q := authorize(t, c, authURL, "allow")
			if q.Get("state") != "state-123" || !strings.HasPrefix(q.Get("code"), "fdc_") {
				t.Fatalf("redirect query %v", q)
			}
			code := q.Get("code")

			// A wrong verifier is refused, and spends nothing.
			if _, err := conf.Exchange(ctx, code, oauth2.VerifierOption(oauth2.GenerateVerifier())); err == nil {
				t.Fatal("exchange with a wrong verifier succeeded")
			}
			tok, err := conf.Exchange(ctx, code, oauth2.VerifierOption(verifier))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(tok.AccessToken, "fdo_") || tok.RefreshToken == "" || tok.Expiry.IsZero() || tok.Extra("scope") != "read tickets:write" {
				t.Fatalf("token %+v scope %v", tok, tok.Extra("scope"))
			}

			// The token acts as the agent, within its scopes.
			hc := conf.Client(ctx, tok)
			status, me := apiCall(t, hc, "GET", e.base+"/api/v2/users/me", "", nil)
			if status != 200 || me["user"].(map[string]any)["email"] != e.agent.Email {
				t.Fatalf("users/me: %d %v", status, me)
			}
			status, created := apiCall(t, hc, "POST", e.base+"/api/v2/tickets", "", map[string]any{
				"ticket": map[string]any{"subject": "Via OAuth", "comment": map[string]any{"body": "hello"}, "requester_id": e.customer.ID}})
			if status != http.StatusCreated {
				t.Fatalf("create ticket with tickets:write: %d %v", status, created)
			}
			if status, body := apiCall(t, hc, "POST", e.base+"/api/v2/organizations", "", map[string]any{
				"organization": map[string]any{"name": "Not in scope"}}); status != http.StatusForbidden {
				t.Fatalf("write outside the scopes: %d %v", status, body)
			}
			// Frontdesk's own API tokens keep working as Bearer.
			own, err := e.app.People.CreateToken(as(e.agent), 0, "script")
			if err != nil {
				t.Fatal(err)
			}
			if status, _ := apiCall(t, http.DefaultClient, "GET", e.base+"/api/v2/users/me", "Bearer "+own.Token, nil); status != 200 {
				t.Fatalf("API token as Bearer: %d", status)
			}

			// Refresh: a new pair, the old refresh token is spent.
			ts := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken, Expiry: time.Now().Add(-time.Hour)})
			fresh, err := ts.Token()
			if err != nil {
				t.Fatal(err)
			}
			if fresh.AccessToken == tok.AccessToken || fresh.RefreshToken == tok.RefreshToken {
				t.Fatal("refresh did not rotate the tokens")
			}
			if _, err := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken, Expiry: time.Now().Add(-time.Hour)}).Token(); err == nil {
				t.Fatal("a used refresh token worked again")
			}
			if status, _ := apiCall(t, http.DefaultClient, "GET", e.base+"/api/v2/users/me", "Bearer "+tok.AccessToken, nil); status != 401 {
				t.Fatalf("the rotated access token: %d", status)
			}
			if status, _ := apiCall(t, http.DefaultClient, "GET", e.base+"/api/v2/users/me", "Bearer "+fresh.AccessToken, nil); status != 200 {
				t.Fatalf("the refreshed access token: %d", status)
			}

			// A replayed code revokes every token of its grant.
			if _, err := conf.Exchange(ctx, code, oauth2.VerifierOption(verifier)); err == nil {
				t.Fatal("a code worked twice")
			}
			if status, _ := apiCall(t, http.DefaultClient, "GET", e.base+"/api/v2/users/me", "Bearer "+fresh.AccessToken, nil); status != 401 {
				t.Fatalf("token of a replayed code: %d", status)
			}

			// A second grant, revoked through the API by its own token; the
			// audit log names the token used.
			verifier = oauth2.GenerateVerifier()
			q = authorize(t, c, conf.AuthCodeURL("s2", oauth2.S256ChallengeOption(verifier)), "allow")
			tok2, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
			if err != nil {
				t.Fatal(err)
			}
			bearer := "Bearer " + tok2.AccessToken
			status, cur := apiCall(t, http.DefaultClient, "GET", e.base+"/api/v2/oauth/tokens/current", bearer, nil)
			if status != 200 || cur["token"].(map[string]any)["full_token"] != nil {
				t.Fatalf("current token: %d %v", status, cur)
			}
			if status, _ := apiCall(t, http.DefaultClient, "DELETE", e.base+"/api/v2/oauth/tokens/current", bearer, nil); status != http.StatusNoContent {
				t.Fatalf("revoke current: %d", status)
			}
			if status, _ := apiCall(t, http.DefaultClient, "GET", e.base+"/api/v2/users/me", bearer, nil); status != 401 {
				t.Fatalf("revoked token: %d", status)
			}
			entries, err := audit.List(e.sys, e.app.DB, audit.Filter{Action: "oauth_token.revoked"})
			if err != nil || len(entries) != 1 {
				t.Fatalf("audit entries %v %v", entries, err)
			}
			if cr := entries[0].Credential; cr == nil || cr.Type != "oauth_token" || cr.TokenID != entries[0].TargetID || entries[0].ActorID != e.agent.ID {
				t.Fatalf("audit entry %+v credential %+v", entries[0], cr)
			}

			// Denying sends the app access_denied and no code.
			q = authorize(t, c, conf.AuthCodeURL("s3", oauth2.S256ChallengeOption(verifier)), "deny")
			if q.Get("error") != "access_denied" || q.Get("code") != "" || q.Get("state") != "s3" {
				t.Fatalf("deny: %v", q)
			}
		})
	}
}

func TestOAuthAuthorizationRequestsRefused(t *testing.T) {
	for name, u := range stores(t) {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, u)
			e.registerClient("mobile-app", "public")
			c := e.client()
			c.signIn("/signin", e.customer.Email)
			base := url.Values{"response_type": {"code"}, "client_id": {"mobile-app"}, "redirect_uri": {callback}, "scope": {"requests:read"}, "state": {"x"}}
			with := func(kv ...string) string {
				v := url.Values{}
				for k, vs := range base {
					v[k] = vs
				}
				for i := 0; i+1 < len(kv); i += 2 {
					v.Set(kv[i], kv[i+1])
				}
				return "/oauth/authorizations/new?" + v.Encode()
			}
			// An unregistered redirect URI or client: an error page, never a redirect.
			for _, path := range []string{with("redirect_uri", callback+"/other"), with("redirect_uri", "https://evil.example/cb"), with("client_id", "nope")} {
				if r := c.get(path); r.Status != http.StatusBadRequest || r.Location != "" {
					t.Errorf("%s: %d %q", path, r.Status, r.Location)
				}
			}
			// Errors the app can handle go back to it.
			challenge := strings.Repeat("a", 43)
			for _, tc := range []struct{ path, want string }{
				{with(), "invalid_request"}, // a public client without PKCE
				{with("code_challenge", challenge, "code_challenge_method", "plain"), "invalid_request"},
				{with("code_challenge", challenge), "invalid_request"}, // method defaults to plain
				{with("code_challenge", challenge, "code_challenge_method", "S256", "scope", "read everything"), "invalid_scope"},
				{with("code_challenge", challenge, "code_challenge_method", "S256", "response_type", "token"), "unsupported_response_type"},
			} {
				r := c.get(tc.path)
				back, _ := url.Parse(r.Location)
				if r.Status != http.StatusFound || !strings.HasPrefix(r.Location, callback+"?") || back.Query().Get("error") != tc.want || back.Query().Get("state") != "x" {
					t.Errorf("%s: %d %q, want error %s", tc.path, r.Status, r.Location, tc.want)
				}
			}
			// With S256 the end-user gets the consent page in Polish too.
			ok := with("code_challenge", challenge, "code_challenge_method", "S256")
			c.post("/locale", url.Values{"locale": {"pl"}, "return": {"/requests"}})
			if r := c.get(ok); r.Status != 200 || !strings.Contains(r.Body, "Zezwól") || !strings.Contains(r.Body, "Odczytywać: requests") {
				t.Fatalf("Polish consent page: %d\n%s", r.Status, r.Body)
			}
		})
	}
}

// An account token is marked as such on the tokens page, in both languages.
func TestAccountTokenMarkedOnTokensPage(t *testing.T) {
	e := newEnv(t, "")
	tok, err := e.app.People.CreateTokenWith(as(e.admin), people.TokenInput{Description: "Integrations", Account: true, StaffOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	c := e.client()
	c.signIn("/agent/signin", e.admin.Email)
	r := c.get("/agent/security/tokens")
	if r.Status != 200 || !strings.Contains(r.Body, `id="account-token-`+strconv.FormatInt(tok.ID, 10)+`"`) ||
		!strings.Contains(r.Body, "Account token: acts as any user it names · agents and admins only") {
		t.Fatalf("tokens page: %d\n%s", r.Status, r.Body)
	}
	c.post("/locale", url.Values{"locale": {"pl"}, "return": {"/agent"}})
	if r := c.get("/agent/security/tokens"); !strings.Contains(r.Body, "Token konta") {
		t.Errorf("Polish tokens page lacks the mark:\n%s", r.Body)
	}
}
