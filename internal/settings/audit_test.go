package settings_test

import (
	"encoding/hex"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/audit"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/events"
	"github.com/frontdesk/frontdesk/internal/settings"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// A change is recorded with its value before and after, a secret masked;
// writing the same value again records nothing.
func TestSettingChangesAreAudited(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := settings.Uncached(db, events.New())
		ctx := desk.WithPrincipal(bg, &desk.Principal{UserID: 7, Role: desk.RoleAdmin, Via: "web"})
		sys := desk.SystemContext(bg)
		if err := settings.RequireStaff2FA.Set(ctx, s, true); err != nil {
			t.Fatal(err)
		}
		if err := settings.RequireStaff2FA.Set(ctx, s, true); err != nil {
			t.Fatal(err)
		}
		key := []byte(strings.Repeat("k", 32))
		if err := settings.CSRFKey.Set(ctx, s, key); err != nil {
			t.Fatal(err)
		}
		es, err := audit.List(sys, db, audit.Filter{Action: settings.AuditChanged, Asc: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(es) != 2 {
			t.Fatalf("%d entries, want 2: %+v", len(es), es)
		}
		if c := es[0].Changes[settings.KeyRequireStaff2FA]; c.Before != nil || c.After != "true" || es[0].ActorID != 7 {
			t.Errorf("2FA entry %+v", es[0])
		}
		if c := es[1].Changes[settings.KeyCSRFKey]; c.After != "[secret]" {
			t.Errorf("secret entry %+v", es[1])
		}
		var all strings.Builder
		if err := audit.Export(sys, db, audit.Filter{}, audit.FormatJSON, &all); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(all.String(), hex.EncodeToString(key)) {
			t.Error("the secret reached the audit log")
		}
	})
}

func TestAuditRetentionDays(t *testing.T) {
	for v, ok := range map[int]bool{0: true, 365: true, 2555: true, 36500: true, 1: false, 364: false, 36501: false, -1: false} {
		if err := settings.AuditRetentionDays.Validate(v); (err == nil) != ok {
			t.Errorf("%d: %v", v, err)
		}
	}
	if settings.AuditRetentionDays.Default() != 0 {
		t.Error("the audit log is kept forever by default")
	}
}

// Turning shareable ticket links on and off (issue P9: "an explicit,
// audited admin choice") is recorded with the value before and after.
func TestShareableLinksChangeIsAudited(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := settings.Uncached(db, events.New())
		ctx := desk.WithPrincipal(bg, &desk.Principal{UserID: 9, Role: desk.RoleAdmin, Via: "web"})
		if on, err := settings.ShareableLinks.Get(ctx, s); on || err != nil {
			t.Fatalf("shareable links on by default: %v %v", on, err)
		}
		for _, v := range []bool{true, false} {
			if err := settings.ShareableLinks.Set(ctx, s, v); err != nil {
				t.Fatal(err)
			}
		}
		es, err := audit.List(desk.SystemContext(bg), db, audit.Filter{Action: settings.AuditChanged, Asc: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(es) != 2 {
			t.Fatalf("%d entries, want 2: %+v", len(es), es)
		}
		on, off := es[0].Changes[settings.KeyShareableLinks], es[1].Changes[settings.KeyShareableLinks]
		if on.Before != nil || on.After != "true" || off.Before != "true" || off.After != "false" || es[0].ActorID != 9 || es[0].TargetType != "setting" {
			t.Errorf("entries %+v", es)
		}
	})
}
