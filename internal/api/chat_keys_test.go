package api

import (
	"net/http"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/chat"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

func init() { matrix = append(matrix, chatKeysMatrix...) }

var freshChatKey = fresh(func(m *mx, t *testing.T) int64 {
	name := m.uniq("Key ")
	k, err := m.a.srv.Chat.CreateKey(m.sys, chat.KeyInput{Name: &name, Origins: &[]string{"https://shop.example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	return k.ID
})

func widgetKeyBody(name string) map[string]any {
	return map[string]any{"widget_key": map[string]any{"name": name, "allowed_origins": []string{"https://shop.example.com"},
		"pre_chat_form": map[string]any{"name": "optional", "question": "hidden"}}}
}

// The widget keys' rows (p11-keys): admins only; agents, light agents,
// custom roles and end-users are refused.
var chatKeysMatrix = []mcase{
	{route: "GET /api/v2/chat/widget_keys", note: "admins", want: adminOnly, req: path("/api/v2/chat/widget_keys")},
	{route: "POST /api/v2/chat/widget_keys", note: "admins", want: adminCreate, req: func(_ *testing.T, m *mx, role string) (string, any) {
		return "/api/v2/chat/widget_keys", widgetKeyBody("New " + role)
	}},
	{route: "GET /api/v2/chat/widget_keys/{id}", note: "admins", want: adminOnly, req: idPath("/api/v2/chat/widget_keys/%d", freshChatKey, nil)},
	{route: "PUT /api/v2/chat/widget_keys/{id}", note: "admins", want: adminOnly, req: idPath("/api/v2/chat/widget_keys/%d", freshChatKey, widgetKeyBody("Changed"))},
	{route: "DELETE /api/v2/chat/widget_keys/{id}", note: "admins", want: adminDelete, req: idPath("/api/v2/chat/widget_keys/%d", freshChatKey, nil)},
}

// TestChatWidgetKeysAPI: create a key with a pre-chat form and identity
// verification (the secret shown this once), read it back (no secret),
// change its form, rotate the secret, and delete it; bad input is a 4xx
// that changes nothing.
func TestChatWidgetKeysAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		sales := createGroupAPI(t, a, "Sales")
		code, body := a.do(t, a.Admin, "POST", "/api/v2/chat/widget_keys", map[string]any{"widget_key": map[string]any{
			"name": "Shop", "allowed_origins": []string{"HTTPS://Shop.Example.com:443", "https://*.example.org"},
			"identity_verification": true,
			"pre_chat_form":         map[string]any{"name": "hidden", "question": "optional", "group_ids": []int64{a.SupportGroupID, sales, sales}},
		}})
		if code != http.StatusCreated {
			t.Fatalf("create: %d %v", code, body)
		}
		k := body["widget_key"].(map[string]any)
		id := itoa(int64(pNum(k, "id")))
		secret, _ := k["identity_secret"].(string)
		if len(secret) < 32 || k["identity_verification"] != true || !strings.HasPrefix(k["key"].(string), "wk_") {
			t.Fatalf("created: %v", k)
		}
		if o := k["allowed_origins"].([]any); len(o) != 2 || o[0] != "https://shop.example.com" || o[1] != "https://*.example.org" {
			t.Fatalf("origins not normalized: %v", o)
		}
		form := k["pre_chat_form"].(map[string]any)
		if form["name"] != "hidden" || form["question"] != "optional" || form["email"] != "required" || len(form["group_ids"].([]any)) != 2 {
			t.Fatalf("form: %v", form)
		}
		// Reads never show the secret.
		for _, p := range []string{"/api/v2/chat/widget_keys/" + id, "/api/v2/chat/widget_keys", "/api/v2/chat/widget_keys/" + id + ".json"} {
			resp, data := a.request(t, a.Admin, "GET", p, nil)
			if resp.StatusCode != http.StatusOK || strings.Contains(string(data), secret) || strings.Contains(string(data), "identity_secret") {
				t.Fatalf("GET %s: %d %s", p, resp.StatusCode, data)
			}
		}
		// An update without rotate keeps the secret hidden; the form changes.
		code, body = a.do(t, a.Admin, "PUT", "/api/v2/chat/widget_keys/"+id, map[string]any{"widget_key": map[string]any{
			"identity_verification": true, "pre_chat_form": map[string]any{"name": "required", "group_ids": []int64{sales}}}})
		k, _ = body["widget_key"].(map[string]any)
		if code != http.StatusOK || k["identity_secret"] != nil {
			t.Fatalf("update: %d %v", code, body)
		}
		if f := k["pre_chat_form"].(map[string]any); f["name"] != "required" || f["question"] != "optional" || len(f["group_ids"].([]any)) != 1 {
			t.Fatalf("updated form: %v", f)
		}
		code, body = a.do(t, a.Admin, "PUT", "/api/v2/chat/widget_keys/"+id, map[string]any{"widget_key": map[string]any{"rotate_identity_secret": true}})
		k, _ = body["widget_key"].(map[string]any)
		if s2, _ := k["identity_secret"].(string); code != http.StatusOK || len(s2) < 32 || s2 == secret {
			t.Fatalf("rotate: %d %v", code, body)
		}
		before := fetchKey(t, a, id)

		// Bad input: each a 4xx with a JSON error, nothing changed.
		bad := []struct {
			name   string
			body   any
			status int
		}{
			{"malformed JSON", `{"widget_key": {"name": "x"`, http.StatusBadRequest},
			{"no envelope", map[string]any{"name": "x"}, http.StatusUnprocessableEntity},
			{"origin with a path", map[string]any{"widget_key": map[string]any{"allowed_origins": []string{"https://shop.example.com/path"}}}, http.StatusUnprocessableEntity},
			{"origin of another scheme", map[string]any{"widget_key": map[string]any{"allowed_origins": []string{"javascript:alert(1)"}}}, http.StatusUnprocessableEntity},
			{"origin with user info", map[string]any{"widget_key": map[string]any{"allowed_origins": []string{"https://a@shop.example.com"}}}, http.StatusUnprocessableEntity},
			{"bare wildcard", map[string]any{"widget_key": map[string]any{"allowed_origins": []string{"https://*"}}}, http.StatusUnprocessableEntity},
			{"unknown field setting", map[string]any{"widget_key": map[string]any{"pre_chat_form": map[string]any{"name": "sometimes"}}}, http.StatusUnprocessableEntity},
			{"email not required", map[string]any{"widget_key": map[string]any{"pre_chat_form": map[string]any{"email": "hidden"}}}, http.StatusUnprocessableEntity},
			{"forged group", map[string]any{"widget_key": map[string]any{"pre_chat_form": map[string]any{"group_ids": []int64{999999}}}}, http.StatusUnprocessableEntity},
			{"forged key group", map[string]any{"widget_key": map[string]any{"group_id": 999999}}, http.StatusUnprocessableEntity},
			{"blank name", map[string]any{"widget_key": map[string]any{"name": "  "}}, http.StatusUnprocessableEntity},
			{"wrong types", map[string]any{"widget_key": map[string]any{"allowed_origins": "https://shop.example.com"}}, http.StatusUnprocessableEntity},
			{"oversize", `{"widget_key": {"name": "` + strings.Repeat("x", MaxBody) + `"}}`, http.StatusRequestEntityTooLarge},
		}
		for _, c := range bad {
			resp, data := a.request(t, a.Admin, "PUT", "/api/v2/chat/widget_keys/"+id, c.body)
			if resp.StatusCode != c.status || !strings.Contains(string(data), `"error"`) {
				t.Errorf("%s: %d, want %d: %.300s", c.name, resp.StatusCode, c.status, data)
			}
		}
		if after := fetchKey(t, a, id); after != before {
			t.Fatalf("a refused update changed the key:\n%s\n%s", before, after)
		}
		// Forged ids: unknown, non-numeric, negative, overflowing.
		for _, p := range []string{"999999", "abc", "-1", "0", "99999999999999999999", "1%20OR%201=1"} {
			for _, method := range []string{"GET", "PUT", "DELETE"} {
				resp, data := a.request(t, a.Admin, method, "/api/v2/chat/widget_keys/"+p, widgetKeyBody("x"))
				if resp.StatusCode != http.StatusNotFound {
					t.Errorf("%s %s: %d %s", method, p, resp.StatusCode, data)
				}
			}
		}
		// An agent cannot read the key, let alone its secret.
		if code, _ := a.do(t, a.Agent, "GET", "/api/v2/chat/widget_keys/"+id, nil); code != http.StatusForbidden {
			t.Fatalf("agent read: %d", code)
		}
		if code, _ = a.do(t, a.Admin, "DELETE", "/api/v2/chat/widget_keys/"+id, nil); code != http.StatusNoContent {
			t.Fatalf("delete: %d", code)
		}
		if code, _ = a.do(t, a.Admin, "GET", "/api/v2/chat/widget_keys/"+id, nil); code != http.StatusNotFound {
			t.Fatalf("deleted: %d", code)
		}
	})
}

func fetchKey(t *testing.T, a *testAPI, id string) string {
	t.Helper()
	resp, data := a.request(t, a.Admin, "GET", "/api/v2/chat/widget_keys/"+id, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("read key: %d %s", resp.StatusCode, data)
	}
	return string(data)
}

func createGroupAPI(t *testing.T, a *testAPI, name string) int64 {
	t.Helper()
	code, body := a.do(t, a.Admin, "POST", "/api/v2/groups", map[string]any{"group": map[string]any{"name": name}})
	if code != http.StatusCreated {
		t.Fatalf("create group: %d %v", code, body)
	}
	return int64(pNum(body["group"].(map[string]any), "id"))
}
