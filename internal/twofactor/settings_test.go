package twofactor_test

import (
	"strconv"
	"testing"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/events"
	"github.com/frontdesk/frontdesk/internal/settings"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// Another admin may not strip the owner's second factor. When the owner
// setting cannot be read, Disable is refused rather than treating the
// target as "not the owner" (the old code ignored the read error).
func TestDisableOwnerFailsClosed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		admin := e.mkUser(t, desk.RoleAdmin)
		target := e.mkUser(t, desk.RoleAdmin)
		e.enrol(t, target, desk.RoleAdmin)
		if _, err := db.Exec(bg, `INSERT INTO settings (key, value) VALUES (?, ?)`, desk.SettingOwner, "owner-"+strconv.FormatInt(target, 10)); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.Disable(as(admin, desk.RoleAdmin), target); err == nil {
			t.Fatal("Disable went ahead with an unreadable owner setting")
		}
		if on, _ := e.svc.Enabled(as(target, desk.RoleAdmin), target); !on {
			t.Fatal("2FA was turned off")
		}
	})
}

// The staff 2FA policy goes through the settings service: it is typed,
// cached, and its change published for every instance's cache.
func TestRequiredThroughSettings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		bus := events.New()
		var changed []string
		bus.Subscribe(func(ev events.Event) {
			if ev.Type == events.SettingsChanged {
				changed = append(changed, ev.Data["key"])
			}
		})
		e.svc.Settings = settings.New(db, bus)
		admin := as(e.mkUser(t, desk.RoleAdmin), desk.RoleAdmin)
		if err := e.svc.SetRequired(admin, true); err != nil {
			t.Fatal(err)
		}
		if req, err := e.svc.RequiredFor(admin, desk.RoleAgent); err != nil || !req {
			t.Fatalf("required %v %v", req, err)
		}
		if len(changed) != 1 || changed[0] != settings.KeyRequireStaff2FA {
			t.Fatalf("events %v", changed)
		}
		if _, err := db.Exec(bg, `UPDATE settings SET value = 'on' WHERE key = ?`, settings.KeyRequireStaff2FA); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.RequiredFor(as(1, desk.RoleAgent), desk.RoleAgent); err != nil {
			t.Fatalf("cached read failed: %v", err)
		}
		e.svc.Settings = settings.Uncached(db, nil)
		if _, err := e.svc.RequiredFor(as(1, desk.RoleAgent), desk.RoleAgent); err == nil {
			t.Fatal("a damaged policy read as a valid one")
		}
	})
}
