package api

import (
	"context"
	"fmt"
	"regexp"
	"testing"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// p6-users tests (fixtures: testdata/users, see its README).

// identityByValue finds a user's identity by value through the API.
func identityByValue(t *testing.T, a *testAPI, userID int64, value string) map[string]any {
	t.Helper()
	code, body := a.do(t, a.Admin, "GET", fmt.Sprintf("/api/v2/users/%d/identities", userID), nil)
	if code != 200 {
		t.Fatalf("identities: %d %v", code, body)
	}
	for _, v := range body["identities"].([]any) {
		if m := v.(map[string]any); m["value"] == value {
			return m
		}
	}
	t.Fatalf("user %d has no identity %q: %v", userID, value, body)
	return nil
}

func TestIdentityManagement(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		eu := a.addUser(t, "Ivy Identity", "ivy@customer.test", desk.RoleEndUser)
		base := fmt.Sprintf("/api/v2/users/%d/identities", eu.ID)
		code, body := a.do(t, a.Agent, "POST", base, map[string]any{"identity": map[string]any{"type": "email", "value": "ivy.alias@customer.test"}})
		if code != 201 {
			t.Fatalf("add: %d %v", code, body)
		}
		alias := int64(body["identity"].(map[string]any)["id"].(float64))
		aliasPath := fmt.Sprintf("%s/%d", base, alias)

		// The known hole: an unverified address never becomes primary.
		if code, body := a.do(t, a.Agent, "PUT", aliasPath+"/make_primary", nil); code != 422 {
			t.Fatalf("make_primary of an unverified email: %d %v, want 422", code, body)
		}
		// Only admins verify.
		if code, _ := a.do(t, a.Agent, "PUT", aliasPath+"/verify", nil); code != 403 {
			t.Errorf("agent verify: %d, want 403", code)
		}
		if code, _ := a.do(t, a.Agent, "PUT", aliasPath, map[string]any{"identity": map[string]any{"verified": true}}); code != 403 {
			t.Errorf("agent sets verified: %d, want 403", code)
		}
		code, body = a.do(t, a.Admin, "PUT", aliasPath+"/verify", nil)
		if code != 200 {
			t.Fatalf("admin verify: %d %v", code, body)
		}
		rqSameShape(t, "verify", body["identity"].(map[string]any), incFixture(t, "users/identity_response.json")["identity"].(map[string]any))
		if body["identity"].(map[string]any)["verified"] != true {
			t.Errorf("verify: %v", body)
		}
		code, body = a.do(t, a.Agent, "PUT", aliasPath+"/make_primary", nil)
		if code != 200 {
			t.Fatalf("make_primary: %d %v", code, body)
		}
		list := body["identities"].([]any)
		rqSameShape(t, "make_primary", list[0].(map[string]any),
			incFixture(t, "users/identities_response.json")["identities"].([]any)[0].(map[string]any))
		if first := list[0].(map[string]any); first["value"] != "ivy.alias@customer.test" || first["primary"] != true || len(list) != 2 {
			t.Errorf("make_primary: %v", list)
		}
		if code, body := a.do(t, a.Agent, "GET", fmt.Sprintf("/api/v2/users/%d", eu.ID), nil); code != 200 ||
			body["user"].(map[string]any)["email"] != "ivy.alias@customer.test" {
			t.Errorf("user after make_primary: %d %v", code, body)
		}

		// Changing a primary email is for admins; an agent changes a secondary one,
		// which becomes unverified.
		if code, _ := a.do(t, a.Agent, "PUT", aliasPath, map[string]any{"identity": map[string]any{"value": "evil@attacker.test"}}); code != 403 {
			t.Errorf("agent changes the primary email: %d, want 403", code)
		}
		old := identityByValue(t, a, eu.ID, "ivy@customer.test")
		oldPath := fmt.Sprintf("%s/%d", base, int64(old["id"].(float64)))
		if old["verified"] != true {
			t.Fatalf("fixture user's address should start verified: %v", old)
		}
		req := incFixture(t, "users/identity_update_request.json")
		code, body = a.do(t, a.Agent, "PUT", oldPath, req)
		if got := body["identity"]; code != 200 || got.(map[string]any)["value"] != "foo@bar.com" || got.(map[string]any)["verified"] != false {
			t.Fatalf("update (documented body): %d %v", code, body)
		}
		// Taken, invalid, unknown.
		for _, c := range []struct {
			path  string
			value any
			want  int
		}{
			{oldPath, a.Agent.Email, 422},
			{oldPath, "not an address", 422},
			{oldPath, 42, 422},
			{base + "/999999", "x@y.test", 404},
			{fmt.Sprintf("/api/v2/users/%d/identities/%d", a.EndUser.ID, alias), "x@y.test", 404},
		} {
			if code, body := a.do(t, a.Agent, "PUT", c.path, map[string]any{"identity": map[string]any{"value": c.value}}); code != c.want {
				t.Errorf("PUT %s %v: %d %v, want %d", c.path, c.value, code, body, c.want)
			}
		}
		// An admin may change the primary email; it is unverified afterwards.
		code, body = a.do(t, a.Admin, "PUT", aliasPath, map[string]any{"identity": map[string]any{"value": "ivy.new@customer.test"}})
		if code != 200 || body["identity"].(map[string]any)["verified"] != false || body["identity"].(map[string]any)["primary"] != true {
			t.Fatalf("admin changes primary: %d %v", code, body)
		}
		if _, body := a.do(t, a.Admin, "GET", fmt.Sprintf("/api/v2/users/%d", eu.ID), nil); body["user"].(map[string]any)["email"] != "ivy.new@customer.test" ||
			body["user"].(map[string]any)["verified"] != false {
			t.Errorf("user after admin change: %v", body)
		}
		// Search follows the identities.
		if code, body := a.do(t, a.Agent, "GET", "/api/v2/users/search?query=foo@bar.com", nil); code != 200 || body["count"] != float64(1) {
			t.Errorf("search by the changed address: %d %v", code, body)
		}

		// Delete: not the primary one, not the last one.
		if code, _ := a.do(t, a.Agent, "DELETE", aliasPath, nil); code != 422 {
			t.Errorf("delete primary: %d, want 422", code)
		}
		if code, _ := a.do(t, a.Agent, "DELETE", oldPath, nil); code != 204 {
			t.Errorf("delete secondary: %d, want 204", code)
		}
		if code, _ := a.do(t, a.Agent, "DELETE", oldPath, nil); code != 404 {
			t.Errorf("delete again: %d, want 404", code)
		}
		code, body = a.do(t, a.Admin, "POST", "/api/v2/users", map[string]any{"user": map[string]any{"name": "Phone Only"}})
		if code != 201 {
			t.Fatalf("create: %d %v", code, body)
		}
		phoneUser := int64(body["user"].(map[string]any)["id"].(float64))
		code, body = a.do(t, a.Agent, "POST", fmt.Sprintf("/api/v2/users/%d/identities", phoneUser),
			map[string]any{"identity": map[string]any{"type": "phone_number", "value": "+48 600 100 200"}})
		if code != 201 {
			t.Fatalf("add phone: %d %v", code, body)
		}
		phonePath := fmt.Sprintf("/api/v2/users/%d/identities/%d", phoneUser, int64(body["identity"].(map[string]any)["id"].(float64)))
		if code, _ := a.do(t, a.Agent, "DELETE", phonePath, nil); code != 422 {
			t.Errorf("delete last identity: %d, want 422", code)
		}
		if code, body := a.do(t, a.Agent, "PUT", phonePath+"/make_primary", nil); code != 200 || body["identities"].([]any)[0].(map[string]any)["primary"] != true {
			t.Errorf("phone make_primary: %d %v", code, body)
		}

		// The owner's addresses are the owner's alone.
		ownerIdent := identityByValue(t, a, a.Admin.ID, a.Admin.Email)
		second := a.addUser(t, "Second Admin", "second.admin@example.com", desk.RoleAdmin)
		if code, _ := a.do(t, second, "PUT", fmt.Sprintf("/api/v2/users/%d/identities/%d", a.Admin.ID, int64(ownerIdent["id"].(float64))),
			map[string]any{"identity": map[string]any{"value": "takeover@attacker.test"}}); code != 403 {
			t.Errorf("admin changes the owner's email: %d, want 403", code)
		}
		// Agents cannot touch staff identities.
		agentIdent := identityByValue(t, a, a.Agent.ID, a.Agent.Email)
		outsider := a.addUser(t, "Other Agent", "other.agent@example.com", desk.RoleAgent)
		if code, _ := a.do(t, outsider, "DELETE", fmt.Sprintf("/api/v2/users/%d/identities/%d", a.Agent.ID, int64(agentIdent["id"].(float64))), nil); code != 403 {
			t.Errorf("agent deletes an agent's identity: %d, want 403", code)
		}
	})
}

