package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// TestTokenScopesOverAPI: a read token reads and changes nothing; an
// expired token is refused like an unknown one; the list shows scope,
// expiry and last use.
func TestTokenScopesOverAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		expires := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
		code, body := a.do(t, a.Agent, "POST", "/api/v2/api_tokens", map[string]any{"api_token": map[string]any{
			"description": "reporting", "scope": "read", "expires_at": expires}})
		pStatus(t, "create read token", code, body, http.StatusCreated)
		tok := pObj(t, body, "api_token")
		if tok["scope"] != "read" || tok["expires_at"] != expires || tok["token"] == "" {
			t.Fatalf("token %v", tok)
		}
		ro := testUser{ID: a.Agent.ID, Email: a.Agent.Email, Token: tok["token"].(string)}

		code, body = a.do(t, ro, "GET", "/api/v2/tickets", nil)
		pStatus(t, "read with read token", code, body, http.StatusOK)
		for _, w := range []struct{ method, path string }{
			{"POST", "/api/v2/tickets"}, {"PUT", "/api/v2/users/me"}, {"DELETE", "/api/v2/api_tokens/1"}, {"POST", "/api/v2/api_tokens"},
		} {
			code, body = a.do(t, ro, w.method, w.path, map[string]any{"ticket": map[string]any{"comment": map[string]any{"body": "x"}}})
			pStatus(t, w.method+" with read token", code, body, http.StatusForbidden)
			if body["error"] != "Forbidden" || !strings.Contains(fmt.Sprint(body["description"]), "read-only") {
				t.Fatalf("body %v", body)
			}
		}
		var n int
		db.QueryRow(context.Background(), `SELECT COUNT(*) FROM tickets`).Scan(&n)
		if n != 0 {
			t.Fatalf("a read token created %d tickets", n)
		}

		// Validation.
		code, body = a.do(t, a.Agent, "POST", "/api/v2/api_tokens", map[string]any{"api_token": map[string]any{"scope": "everything"}})
		pInvalid(t, "bad scope", code, body, "scope")
		code, body = a.do(t, a.Agent, "POST", "/api/v2/api_tokens", map[string]any{"api_token": map[string]any{"expires_at": "2001-01-01T00:00:00Z"}})
		pInvalid(t, "past expiry", code, body, "expires_at")

		// The list shows scope, expiry and last use (never the secret).
		code, body = a.do(t, a.Agent, "GET", "/api/v2/api_tokens", nil)
		pStatus(t, "list", code, body, http.StatusOK)
		for _, tk := range pList(t, body, "api_tokens") {
			for _, k := range []string{"scope", "expires_at", "last_used_at", "last_used_ip"} {
				if _, ok := tk[k]; !ok {
					t.Fatalf("token without %s: %v", k, tk)
				}
			}
			if _, ok := tk["token"]; ok {
				t.Fatalf("listed secret: %v", tk)
			}
			if pNum(tk, "id") == pNum(tok, "id") && (tk["scope"] != "read" || tk["last_used_at"] == nil) {
				t.Fatalf("read token listed as %v", tk)
			}
		}

		// Expiry: the clock an hour and a minute on (the token, remembered
		// since its first use, is refused all the same).
		real := store.Clock()
		restore := store.SetClock(func() int64 { return real() + (time.Hour + time.Minute).Microseconds() })
		code, body = a.do(t, ro, "GET", "/api/v2/tickets", nil)
		restore()
		pStatus(t, "expired token", code, body, http.StatusUnauthorized)
	})
}

