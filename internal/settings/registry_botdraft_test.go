package settings_test

import (
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/audit"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/events"
	"github.com/frontdesk/frontdesk/internal/secrets"
	"github.com/frontdesk/frontdesk/internal/settings"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

func TestBotDraftEndpointValidation(t *testing.T) {
	for v, ok := range map[string]bool{
		"": true, "https://api.example.com/v1": true, "http://127.0.0.1:11434/v1": true, "https://llm.example": true,
		"ftp://api.example.com": false, "api.example.com/v1": false, "javascript:alert(1)": false, "https://": false,
		"https://user:pw@api.example.com": false, "https://api.example.com/v1?x=1": false, "https://api.example.com/#f": false,
		" https://api.example.com": false, "https://api.example.com/\nx": false,
	} {
		if err := settings.BotDraftEndpoint.Validate(v); (err == nil) != ok {
			t.Errorf("%q: %v", v, err)
		}
	}
	for v, ok := range map[string]bool{"off": true, "agents": true, "visitors": true, "": false, "on": false} {
		if err := settings.BotDraftMode.Validate(v); (err == nil) != ok {
			t.Errorf("mode %q: %v", v, err)
		}
	}
	if settings.BotDraftMode.Default() != settings.BotDraftOff {
		t.Error("drafting is not off by default")
	}
}

// The API key is stored sealed, opens only with the instance key, is
// masked in the audit log, and "" clears it.
func TestBotDraftAPIKeyIsSealed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		k, err := secrets.NewKey()
		if err != nil {
			t.Fatal(err)
		}
		box, err := secrets.NewBox(k)
		if err != nil {
			t.Fatal(err)
		}
		s := settings.New(db, events.New())
		ctx := desk.WithPrincipal(bg, &desk.Principal{UserID: 7, Role: desk.RoleAdmin, Via: "web"})
		const key = "sk-very-secret-0123456789"
		if on, err := settings.BotDraftAPIKey.IsSet(ctx, s); err != nil || on {
			t.Fatalf("set before any write: %v %v", on, err)
		}
		if err := settings.BotDraftAPIKey.Set(ctx, s, box, key); err != nil {
			t.Fatal(err)
		}
		var raw string
		if err := db.QueryRow(bg, `SELECT value FROM settings WHERE key = ?`, settings.KeyBotDraftAPIKey).Scan(&raw); err != nil {
			t.Fatal(err)
		}
		if raw == "" || strings.Contains(raw, key) {
			t.Fatalf("stored in the clear: %q", raw)
		}
		if got, err := settings.BotDraftAPIKey.Open(ctx, s, box); err != nil || got != key {
			t.Fatalf("Open = %q %v", got, err)
		}
		other, _ := secrets.NewKey()
		obox, _ := secrets.NewBox(other)
		if _, err := settings.BotDraftAPIKey.Open(ctx, s, obox); err == nil {
			t.Fatal("opened with another key")
		}
		var all strings.Builder
		if err := audit.Export(desk.SystemContext(bg), db, audit.Filter{}, audit.FormatJSON, &all); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(all.String(), key) || strings.Contains(all.String(), raw) || !strings.Contains(all.String(), "[secret]") {
			t.Errorf("the audit log shows the key: %s", all.String())
		}
		if err := settings.BotDraftAPIKey.Set(ctx, s, box, "two\nlines"); desk.ErrorCode(err) != desk.EINVALID {
			t.Errorf("a key on two lines: %v", err)
		}
		if err := settings.BotDraftAPIKey.Set(ctx, s, box, ""); err != nil {
			t.Fatal(err)
		}
		if on, err := settings.BotDraftAPIKey.IsSet(ctx, s); err != nil || on {
			t.Fatalf("set after clearing: %v %v", on, err)
		}
	})
}
