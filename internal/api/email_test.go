package api

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/channel/email/mailtest"
	"github.com/frontdesk/frontdesk/internal/secrets"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

func testBox(t testing.TB) *secrets.Box {
	t.Helper()
	key := make([]byte, secrets.KeySize)
	rand.Read(key)
	b, err := secrets.NewBox(key)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestRecipientAddresses covers Zendesk's support-address API: shapes,
// write-only credentials, validation, verify against a real SMTP relay.
func TestRecipientAddresses(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		relay := mailtest.StartSMTP(t, nil, "relay", "s3cret-relay")
		code, body := a.do(t, a.Admin, "POST", "/api/v2/recipient_addresses", map[string]any{"recipient_address": map[string]any{
			"email": "Help@Example.com", "name": "Pomoc", "brand_id": 1, "default_group_id": a.SupportGroupID,
			"smtp": map[string]any{"host": relay.Host, "port": relay.Port, "security": "none", "username": "relay", "password": "s3cret-relay"},
			"imap": map[string]any{"host": "imap.example.com", "username": "help", "password": "imap-s3cret"},
		}})
		pStatus(t, "create", code, body, http.StatusCreated)
		ra := pObj(t, body, "recipient_address")
		raw, _ := json.Marshal(body)
		if bytes.Contains(raw, []byte("s3cret")) {
			t.Fatalf("a credential came back: %s", raw)
		}
		smtp := ra["smtp"].(map[string]any)
		if ra["email"] != "help@example.com" || ra["name"] != "Pomoc" || ra["default"] != true || ra["forwarding_status"] != "unknown" ||
			smtp["has_secret"] != true || pNum(ra, "default_group_id") != a.SupportGroupID ||
			!strings.HasSuffix(ra["url"].(string), "/api/v2/recipient_addresses/"+itoa(pNum(ra, "id"))+".json") {
			t.Fatalf("created %v", ra)
		}
		id := itoa(pNum(ra, "id"))

		// verify dials the relay for real (the IMAP host does not exist).
		code, body = a.do(t, a.Admin, "PUT", "/api/v2/recipient_addresses/"+id+"/verify", map[string]any{"type": "forwarding"})
		pStatus(t, "verify", code, body, http.StatusOK)
		check := body["check"].(map[string]any)
		if check["smtp"] != "" || check["imap"] == "" || pObj(t, body, "recipient_address")["forwarding_status"] != "failed" {
			t.Fatalf("verify %v", body)
		}
		code, body = a.do(t, a.Admin, "PUT", "/api/v2/recipient_addresses/"+id, map[string]any{"recipient_address": map[string]any{
			"imap": map[string]any{"host": ""}, "enabled": false}})
		pStatus(t, "update", code, body, http.StatusOK)
		code, body = a.do(t, a.Admin, "PUT", "/api/v2/recipient_addresses/"+id+"/verify", nil)
		pStatus(t, "verify again", code, body, http.StatusOK)
		if ra := pObj(t, body, "recipient_address"); ra["forwarding_status"] != "verified" || ra["enabled"] != false {
			t.Fatalf("verified %v", body)
		}

		// Bad input: 4xx naming the field, nothing changed.
		for name, in := range map[string]map[string]any{
			"email":    {"email": "nope"},
			"security": {"smtp": map[string]any{"host": "x.example.com", "security": "ssl"}},
			"port":     {"smtp": map[string]any{"port": "25"}},
			"group":    {"default_group_id": 99999},
			"smtp":     {"smtp": map[string]any{"folder": "INBOX"}},
		} {
			code, body = a.do(t, a.Admin, "PUT", "/api/v2/recipient_addresses/"+id, map[string]any{"recipient_address": in})
			if code != http.StatusUnprocessableEntity && code != http.StatusBadRequest {
				t.Errorf("%s: %d %v", name, code, body)
			}
		}
		code, body = a.do(t, a.Admin, "POST", "/api/v2/recipient_addresses", map[string]any{"recipient_address": map[string]any{"email": "help@example.com"}})
		pInvalid(t, "duplicate", code, body, "email")
		code, body = a.do(t, a.Admin, "GET", "/api/v2/recipient_addresses", nil)
		pStatus(t, "list", code, body, http.StatusOK)
		if list := pList(t, body, "recipient_addresses"); len(list) != 1 || list[0]["name"] != "Pomoc" {
			t.Fatalf("list %v", list)
		}
		code, _ = a.do(t, a.Admin, "DELETE", "/api/v2/recipient_addresses/"+id, nil)
		if code != http.StatusNoContent {
			t.Fatalf("delete %d", code)
		}
		code, body = a.do(t, a.Admin, "GET", "/api/v2/recipient_addresses/"+id, nil)
		pStatus(t, "gone", code, body, http.StatusNotFound)
	})
}
