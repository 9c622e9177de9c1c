package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/oauth"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// bearerDo sends a JSON request with a Bearer token (and extra headers)
// and decodes the answer.
func bearerDo(t *testing.T, a *testAPI, token, method, path string, body any, hdr ...string) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, a.URL+path, rd)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// tokenPost posts to /oauth/tokens with the given content type.
func tokenPost(t *testing.T, a *testAPI, contentType, body string, basic ...string) (int, http.Header, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("POST", a.URL+"/oauth/tokens", strings.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	if len(basic) == 2 {
		req.SetBasicAuth(basic[0], basic[1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, resp.Header, out
}

const testRedirect = "https://app.example/cb"

// oauthFixture is a confidential client registered by the admin.
type oauthFixture struct {
	a      *testAPI
	ident  string
	secret string
	id     int64
}

func newOAuthFixture(t *testing.T, a *testAPI) *oauthFixture {
	t.Helper()
	status, body := a.do(t, a.Admin, "POST", "/api/v2/oauth/clients", map[string]any{"client": map[string]any{
		"name": "Sync app", "identifier": "sync-app", "company": "Example", "redirect_uri": []string{testRedirect}}})
	if status != http.StatusCreated {
		t.Fatalf("create client: %d %v", status, body)
	}
	c := body["client"].(map[string]any)
	if c["kind"] != "confidential" || !strings.HasSuffix(c["url"].(string), "/api/v2/oauth/clients/"+itoa(int64(pNum(c, "id")))+".json") {
		t.Fatalf("client %v", c)
	}
	return &oauthFixture{a: a, ident: "sync-app", secret: c["secret"].(string), id: int64(pNum(c, "id"))}
}

// code runs the consent step as user u with scope and PKCE verifier ("" for none).
func (f *oauthFixture) code(t *testing.T, u testUser, role desk.Role, scope, verifier string) string {
	t.Helper()
	req := oauth.AuthRequest{ResponseType: "code", ClientID: f.ident, RedirectURI: testRedirect, Scope: scope, State: "s"}
	if verifier != "" {
		sum := sha256.Sum256([]byte(verifier))
		req.CodeChallenge, req.CodeChallengeMethod = base64.RawURLEncoding.EncodeToString(sum[:]), "S256"
	}
	ctx := desk.WithPrincipal(context.Background(), &desk.Principal{UserID: u.ID, Role: role, Email: u.Email, Via: "web"})
	to, err := f.a.srv.OAuth.Approve(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	back, _ := url.Parse(to)
	return back.Query().Get("code")
}

// token exchanges a fresh code for an access token (JSON body, as Zendesk documents).
func (f *oauthFixture) token(t *testing.T, u testUser, role desk.Role, scope string) map[string]any {
	t.Helper()
	code := f.code(t, u, role, scope, "")
	body, _ := json.Marshal(map[string]any{"grant_type": "authorization_code", "code": code, "client_id": f.ident,
		"client_secret": f.secret, "redirect_uri": testRedirect, "scope": scope})
	status, _, out := tokenPost(t, f.a, "application/json", string(body))
	if status != 200 {
		t.Fatalf("exchange: %d %v", status, out)
	}
	return out
}

func TestOAuthTokenEndpointRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		f := newOAuthFixture(t, a)
		verifier := strings.Repeat("v", 50)
		form := func(kv ...string) string {
			v := url.Values{}
			for i := 0; i+1 < len(kv); i += 2 {
				v.Set(kv[i], kv[i+1])
			}
			return v.Encode()
		}
		const formType = "application/x-www-form-urlencoded"
		cases := []struct {
			name, body string
			basic      []string
			status     int
			want       string
		}{
			{"wrong secret", form("grant_type", "authorization_code", "code", "fdc_x", "redirect_uri", testRedirect), []string{f.ident, "nope"}, 401, "invalid_client"},
			{"unknown client", form("grant_type", "authorization_code", "client_id", "ghost", "client_secret", "x"), nil, 401, "invalid_client"},
			{"no grant type", form(), []string{f.ident, f.secret}, 400, "invalid_request"},
			{"password grant", form("grant_type", "password", "username", "a", "password", "b"), []string{f.ident, f.secret}, 400, "unsupported_grant_type"},
			{"unknown code", form("grant_type", "authorization_code", "code", "fdc_nothing", "redirect_uri", testRedirect), []string{f.ident, f.secret}, 400, "invalid_grant"},
			{"unknown refresh", form("grant_type", "refresh_token", "refresh_token", "fdr_nothing"), []string{f.ident, f.secret}, 400, "invalid_grant"},
			{"lifetime out of range", form("grant_type", "refresh_token", "refresh_token", "fdr_x", "expires_in", "99999999999999999"), []string{f.ident, f.secret}, 400, "invalid_request"},
			{"lifetime not a number", form("grant_type", "refresh_token", "refresh_token", "fdr_x", "expires_in", "soon"), []string{f.ident, f.secret}, 400, "invalid_request"},
			{"two client auths", form("grant_type", "refresh_token", "client_secret", "y"), []string{f.ident, f.secret}, 400, "invalid_request"},
		}
		for _, c := range cases {
			status, hdr, body := tokenPost(t, a, formType, c.body, c.basic...)
			if status != c.status || body["error"] != c.want || body["error_description"] == "" {
				t.Errorf("%s: %d %v, want %d %s", c.name, status, body, c.status, c.want)
			}
			if hdr.Get("Cache-Control") != "no-store" {
				t.Errorf("%s: Cache-Control %q", c.name, hdr.Get("Cache-Control"))
			}
		}
		if status, _, body := tokenPost(t, a, "text/plain", "grant_type=authorization_code"); status != 400 || body["error"] != "invalid_request" {
			t.Errorf("text/plain body: %d %v", status, body)
		}

		// A code is bound to its redirect URI and PKCE verifier; failures spend nothing.
		code := f.code(t, a.Agent, desk.RoleAgent, "read", verifier)
		for name, body := range map[string]string{
			"other redirect":     form("grant_type", "authorization_code", "code", code, "redirect_uri", testRedirect+"/x", "code_verifier", verifier),
			"no verifier":        form("grant_type", "authorization_code", "code", code, "redirect_uri", testRedirect),
			"wrong verifier":     form("grant_type", "authorization_code", "code", code, "redirect_uri", testRedirect, "code_verifier", strings.Repeat("w", 50)),
			"verifier too short": form("grant_type", "authorization_code", "code", code, "redirect_uri", testRedirect, "code_verifier", "short"),
		} {
			if status, _, out := tokenPost(t, a, formType, body, f.ident, f.secret); status != 400 || out["error"] != "invalid_grant" {
				t.Errorf("%s: %d %v", name, status, out)
			}
		}
		status, _, out := tokenPost(t, a, formType, form("grant_type", "authorization_code", "code", code, "redirect_uri", testRedirect, "code_verifier", verifier), f.ident, f.secret)
		if status != 200 || out["token_type"] != "bearer" || out["scope"] != "read" || pNum(out, "expires_in") != 7200 || pNum(out, "refresh_token_expires_in") != 30*24*3600 {
			t.Fatalf("exchange: %d %v", status, out)
		}

		// A code expires: five minutes later it is refused.
		late := f.code(t, a.Agent, desk.RoleAgent, "read", "")
		a.srv.OAuth.Now = func() time.Time { return time.Now().Add(oauth.CodeLifetime + time.Second) }
		status, _, out = tokenPost(t, a, formType, form("grant_type", "authorization_code", "code", late, "redirect_uri", testRedirect), f.ident, f.secret)
		a.srv.OAuth.Now = nil
		if status != 400 || out["error"] != "invalid_grant" {
			t.Errorf("expired code: %d %v", status, out)
		}
	})
}

func TestOAuthScopesAndLifetimes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		f := newOAuthFixture(t, a)

		// read: every GET, no write.
		read := f.token(t, a.Agent, desk.RoleAgent, "read")["access_token"].(string)
		if status, _ := bearerDo(t, a, read, "GET", "/api/v2/tickets", nil); status != 200 {
			t.Errorf("read token GET tickets: %d", status)
		}
		if status, body := bearerDo(t, a, read, "PUT", "/api/v2/users/me", map[string]any{"user": map[string]any{"name": "X"}}); status != 403 || body["error"] != "Forbidden" {
			t.Errorf("read token PUT: %d %v", status, body)
		}
		// users:read reaches users, not tickets (deny by default).
		users := f.token(t, a.Agent, desk.RoleAgent, "users:read")["access_token"].(string)
		if status, _ := bearerDo(t, a, users, "GET", "/api/v2/users/me", nil); status != 200 {
			t.Errorf("users:read on users/me: %d", status)
		}
		for _, p := range []string{"/api/v2/tickets", "/api/v2/groups", "/api/v2/search?query=x"} {
			if status, _ := bearerDo(t, a, users, "GET", p, nil); status != 403 {
				t.Errorf("users:read on %s: %d", p, status)
			}
		}
		// write alone does not read (Zendesk's rule).
		write := f.token(t, a.Agent, desk.RoleAgent, "write")["access_token"].(string)
		if status, _ := bearerDo(t, a, write, "GET", "/api/v2/tickets", nil); status != 403 {
			t.Errorf("write token GET: %d", status)
		}
		// Scopes only narrow: a token never exceeds its user's role.
		endUser := f.token(t, a.EndUser, desk.RoleEndUser, "read write")["access_token"].(string)
		if status, _ := bearerDo(t, a, endUser, "GET", "/api/v2/oauth/clients", nil); status != 403 {
			t.Errorf("end-user token on clients: %d", status)
		}

		// Impersonate: an admin's token acts for an end-user, and only then.
		imp := f.token(t, a.Admin, desk.RoleAdmin, "read impersonate")["access_token"].(string)
		status, me := bearerDo(t, a, imp, "GET", "/api/v2/users/me", nil, "X-On-Behalf-Of", a.EndUser.Email)
		if status != 200 || me["user"].(map[string]any)["email"] != a.EndUser.Email {
			t.Errorf("impersonate: %d %v", status, me)
		}
		if status, _ := bearerDo(t, a, imp, "GET", "/api/v2/users/me", nil, "X-On-Behalf-Of", a.Agent.Email); status != 403 {
			t.Errorf("impersonating an agent: %d", status)
		}
		if status, _ := bearerDo(t, a, read, "GET", "/api/v2/users/me", nil, "X-On-Behalf-Of", a.EndUser.Email); status != 403 {
			t.Errorf("X-On-Behalf-Of without impersonate: %d", status)
		}
		agentImp := f.token(t, a.Agent, desk.RoleAgent, "read impersonate")["access_token"].(string)
		if status, _ := bearerDo(t, a, agentImp, "GET", "/api/v2/users/me", nil, "X-On-Behalf-Of", a.EndUser.Email); status != 403 {
			t.Errorf("an agent's impersonate token: %d", status)
		}

		// Expiry: an access token stops at expires_at.
		a.srv.OAuth.Now = func() time.Time { return time.Now().Add(oauth.DefaultAccessLifetime + time.Second) }
		status, _ = bearerDo(t, a, read, "GET", "/api/v2/users/me", nil)
		a.srv.OAuth.Now = nil
		if status != 401 {
			t.Errorf("expired token: %d", status)
		}

		// A suspended user's tokens stop working.
		sys := desk.SystemContext(context.Background())
		if _, err := a.srv.People.UpdateUser(sys, a.EndUser.ID, people.UserInput{Suspended: ptrTo(true)}); err != nil {
			t.Fatal(err)
		}
		if status, _ := bearerDo(t, a, endUser, "GET", "/api/v2/users/me", nil); status != 401 {
			t.Errorf("suspended user's token: %d", status)
		}

		// Tokens by API: the admin's own token, full_token once; listing shows hints.
		status, created := a.do(t, a.Admin, "POST", "/api/v2/oauth/tokens", map[string]any{"token": map[string]any{"client_id": f.id, "scopes": []string{"read"}}})
		tk, _ := created["token"].(map[string]any)
		if status != 201 || !strings.HasPrefix(tk["full_token"].(string), "fdo_") || tk["refresh_token"] == nil {
			t.Fatalf("create token: %d %v", status, created)
		}
		full := tk["full_token"].(string)
		if status, _ := bearerDo(t, a, full, "GET", "/api/v2/tickets", nil); status != 200 {
			t.Errorf("API-created token: %d", status)
		}
		_, list := a.do(t, a.Admin, "GET", "/api/v2/oauth/tokens", nil)
		for _, v := range list["tokens"].([]any) {
			rec := v.(map[string]any)
			if rec["full_token"] != nil || len(rec["token"].(string)) > 12 || rec["refresh_token"] != nil {
				t.Errorf("listed token shows a secret: %v", rec)
			}
		}
		for _, bad := range []map[string]any{
			{"client_id": f.id, "scopes": []string{"everything"}},
			{"client_id": 999999, "scopes": []string{"read"}},
			{"client_id": f.id, "scopes": []string{"read"}, "expires_in": 10},
		} {
			if status, body := a.do(t, a.Admin, "POST", "/api/v2/oauth/tokens", map[string]any{"token": bad}); status != 422 {
				t.Errorf("create token %v: %d %v", bad, status, body)
			}
		}

		// Deleting the client revokes every token it was given.
		if status, _ := a.do(t, a.Admin, "DELETE", "/api/v2/oauth/clients/"+itoa(f.id), nil); status != 204 {
			t.Fatalf("delete client: %d", status)
		}
		for _, tok := range []string{read, full} {
			if status, _ := bearerDo(t, a, tok, "GET", "/api/v2/users/me", nil); status != 401 {
				t.Errorf("token of a deleted client: %d", status)
			}
		}
	})
}

