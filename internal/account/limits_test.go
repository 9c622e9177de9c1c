package account_test

import (
	"errors"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/account"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/events"
	"github.com/frontdesk/frontdesk/internal/settings"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

func TestValidateLimits(t *testing.T) {
	ok := account.Config{StaffIdle: 15 * time.Minute, StaffAbsolute: 8 * time.Hour, UserIdle: time.Hour, UserAbsolute: 7 * 24 * time.Hour}
	if err := account.ValidateLimits(ok); err != nil {
		t.Fatalf("valid limits refused: %v", err)
	}
	for name, tc := range map[string]struct {
		mut   func(*account.Config)
		field string
	}{
		"idle too short":        {func(c *account.Config) { c.StaffIdle = time.Minute }, "staff_idle"},
		"idle too long":         {func(c *account.Config) { c.UserIdle = 31 * 24 * time.Hour }, "user_idle"},
		"absolute too short":    {func(c *account.Config) { c.StaffAbsolute = 30 * time.Minute }, "staff_absolute"},
		"absolute too long":     {func(c *account.Config) { c.UserAbsolute = 400 * 24 * time.Hour }, "user_absolute"},
		"idle beyond absolute":  {func(c *account.Config) { c.StaffIdle = 9 * time.Hour }, "staff_idle"},
		"zero is not a default": {func(c *account.Config) { c.UserAbsolute = 0 }, "user_absolute"},
	} {
		t.Run(name, func(t *testing.T) {
			c := ok
			tc.mut(&c)
			wantField(t, account.ValidateLimits(c), tc.field)
		})
	}
}

func TestStoredSessionLimits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		admin := e.mkUser(t, "boss@example.com", desk.RoleAdmin, pw, true)
		agent := e.mkUser(t, "ag@example.com", desk.RoleAgent, pw, true)
		e.mkUser(t, "cu@example.com", desk.RoleEndUser, pw, true)

		if got := e.svc.SessionLimits(bg); got != account.DefaultConfig {
			t.Fatalf("no stored limits: got %+v, want the defaults", got)
		}
		want := account.Config{StaffIdle: 10 * time.Minute, StaffAbsolute: 2 * time.Hour, UserIdle: 20 * time.Minute, UserAbsolute: 3 * time.Hour}
		wantCode(t, e.svc.SetSessionLimits(userCtx(agent), want), desk.EFORBIDDEN)
		wantCode(t, e.svc.SetSessionLimits(bg, want), desk.EUNAUTHORIZED)
		wantField(t, e.svc.SetSessionLimits(userCtx(admin), account.Config{StaffIdle: time.Minute, StaffAbsolute: time.Hour, UserIdle: time.Hour, UserAbsolute: time.Hour}), "staff_idle")

		staff := e.signIn(t, "ag@example.com", pw)
		cust := e.signIn(t, "cu@example.com", pw)
		if err := e.svc.SetSessionLimits(userCtx(admin), want); err != nil {
			t.Fatal(err)
		}
		if got := e.svc.SessionLimits(bg); got != want {
			t.Fatalf("stored limits: got %+v, want %+v", got, want)
		}
		// Existing sessions follow the new idle limits at once.
		e.clock.Advance(11 * time.Minute)
		if e.alive(t, staff) {
			t.Fatal("staff session outlived the stored 10-minute idle limit")
		}
		if !e.alive(t, cust) {
			t.Fatal("end-user session ended within its 20-minute idle limit")
		}
		e.clock.Advance(19 * time.Minute)
		if !e.alive(t, cust) {
			t.Fatal("end-user session ended within its idle limit after activity")
		}
		e.clock.Advance(21 * time.Minute)
		if e.alive(t, cust) {
			t.Fatal("end-user session outlived the stored idle limit")
		}
		// The absolute limit, with activity all along.
		cust = e.signIn(t, "cu@example.com", pw)
		for range 9 {
			e.clock.Advance(19 * time.Minute) // 2h51m
			if !e.alive(t, cust) {
				t.Fatal("session ended before the absolute limit")
			}
		}
		e.clock.Advance(10 * time.Minute) // 3h01m
		if e.alive(t, cust) {
			t.Fatal("end-user session outlived the stored absolute limit")
		}
	})
}

// Another instance's change reaches this one's settings cache through
// events.SettingsChanged, which the relay republishes on its bus.
func TestSessionLimitsCache(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		other := newEnv(t, db)
		busE, busOther := events.New(), events.New()
		e.svc.Settings = settings.New(db, busE)
		other.svc.Settings = settings.New(db, busOther)
		var relay []events.Event
		busOther.Subscribe(func(ev events.Event) { relay = append(relay, ev) })
		admin := e.mkUser(t, "boss@example.com", desk.RoleAdmin, pw, true)
		_ = e.svc.SessionLimits(bg) // cached: the defaults
		c := account.Config{StaffIdle: 6 * time.Minute, StaffAbsolute: 2 * time.Hour, UserIdle: 6 * time.Minute, UserAbsolute: 2 * time.Hour}
		if err := other.svc.SetSessionLimits(userCtx(admin), c); err != nil {
			t.Fatal(err)
		}
		if got := e.svc.SessionLimits(bg); got != account.DefaultConfig {
			t.Fatalf("before the event: got %+v, want the cached defaults", got)
		}
		if len(relay) != 1 || relay[0].Type != events.SettingsChanged {
			t.Fatalf("published %+v", relay)
		}
		busE.Publish(relay[0])
		if got := e.svc.SessionLimits(bg); got != c {
			t.Fatalf("after the event: got %+v, want %+v", got, c)
		}
	})
}

// A stored value that cannot be read never lengthens sessions: the shorter
// of the configured and the last stored lifetimes stays in force, and
// SessionLimitsErr reports the failure.
func TestSessionLimitsFailedRead(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		admin := e.mkUser(t, "boss@example.com", desk.RoleAdmin, pw, true)
		c := account.Config{StaffIdle: 6 * time.Minute, StaffAbsolute: 2 * time.Hour, UserIdle: 6 * time.Minute, UserAbsolute: 2 * time.Hour}
		if err := e.svc.SetSessionLimits(userCtx(admin), c); err != nil {
			t.Fatal(err)
		}
		if got := e.svc.SessionLimits(bg); got != c {
			t.Fatalf("stored: %+v", got)
		}
		if _, err := db.Exec(bg, `UPDATE settings SET value = ? WHERE key = ?`, `{"staff_idle_minutes":"long"`, account.SettingSessions); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.SessionLimitsErr(bg); !errors.Is(err, settings.ErrCorrupt) {
			t.Fatalf("damaged row: %v", err)
		}
		if got := e.svc.SessionLimits(bg); got != c {
			t.Fatalf("after a failed read: %+v, want the stored %+v", got, c)
		}
	})
}
