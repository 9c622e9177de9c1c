package compat

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/oauth"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/server"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// TestZendeskClient runs compat/zendesk-client/run.js (zendesk-client
// 0.0.10, which authenticates only with Bearer tokens) against a real
// server on each store, with an OAuth access token obtained the way an
// integration gets one: golang.org/x/oauth2 as the app, the admin signing
// in and allowing it on the consent page over HTTP, PKCE, code exchange.
func TestZendeskClient(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("FRONTDESK_REQUIRE_NODE") != "" {
			t.Fatal("node is required (FRONTDESK_REQUIRE_NODE is set) but not installed")
		}
		t.Skip("node not installed")
	}
	dir, _ := filepath.Abs("zendesk-client")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "zendesk-client")); err != nil {
		cmd := exec.Command("npm", "ci", "--no-audit", "--no-fund")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("npm ci: %v\n%s", err, out)
		}
	}
	stores := map[string]string{"sqlite": ""}
	if base := storetest.PostgresURL(); base != "" {
		u, _ := storetest.SchemaURL(t, base)
		stores["postgres"] = u
	}
	for name, dbURL := range stores {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			logger := slog.New(slog.NewTextHandler(io.Discard, nil))
			app, err := server.Open(ctx, server.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), DatabaseURL: dbURL, JobWorkers: 2}, logger)
			if err != nil {
				t.Fatal(err)
			}
			defer app.Close()
			sys := desk.SystemContext(ctx)
			email, nm, role, pw := "admin@compat.test", "Compat Admin", desk.RoleAdmin, "correct horse battery staple"
			u, err := app.People.CreateUser(sys, people.UserInput{Email: &email, Name: &nm, Role: &role, Password: &pw})
			if err != nil {
				t.Fatal(err)
			}
			gname, oname := "Billing", "Nowak i Synowie"
			g, err := app.People.CreateGroup(sys, people.GroupInput{Name: &gname})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := app.People.AddMembership(sys, u.ID, g.ID, true); err != nil {
				t.Fatal(err)
			}
			org, err := app.People.CreateOrganization(sys, people.OrganizationInput{Name: &oname})
			if err != nil {
				t.Fatal(err)
			}
			cname, ident := "zendesk-client compat", "zendesk-client-compat"
			client, err := app.OAuth.CreateClient(sys, oauth.ClientInput{Name: &cname, Identifier: &ident, RedirectURI: &[]string{"http://127.0.0.1:9/cb"}})
			if err != nil {
				t.Fatal(err)
			}
			addrc := make(chan string, 1)
			done := make(chan error, 1)
			go func() { done <- app.Serve(ctx, func(a string) { addrc <- a }) }()
			var base string
			select {
			case a := <-addrc:
				base = "http://" + a
			case err := <-done:
				t.Fatal(err)
			}
			token := oauthToken(t, base, email, pw, &oauth2.Config{
				ClientID: ident, ClientSecret: client.Secret, RedirectURL: "http://127.0.0.1:9/cb", Scopes: []string{"read", "write"},
				Endpoint: oauth2.Endpoint{AuthURL: base + "/oauth/authorizations/new", TokenURL: base + "/oauth/tokens"},
			})
			runCtx, stop := context.WithTimeout(ctx, 3*time.Minute)
			defer stop()
			cmd := exec.CommandContext(runCtx, node, "run.js")
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "FRONTDESK_URL="+base, "FRONTDESK_EMAIL="+email, "FRONTDESK_OAUTH_TOKEN="+token,
				"FRONTDESK_CLIENT_ID="+strconv.FormatInt(client.ID, 10), "FRONTDESK_ORG_ID="+strconv.FormatInt(org.ID, 10),
				"FRONTDESK_GROUP_ID="+strconv.FormatInt(g.ID, 10))
			out, err := cmd.CombinedOutput()
			t.Logf("zendesk-client:\n%s", out)
			if err != nil {
				t.Fatalf("zendesk-client run failed: %v", err)
			}
			cancel()
			if err := <-done; err != nil {
				t.Fatalf("serve: %v", err)
			}
		})
	}
}

var (
	csrfMeta    = regexp.MustCompile(`<meta name="csrf-token" content="([^"]+)">`)
	hiddenInput = regexp.MustCompile(`<input type="hidden" name="([a-z_]+)" value="([^"]*)">`)
)

// oauthToken signs in as email over HTTP, allows the app on the consent
// page and exchanges the code (with PKCE) through conf.
func oauthToken(t *testing.T, base, email, password string, conf *oauth2.Config) string {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	fetch := func(method, path string, form url.Values) (*http.Response, string) {
		t.Helper()
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		req, _ := http.NewRequest(method, base+path, body)
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	verifier := oauth2.GenerateVerifier()
	authURL, _ := url.Parse(conf.AuthCodeURL("compat", oauth2.S256ChallengeOption(verifier)))
	consentPath := authURL.RequestURI()
	_, page := fetch("GET", "/signin", nil)
	m := csrfMeta.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no CSRF token on the sign-in page")
	}
	if resp, _ := fetch("POST", "/signin", url.Values{"csrf_token": {m[1]}, "email": {email}, "password": {password}, "return": {consentPath}}); resp.Header.Get("Location") != consentPath {
		t.Fatalf("sign-in: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, page := fetch("GET", consentPath, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("consent page: %d", resp.StatusCode)
	}
	form := url.Values{"decision": {"allow"}}
	for _, f := range hiddenInput.FindAllStringSubmatch(page, -1) {
		form.Set(f[1], strings.NewReplacer("&amp;", "&", "&#43;", "+").Replace(f[2]))
	}
	resp, _ = fetch("POST", "/oauth/authorizations", form)
	back, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil || back.Query().Get("code") == "" {
		t.Fatalf("consent: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, &http.Client{Timeout: 30 * time.Second})
	tok, err := conf.Exchange(ctx, back.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	return tok.AccessToken
}