func TestOAuthClientValidation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		newOAuthFixture(t, a)
		for _, c := range []map[string]any{
			{"name": "X", "identifier": "sync-app", "redirect_uri": []string{testRedirect}},                // taken
			{"name": "X", "identifier": "Bad Id", "redirect_uri": []string{testRedirect}},                  // format
			{"name": "", "identifier": "x1", "redirect_uri": []string{testRedirect}},                       // blank name
			{"name": "X", "identifier": "x2", "redirect_uri": []string{"http://app.example/cb"}},           // http off loopback
			{"name": "X", "identifier": "x3", "redirect_uri": []string{"https://app.example/cb#f"}},        // fragment
			{"name": "X", "identifier": "x4", "redirect_uri": []string{"/relative"}},                       // relative
			{"name": "X", "identifier": "x5", "redirect_uri": []string{}},                                  // none
			{"name": "X", "identifier": "x6", "kind": "secretive", "redirect_uri": []string{testRedirect}}, // kind
		} {
			if status, body := a.do(t, a.Admin, "POST", "/api/v2/oauth/clients", map[string]any{"client": c}); status != 422 || body["error"] != "RecordInvalid" {
				t.Errorf("%v: %d %v", c, status, body)
			}
		}
		// Loopback http is fine (native apps); a public client has no secret.
		status, body := a.do(t, a.Admin, "POST", "/api/v2/oauth/clients", map[string]any{"client": map[string]any{
			"name": "CLI", "identifier": "cli", "kind": "public", "redirect_uri": []string{"http://127.0.0.1:8765/cb", "http://localhost/cb"}}})
		if status != 201 || body["client"].(map[string]any)["secret"] != nil {
			t.Fatalf("public client: %d %v", status, body)
		}
		id := int64(pNum(body["client"].(map[string]any), "id"))
		if status, body := a.do(t, a.Admin, "PUT", "/api/v2/oauth/clients/"+itoa(id)+"/generate_secret", nil); status != 422 {
			t.Errorf("secret for a public client: %d %v", status, body)
		}
		// Switching it to confidential gives it a secret, shown once.
		status, body = a.do(t, a.Admin, "PUT", "/api/v2/oauth/clients/"+itoa(id), map[string]any{"client": map[string]any{"kind": "confidential"}})
		if status != 200 || len(body["client"].(map[string]any)["secret"].(string)) < 40 {
			t.Errorf("to confidential: %d %v", status, body)
		}
	})
}

func TestOAuthResourceOfRoutes(t *testing.T) {
	probe := &Server{}
	probe.Register(http.NewServeMux())
	for _, r := range probe.Routes() {
		// Every route maps to a scope resource Zendesk names, or to none.
		if res := oauth.ResourceOf(r); res != "" && !slices.Contains(oauth.Resources, res) {
			t.Errorf("%s maps to %q, not a Zendesk scope resource", r, res)
		}
	}
	for route, want := range map[string]string{
		"GET /api/v2/tickets/{id}":              "tickets",
		"GET /api/v2/incremental/tickets":       "tickets",
		"GET /api/v2/incremental/users":         "users",
		"PUT /api/v2/users/{id}":                "users",
		"GET /api/v2/organizations/{id}":        "organizations",
		"GET /api/v2/requests":                  "requests",
		"GET /api/v2/groups":                    "",
		"GET /api/v2/search":                    "",
		"GET /api/v2/oauth/clients":             "",
		"DELETE /api/v2/oauth/tokens/{id}":      "",
		"GET /api/v2/incremental/ticket_events": "tickets",
	} {
		if got := oauth.ResourceOf(route); got != want {
			t.Errorf("ResourceOf(%q) = %q, want %q", route, got, want)
		}
	}
}
