package oauth_test

import (
	"context"
	"net/url"
	"testing"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/events"
	"github.com/frontdesk/frontdesk/internal/oauth"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

func TestParseScopes(t *testing.T) {
	got, err := oauth.ParseScopes("write read  tickets:read read,users:write")
	if err != nil || len(got) != 4 || got[0] != "read" || got[1] != "tickets:read" || got[2] != "users:write" || got[3] != "write" {
		t.Fatalf("ParseScopes: %v %v", got, err)
	}
	for _, bad := range []string{"", "admin", "tickets", "tickets:delete", "nothing:read", "read:tickets", "READ"} {
		if _, err := oauth.ParseScopes(bad); desk.ErrorCode(err) != desk.EINVALID {
			t.Errorf("ParseScopes(%q) = %v, want invalid", bad, err)
		}
	}
}

func TestAuthorizeDeniesByDefault(t *testing.T) {
	grant := func(scopes ...string) *desk.Principal {
		return &desk.Principal{UserID: 1, Role: desk.RoleAgent, OAuth: &desk.OAuthGrant{Scopes: scopes}}
	}
	cases := []struct {
		p             *desk.Principal
		pattern, verb string
		allowed       bool
	}{
		{&desk.Principal{UserID: 1}, "POST /api/v2/tickets", "POST", true}, // not OAuth: roles decide
		{grant("read"), "GET /api/v2/tickets/{id}", "GET", true},
		{grant("read"), "PUT /api/v2/tickets/{id}", "PUT", false},
		{grant("write"), "GET /api/v2/tickets", "GET", false},
		{grant("write"), "DELETE /api/v2/groups/{id}", "DELETE", true},
		{grant("tickets:read"), "GET /api/v2/tickets", "GET", true},
		{grant("tickets:read"), "GET /api/v2/incremental/tickets", "GET", true},
		{grant("tickets:read"), "GET /api/v2/users/me", "GET", false},
		{grant("tickets:read"), "GET /api/v2/groups", "GET", false}, // no resource of its own
		{grant("tickets:write"), "GET /api/v2/tickets", "GET", false},
		{grant("users:write"), "PUT /api/v2/users/{id}", "PUT", true},
		{grant("impersonate"), "GET /api/v2/users/me", "GET", false},
		{grant(), "GET /api/v2/oauth/tokens/current", "GET", true}, // a token may read and revoke itself
		{grant(), "DELETE /api/v2/oauth/tokens/current", "DELETE", true},
		{grant("read"), "DELETE /api/v2/oauth/tokens/{id}", "DELETE", false},
	}
	for _, c := range cases {
		err := oauth.Authorize(c.p, c.pattern, c.verb)
		if (err == nil) != c.allowed {
			t.Errorf("%v on %s: %v, want allowed=%v", c.p.OAuth, c.pattern, err, c.allowed)
		}
	}
}

// BenchmarkAuthenticate is the hot path of every API request made with an
// access token: one indexed lookup, the user's principal, the scope check.
func BenchmarkAuthenticate(b *testing.B) {
	db := storetest.SQLite(b)
	ctx := context.Background()
	sys := desk.SystemContext(ctx)
	ppl := people.New(db, events.New())
	name, email, role := "Bench Agent", "bench@example.com", desk.RoleAgent
	u, err := ppl.CreateUser(sys, people.UserInput{Name: &name, Email: &email, Role: &role})
	if err != nil {
		b.Fatal(err)
	}
	svc := oauth.New(db)
	cname, ident := "Bench", "bench"
	c, err := svc.CreateClient(sys, oauth.ClientInput{Name: &cname, Identifier: &ident, RedirectURI: &[]string{"https://app.example/cb"}})
	if err != nil {
		b.Fatal(err)
	}
	req := oauth.AuthRequest{ResponseType: "code", ClientID: ident, RedirectURI: "https://app.example/cb", Scope: "read"}
	to, err := svc.Approve(desk.WithPrincipal(ctx, &desk.Principal{UserID: u.ID, Role: role, Email: email}), req)
	if err != nil {
		b.Fatal(err)
	}
	back, _ := url.Parse(to)
	tok, err := svc.Exchange(ctx, oauth.TokenRequest{GrantType: oauth.GrantAuthorizationCode, Code: back.Query().Get("code"),
		RedirectURI: req.RedirectURI, ClientID: ident, ClientSecret: c.Secret})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		p, err := svc.Authenticate(ctx, tok.AccessToken, "")
		if err != nil {
			b.Fatal(err)
		}
		if err := oauth.Authorize(p, "GET /api/v2/tickets", "GET"); err != nil {
			b.Fatal(err)
		}
	}
}