// TestAccountOwnerOverAPI walks a real transfer: the new owner is
// protected, the former one is an ordinary admin.
func TestAccountOwnerOverAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		admin2 := a.addUser(t, "Bea Admin", "bea@example.com", desk.RoleAdmin)

		code, body := a.do(t, a.Agent, "GET", "/api/v2/account/owner", nil)
		pStatus(t, "owner", code, body, http.StatusOK)
		if o := pObj(t, body, "owner"); pID(t, o) != a.Admin.ID || o["is_owner"] != true {
			t.Fatalf("owner %v", o)
		}
		code, body = a.do(t, a.Admin, "GET", fmt.Sprintf("/api/v2/users/%d", admin2.ID), nil)
		if u := pObj(t, body, "user"); u["is_owner"] != false || pNum(u, "role_type") != desk.RoleTypeAdmin {
			t.Fatalf("second admin %v", u)
		}

		code, body = a.do(t, admin2, "PUT", fmt.Sprintf("/api/v2/users/%d", a.Admin.ID), map[string]any{"user": map[string]any{"role": "agent"}})
		pStatus(t, "demote owner", code, body, http.StatusForbidden)
		if !strings.Contains(fmt.Sprint(body["description"]), "owner") {
			t.Fatalf("unclear message %v", body)
		}
		code, body = a.do(t, a.Admin, "POST", "/api/v2/account/owner", map[string]any{"user_id": a.Agent.ID})
		pInvalid(t, "transfer to an agent", code, body, "user_id")
		code, body = a.do(t, a.Admin, "POST", "/api/v2/account/owner", map[string]any{})
		pInvalid(t, "transfer to nobody", code, body, "user_id")

		code, body = a.do(t, a.Admin, "POST", "/api/v2/account/owner", map[string]any{"user_id": admin2.ID})
		pStatus(t, "transfer", code, body, http.StatusOK)
		if pID(t, pObj(t, body, "owner")) != admin2.ID {
			t.Fatalf("new owner %v", body)
		}
		code, body = a.do(t, a.Admin, "POST", "/api/v2/account/owner", map[string]any{"user_id": a.Admin.ID})
		pStatus(t, "former owner takes it back", code, body, http.StatusForbidden)
		code, body = a.do(t, admin2, "PUT", fmt.Sprintf("/api/v2/users/%d", a.Admin.ID), map[string]any{"user": map[string]any{"suspended": true}})
		pStatus(t, "suspend former owner", code, body, http.StatusOK)
		code, body = a.do(t, a.Admin, "GET", "/api/v2/users/me", nil)
		pStatus(t, "suspended former owner", code, body, http.StatusUnauthorized)
		code, body = a.do(t, admin2, "DELETE", fmt.Sprintf("/api/v2/users/%d", admin2.ID), nil)
		pStatus(t, "owner deletes self", code, body, http.StatusForbidden)
	})
}

// TestCustomRolesOverAPI: Zendesk's custom_roles envelope, and agents
// holding a role through custom_role_id with Zendesk's role_type.
func TestCustomRolesOverAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		code, body := a.do(t, a.Admin, "POST", "/api/v2/custom_roles.json", map[string]any{"custom_role": map[string]any{
			"name": "Tier 1", "description": "First line", "configuration": map[string]any{"ticket_access": "assigned-only", "edit_ticket_properties": true}}})
		pStatus(t, "create", code, body, http.StatusCreated)
		role := pObj(t, body, "custom_role")
		conf := pObj(t, role, "configuration")
		if role["name"] != "Tier 1" || pNum(role, "role_type") != 0 || conf["ticket_access"] != "assigned-only" ||
			conf["edit_ticket_properties"] != true || conf["delete_tickets"] != false || !strings.HasSuffix(fmt.Sprint(role["url"]), ".json") {
			t.Fatalf("role %v", role)
		}
		id := pID(t, role)
		code, body = a.do(t, a.Admin, "POST", "/api/v2/custom_roles", map[string]any{"custom_role": map[string]any{
			"name": "Bad", "configuration": map[string]any{"root": true}}})
		pInvalid(t, "unknown permission", code, body, "configuration")

		code, body = a.do(t, a.Admin, "GET", "/api/v2/custom_roles", nil)
		pStatus(t, "list", code, body, http.StatusOK)
		roles := pList(t, body, "custom_roles")
		if len(roles) != 2 || pNum(roles[0], "role_type") != desk.RoleTypeLightAgent {
			t.Fatalf("roles %v", roles)
		}
		light := pID(t, roles[0])
		code, body = a.do(t, a.Admin, "PUT", fmt.Sprintf("/api/v2/custom_roles/%d", light), map[string]any{"custom_role": map[string]any{"name": "Heavy"}})
		pStatus(t, "change built-in", code, body, http.StatusForbidden)

		// An agent gets the role; role_type and custom_role_id follow Zendesk.
		code, body = a.do(t, a.Admin, "PUT", fmt.Sprintf("/api/v2/users/%d", a.Agent.ID), map[string]any{"user": map[string]any{"custom_role_id": id}})
		pStatus(t, "assign role", code, body, http.StatusOK)
		if u := pObj(t, body, "user"); pNum(u, "custom_role_id") != id || u["role_type"] != float64(0) {
			t.Fatalf("agent with role %v", u)
		}
		code, body = a.do(t, a.Admin, "GET", fmt.Sprintf("/api/v2/custom_roles/%d", id), nil)
		if pNum(pObj(t, body, "custom_role"), "team_member_count") != 1 {
			t.Fatalf("team_member_count %v", body)
		}
		code, body = a.do(t, a.Admin, "DELETE", fmt.Sprintf("/api/v2/custom_roles/%d", id), nil)
		pInvalid(t, "delete held role", code, body, "custom_role")
		// The role now limits the agent's API use: assigned-only sees no
		// ticket of someone else's.
		code, body = a.do(t, a.Admin, "POST", "/api/v2/tickets", map[string]any{"ticket": map[string]any{"comment": map[string]any{"body": "x"}}})
		pStatus(t, "ticket", code, body, http.StatusCreated)
		tid := pID(t, pObj(t, body, "ticket"))
		code, body = a.do(t, a.Agent, "GET", fmt.Sprintf("/api/v2/tickets/%d", tid), nil)
		pStatus(t, "limited agent reads", code, body, http.StatusNotFound)

		code, body = a.do(t, a.Admin, "PUT", fmt.Sprintf("/api/v2/users/%d", a.Agent.ID), map[string]any{"user": map[string]any{"custom_role_id": nil}})
		if u := pObj(t, body, "user"); u["custom_role_id"] != nil || u["role_type"] != nil {
			t.Fatalf("agent without role %v", u)
		}
		code, body = a.do(t, a.Admin, "DELETE", fmt.Sprintf("/api/v2/custom_roles/%d", id), nil)
		pStatus(t, "delete", code, body, http.StatusNoContent)
		code, body = a.do(t, a.Admin, "PUT", fmt.Sprintf("/api/v2/users/%d", a.EndUser.ID), map[string]any{"user": map[string]any{"custom_role_id": light}})
		pInvalid(t, "role for an end-user", code, body, "custom_role_id")
	})
}

func TestInactiveAndBulkSuspendOverAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		old := time.Now().Add(-60 * 24 * time.Hour).UnixMicro()
		db.Exec(context.Background(), `UPDATE users SET created_at = ? WHERE id IN (?, ?)`, old, a.Agent.ID, a.EndUser.ID)
		code, body := a.do(t, a.Admin, "GET", "/api/v2/users/inactive.json?days=30", nil)
		pStatus(t, "inactive", code, body, http.StatusOK)
		if ids := pIDs(t, body, "users"); len(ids) != 2 || ids[0] != a.Agent.ID || ids[1] != a.EndUser.ID || pNum(body, "count") != 2 {
			t.Fatalf("inactive %v", body)
		}
		for _, bad := range []string{"days=0", "days=x", "days=99999"} {
			code, body = a.do(t, a.Admin, "GET", "/api/v2/users/inactive?"+bad, nil)
			if code != http.StatusBadRequest && code != http.StatusUnprocessableEntity {
				t.Fatalf("%s: %d %v", bad, code, body)
			}
		}

		code, body = a.do(t, a.Admin, "PUT", fmt.Sprintf("/api/v2/users/update_many?ids=%d,%d", a.Agent.ID, a.Admin.ID),
			map[string]any{"user": map[string]any{"suspended": true}})
		pStatus(t, "bulk suspend", code, body, http.StatusOK)
		js := pObj(t, body, "job_status")
		if js["status"] != "queued" {
			t.Fatalf("job status %v", js)
		}
		a.tkRunJobs(t)
		code, body = a.do(t, a.Admin, "GET", "/api/v2/job_statuses/"+js["id"].(string), nil)
		pStatus(t, "bulk suspend status", code, body, http.StatusOK)
		js = pObj(t, body, "job_status")
		results := pList(t, js, "results")
		if js["status"] != "completed" || len(results) != 2 || results[0]["success"] != true || results[1]["success"] != false {
			t.Fatalf("job status %v", js)
		}
		code, body = a.do(t, a.Agent, "GET", "/api/v2/users/me", nil)
		pStatus(t, "suspended agent", code, body, http.StatusUnauthorized)
		code, body = a.do(t, a.Admin, "PUT", "/api/v2/users/update_many", map[string]any{"user": map[string]any{"suspended": true}})
		pStatus(t, "no ids", code, body, http.StatusBadRequest)
	})
}
