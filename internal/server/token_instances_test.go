package server_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/server"
)

// TestTokenChangeSeenByOtherInstance: each instance keeps the API tokens it
// has read for a while (people.TokenCacheTTL, here an hour so only the relay
// can end it); a token revoked, or a user suspended, through instance A is
// refused by instance B as soon as A's event reaches it.
func TestTokenChangeSeenByOtherInstance(t *testing.T) {
	ins := startInstances(t, 2, nil, func(_ int, a *server.App) { a.People.TokenCacheTTL = time.Hour })
	a, b := ins[0], ins[1]
	sys := desk.SystemContext(context.Background())
	mk := func(name, email string, role desk.Role) (*desk.User, string) {
		t.Helper()
		u, err := a.App.People.CreateUser(sys, people.UserInput{Name: &name, Email: &email, Role: &role})
		if err != nil {
			t.Fatal(err)
		}
		tok, err := a.App.People.CreateToken(sys, u.ID, "test")
		if err != nil {
			t.Fatal(err)
		}
		return u, tok.Token
	}
	status := func(base, token string) int {
		t.Helper()
		req, _ := http.NewRequest("GET", base+"/api/v2/users/me.json", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	refusedOnB := func(what, token string) {
		t.Helper()
		for deadline := time.Now().Add(20 * time.Second); status(b.URL, token) != http.StatusUnauthorized; time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s on A: B still accepts the token", what)
			}
		}
	}

	admin, adminToken := mk("Token Admin", "token-admin@desk.test", desk.RoleAdmin)
	agent, agentToken := mk("Token Agent", "token-agent@desk.test", desk.RoleAgent)
	for _, tok := range []string{adminToken, agentToken} {
		if got := status(b.URL, tok); got != http.StatusOK {
			t.Fatalf("B before any change: %d", got)
		}
	}
	asAdmin := desk.WithPrincipal(context.Background(), &desk.Principal{UserID: admin.ID, Role: desk.RoleAdmin, Email: admin.Email, Via: "api"})
	if _, err := a.App.People.UpdateUser(asAdmin, agent.ID, people.UserInput{Suspended: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	refusedOnB("the agent suspended", agentToken)

	toks, err := a.App.People.ListTokens(asAdmin)
	if err != nil {
		t.Fatal(err)
	}
	for _, tk := range toks {
		if tk.UserID == admin.ID {
			if err := a.App.People.DeleteToken(asAdmin, tk.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	refusedOnB("the admin's token revoked", adminToken)
}
