package api

import (
	"context"
	"net/http"
	"testing"

	"github.com/frontdesk/frontdesk/internal/audit"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// TestAccountTokens: Zendesk's account-wide API tokens, made only by the
// account owner, act as whichever user the request names; staff-only and
// read-only ones are narrower; the audit log names the token and the user
// acted as.
func TestAccountTokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		second := a.addUser(t, "Second Admin", "second@example.com", desk.RoleAdmin)
		mint := func(u testUser, body map[string]any) (int, map[string]any) {
			t.Helper()
			return a.do(t, u, "POST", "/api/v2/api_tokens", map[string]any{"api_token": body})
		}
		status, out := mint(a.Admin, map[string]any{"description": "Integrations", "account": true})
		tok, _ := out["api_token"].(map[string]any)
		if status != http.StatusCreated || tok["account"] != true || tok["staff_only"] != false || tok["user_id"] != float64(a.Admin.ID) {
			t.Fatalf("owner creates an account token: %d %v", status, out)
		}
		secret := tok["token"].(string)
		for name, u := range map[string]testUser{"second admin": second, "agent": a.Agent} {
			if status, body := mint(u, map[string]any{"description": "x", "account": true}); status != http.StatusForbidden {
				t.Errorf("%s creates an account token: %d %v", name, status, body)
			}
		}
		if status, _ := mint(a.Admin, map[string]any{"description": "x", "staff_only": true}); status != 422 {
			t.Errorf("staff_only on a personal token: %d", status)
		}
		if status, _ := mint(a.Admin, map[string]any{"description": "x", "account": true, "user_id": second.ID}); status != 422 {
			t.Errorf("account token for someone else: %d", status)
		}

		// It acts as whoever the request names, end-users included.
		as := func(email, token string) testUser { return testUser{Email: email, Token: token} }
		for _, u := range []testUser{a.Agent, a.EndUser, second} {
			status, me := a.do(t, as(u.Email, secret), "GET", "/api/v2/users/me", nil)
			if status != 200 || me["user"].(map[string]any)["id"] != float64(u.ID) {
				t.Errorf("acting as %s: %d %v", u.Email, status, me)
			}
		}
		// The Requests API as the end-user.
		status, req := a.do(t, as(a.EndUser.Email, secret), "POST", "/api/v2/requests", map[string]any{
			"request": map[string]any{"subject": "Via the widget", "comment": map[string]any{"body": "Hello"}}})
		if status != http.StatusCreated || req["request"].(map[string]any)["requester_id"] != float64(a.EndUser.ID) {
			t.Fatalf("request as the end-user: %d %v", status, req)
		}
		if status, list := a.do(t, as(a.EndUser.Email, secret), "GET", "/api/v2/requests", nil); status != 200 || len(list["requests"].([]any)) != 1 {
			t.Errorf("requests list as the end-user: %d %v", status, list)
		}
		// Without a user to act as, or naming nobody: no.
		if status, _ := bearerDo(t, a, secret, "GET", "/api/v2/users/me", nil); status != 401 {
			t.Errorf("account token as Bearer: %d", status)
		}
		if status, _ := a.do(t, as("nobody@example.com", secret), "GET", "/api/v2/users/me", nil); status != 401 {
			t.Errorf("account token naming nobody: %d", status)
		}

		// Staff only: agents yes, end-users no. Read-only: no writes.
		_, out = mint(a.Admin, map[string]any{"description": "Staff sync", "account": true, "staff_only": true, "scope": "read"})
		staff := out["api_token"].(map[string]any)["token"].(string)
		if status, _ := a.do(t, as(a.Agent.Email, staff), "GET", "/api/v2/users/me", nil); status != 200 {
			t.Errorf("staff-only token as an agent: %d", status)
		}
		if status, _ := a.do(t, as(a.EndUser.Email, staff), "GET", "/api/v2/users/me", nil); status != 401 {
			t.Errorf("staff-only token as an end-user: %d", status)
		}
		if status, _ := a.do(t, as(a.Agent.Email, staff), "PUT", "/api/v2/users/me", map[string]any{"user": map[string]any{"name": "X"}}); status != 403 {
			t.Errorf("read-only account token writes: %d", status)
		}

		// The audit log names the account token and the user acted as.
		status, g := a.do(t, as(second.Email, secret), "POST", "/api/v2/groups", map[string]any{"group": map[string]any{"name": "Audited"}})
		if status != http.StatusCreated {
			t.Fatalf("create group as the second admin: %d %v", status, g)
		}
		entries, err := audit.List(desk.SystemContext(context.Background()), db, audit.Filter{Action: people.AuditGroupCreated, TargetID: int64(pNum(g["group"].(map[string]any), "id"))})
		if err != nil || len(entries) != 1 {
			t.Fatalf("audit: %v %v", entries, err)
		}
		e := entries[0]
		if e.ActorID != second.ID || e.Credential == nil || e.Credential.Type != "account_token" || e.Credential.TokenID != int64(pNum(tok, "id")) {
			t.Errorf("audit entry %+v credential %+v", e, e.Credential)
		}

		// Listed and marked; revoked, it stops at once.
		_, list := a.do(t, a.Admin, "GET", "/api/v2/api_tokens", nil)
		if !listHas(list, "api_tokens", int64(pNum(tok, "id"))) {
			t.Errorf("account token not listed: %v", list)
		}
		if status, _ := a.do(t, a.Admin, "DELETE", "/api/v2/api_tokens/"+itoa(int64(pNum(tok, "id"))), nil); status != 204 {
			t.Fatalf("revoke: %d", status)
		}
		if status, _ := a.do(t, as(a.EndUser.Email, secret), "GET", "/api/v2/users/me", nil); status != 401 {
			t.Errorf("revoked account token: %d", status)
		}
	})
}