func TestIdentityRequestVerification(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		sys := desk.SystemContext(context.Background())
		base := fmt.Sprintf("/api/v2/users/%d/identities", a.EndUser.ID)
		code, body := a.do(t, a.Agent, "POST", base, map[string]any{"identity": map[string]any{"type": "email", "value": "erin.work@customer.test"}})
		if code != 201 {
			t.Fatalf("add: %d %v", code, body)
		}
		path := fmt.Sprintf("%s/%d", base, int64(body["identity"].(map[string]any)["id"].(float64)))
		if code, body := a.do(t, a.Agent, "PUT", path+"/request_verification", nil); code != 200 {
			t.Fatalf("request_verification: %d %v", code, body)
		}
		msg, err := a.srv.Account.Outbox.Latest(sys, "erin.work@customer.test")
		if err != nil {
			t.Fatalf("no verification mail: %v", err)
		}
		m := regexp.MustCompile(`/verify\?token=([A-Za-z0-9_-]+)`).FindStringSubmatch(msg.Text)
		if m == nil {
			t.Fatalf("mail has no link: %q", msg.Text)
		}
		if _, err := a.srv.Account.VerifyEmail(context.Background(), m[1]); err != nil {
			t.Fatalf("follow the link: %v", err)
		}
		if got := identityByValue(t, a, a.EndUser.ID, "erin.work@customer.test"); got["verified"] != true {
			t.Errorf("after following the link: %v", got)
		}
		// Verified now: nothing to ask.
		if code, _ := a.do(t, a.Agent, "PUT", path+"/request_verification", nil); code != 422 {
			t.Errorf("request_verification of a verified address: %d, want 422", code)
		}
		// A flood of requests is cut off.
		code, body = a.do(t, a.Agent, "POST", base, map[string]any{"identity": map[string]any{"type": "email", "value": "erin.flood@customer.test"}})
		if code != 201 {
			t.Fatalf("add: %d %v", code, body)
		}
		flood := fmt.Sprintf("%s/%d/request_verification", base, int64(body["identity"].(map[string]any)["id"].(float64)))
		for i := 0; i < 3; i++ {
			if code, _ := a.do(t, a.Agent, "PUT", flood, nil); code != 200 {
				t.Fatalf("request %d: %d", i, code)
			}
		}
		if code, _ := a.do(t, a.Agent, "PUT", flood, nil); code != 429 {
			t.Errorf("4th request in an hour: %d, want 429", code)
		}
		// End-users do not send verification mail for themselves through the API.
		if code, _ := a.do(t, a.EndUser, "PUT", flood, nil); code != 403 && code != 404 {
			t.Errorf("end-user: %d, want 403/404", code)
		}
	})
}
