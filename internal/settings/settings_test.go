package settings_test

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/events"
	"github.com/frontdesk/frontdesk/internal/settings"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
	"github.com/frontdesk/frontdesk/internal/testkit"
)

var bg = context.Background()

// rawSet writes a row behind the service's back, as a damaged or
// hand-edited database would.
func rawSet(t *testing.T, db *store.DB, key, value string) {
	t.Helper()
	if _, err := db.Exec(bg, `INSERT INTO settings (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value); err != nil {
		t.Fatal(err)
	}
}

func rawGet(t *testing.T, db *store.DB, key string) string {
	t.Helper()
	var v string
	_ = db.QueryRow(bg, `SELECT value FROM settings WHERE key = ?`, key).Scan(&v)
	return v
}

func code(err error) string { return desk.ErrorCode(err) }

func TestDefaultsAndRoundTrips(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := settings.New(db, events.New())
		if v, err := settings.RequireStaff2FA.Get(bg, s); err != nil || v {
			t.Fatalf("bool default: %v %v", v, err)
		}
		if v, err := settings.AssignOnSolve.Get(bg, s); err != nil || !v {
			t.Fatalf("assign on solve is on by default, as in Zendesk: %v %v", v, err)
		}
		if v, err := settings.DefaultTimeZone.Get(bg, s); err != nil || v != "UTC" {
			t.Fatalf("string default: %q %v", v, err)
		}
		if v, err := settings.Owner.Get(bg, s); err != nil || v != 0 {
			t.Fatalf("int default: %v %v", v, err)
		}
		if v, err := settings.SessionLimits.Get(bg, s); err != nil || v != nil {
			t.Fatalf("json default: %s %v", v, err)
		}

		if err := settings.RequireStaff2FA.Set(bg, s, true); err != nil {
			t.Fatal(err)
		}
		if err := settings.DefaultTimeZone.Set(bg, s, "Europe/Warsaw"); err != nil {
			t.Fatal(err)
		}
		if err := settings.Owner.Set(bg, s, 42); err != nil {
			t.Fatal(err)
		}
		if err := settings.PasswordStaff.Set(bg, s, json.RawMessage(`{"level":"custom"}`)); err != nil {
			t.Fatal(err)
		}
		if v, err := settings.RequireStaff2FA.Get(bg, s); err != nil || !v {
			t.Fatalf("bool: %v %v", v, err)
		}
		if v, err := settings.DefaultTimeZone.Get(bg, s); err != nil || v != "Europe/Warsaw" {
			t.Fatalf("string: %q %v", v, err)
		}
		if v, err := settings.Owner.Read(bg, db); err != nil || v != 42 {
			t.Fatalf("int: %v %v", v, err)
		}
		if v, err := settings.PasswordStaff.Get(bg, s); err != nil || string(v) != `{"level":"custom"}` {
			t.Fatalf("json: %s %v", v, err)
		}
		// Stored forms the SQL readers (the owner in the visibility rule)
		// and older code rely on.
		if got := rawGet(t, db, settings.KeyRequireStaff2FA); got != "true" {
			t.Fatalf("stored bool %q", got)
		}
		if got := rawGet(t, db, desk.SettingOwner); got != "42" {
			t.Fatalf("stored owner %q", got)
		}
	})
}

func TestSetValidates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := settings.New(db, events.New())
		for name, err := range map[string]error{
			"zone":        settings.DefaultTimeZone.Set(bg, s, "Mars/Olympus"),
			"Local zone":  settings.DefaultTimeZone.Set(bg, s, "Local"),
			"empty zone":  settings.DefaultTimeZone.Set(bg, s, ""),
			"long name":   settings.HelpdeskName.Set(bg, s, strings.Repeat("x", settings.MaxHelpdeskName+1)),
			"name CR":     settings.HelpdeskName.Set(bg, s, "a\r\nb"),
			"locale":      settings.DefaultLocale.Set(bg, s, "en US"),
			"owner zero":  settings.Owner.Set(bg, s, 0),
			"json array":  settings.SessionLimits.Set(bg, s, json.RawMessage(`[1]`)),
			"json broken": settings.SessionLimits.Set(bg, s, json.RawMessage(`{`)),
			"short key":   settings.CSRFKey.Set(bg, s, []byte("short")),
		} {
			if code(err) != desk.EINVALID {
				t.Errorf("%s: %v, want EINVALID", name, err)
			}
		}
		var n int
		if err := db.QueryRow(bg, `SELECT COUNT(*) FROM settings`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("%d rows written by refused sets (%v)", n, err)
		}
	})
}

// A failed read is an error, never the default: a rule must not switch off
// because the store hiccuped or a row was damaged.
func TestFailedReadIsAnError(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		for _, s := range []*settings.Service{settings.New(db, events.New()), settings.Uncached(db, nil)} {
			ctx, cancel := context.WithCancel(bg)
			cancel()
			if _, err := settings.RequireStaff2FA.Get(ctx, s); err == nil {
				t.Fatal("read with a cancelled context succeeded")
			}
		}
		for key, bad := range map[string]string{
			settings.KeyRequireStaff2FA:  "yes",
			settings.KeyDefaultTimeZone:  "Mars/Olympus",
			settings.KeyOwner:            "seven",
			settings.KeyPasswordEndUsers: "{not json",
			settings.KeyCSRFKey:          "zz",
		} {
			rawSet(t, db, key, bad)
		}
		s := settings.New(db, events.New())
		if _, err := settings.RequireStaff2FA.Get(bg, s); !errors.Is(err, settings.ErrCorrupt) {
			t.Errorf("damaged bool: %v", err)
		}
		if _, err := settings.DefaultTimeZone.Get(bg, s); !errors.Is(err, settings.ErrCorrupt) {
			t.Errorf("damaged zone: %v", err)
		}
		if _, err := settings.Owner.Read(bg, db); !errors.Is(err, settings.ErrCorrupt) {
			t.Errorf("damaged owner: %v", err)
		}
		if _, err := settings.PasswordEndUsers.Get(bg, s); !errors.Is(err, settings.ErrCorrupt) {
			t.Errorf("damaged json: %v", err)
		}
		if _, err := settings.CSRFKey.Read(bg, db); !errors.Is(err, settings.ErrCorrupt) {
			t.Errorf("damaged key: %v", err)
		}
	})
}

// Setters write in the caller's transaction: a rollback leaves neither the
// value, nor an event, nor a dropped cache entry behind.
func TestSetTxFollowsTheTransaction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		bus := events.New()
		var got []events.Event
		bus.Subscribe(func(e events.Event) { got = append(got, e) })
		s := settings.New(db, bus)
		ctx := desk.WithPrincipal(bg, &desk.Principal{UserID: 7, Role: desk.RoleAdmin})
		boom := errors.New("boom")
		err := db.InTx(ctx, func(tx *store.Tx) error {
			if err := settings.RequireStaff2FA.SetTx(ctx, s, tx, true); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if v, err := settings.RequireStaff2FA.Get(ctx, s); err != nil || v {
			t.Fatalf("rolled-back value visible: %v %v", v, err)
		}
		if len(got) != 0 {
			t.Fatalf("rolled-back change published %+v", got)
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			return settings.RequireStaff2FA.SetTx(ctx, s, tx, true)
		}); err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].Type != events.SettingsChanged || got[0].Data["key"] != settings.KeyRequireStaff2FA || got[0].ActorID != 7 {
			t.Fatalf("events %+v", got)
		}
		if v, err := settings.RequireStaff2FA.Get(ctx, s); err != nil || !v {
			t.Fatalf("committed value not seen: %v %v", v, err)
		}
	})
}

func TestInitTxOnlyOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := settings.New(db, nil)
		for i, id := range []int64{3, 4} {
			var won bool
			if err := db.InTx(bg, func(tx *store.Tx) error {
				var err error
				won, err = settings.Owner.InitTx(bg, s, tx, id)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if won != (i == 0) {
				t.Fatalf("InitTx(%d) won=%v", id, won)
			}
		}
		if v, err := settings.Owner.Get(bg, s); err != nil || v != 3 {
			t.Fatalf("owner %v %v", v, err)
		}
	})
}

// Two instances: each caches, and a change on one reaches the other's cache
// through events.SettingsChanged (the relay republishes it on the other
// instance's bus).
func TestCacheInvalidatedByEvents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		busA, busB := events.New(), events.New()
		a, b := settings.New(db, busA), settings.New(db, busB)
		var relayed []events.Event
		busB.Subscribe(func(e events.Event) { relayed = append(relayed, e) })

		if v, _ := settings.HelpdeskName.Get(bg, a); v != "" {
			t.Fatalf("initial %q", v)
		}
		if err := settings.HelpdeskName.Set(bg, b, "Acme Help"); err != nil {
			t.Fatal(err)
		}
		if v, _ := settings.HelpdeskName.Get(bg, b); v != "Acme Help" {
			t.Fatalf("writer sees %q", v)
		}
		// A has not heard of the change yet: its cached value stands (this
		// is what makes it a cache).
		if v, _ := settings.HelpdeskName.Get(bg, a); v != "" {
			t.Fatalf("A read %q before the event: not cached", v)
		}
		if len(relayed) != 1 {
			t.Fatalf("B published %d events", len(relayed))
		}
		e := relayed[0]
		e.Origin = "instance-b"
		busA.Publish(e)
		if v, _ := settings.HelpdeskName.Get(bg, a); v != "Acme Help" {
			t.Fatalf("A after the event: %q", v)
		}
	})
}

// The TTL bounds staleness should an event ever be lost.
func TestCacheTTLBackstop(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		clock := testkit.NewClock(time.Now())
		a := settings.New(db, events.New())
		a.Now = clock.Now
		if v, _ := settings.RequireStaff2FA.Get(bg, a); v {
			t.Fatal("initial true")
		}
		rawSet(t, db, settings.KeyRequireStaff2FA, "true")
		if v, _ := settings.RequireStaff2FA.Get(bg, a); v {
			t.Fatal("cache bypassed")
		}
		clock.Advance(settings.DefaultTTL)
		if v, _ := settings.RequireStaff2FA.Get(bg, a); !v {
			t.Fatal("stale after the TTL")
		}
	})
}

func TestRegistry(t *testing.T) {
	all := settings.All()
	want := []string{
		settings.KeyOwner, settings.KeyHelpdeskName, settings.KeyDefaultLocale, settings.KeyDefaultTimeZone,
		settings.KeySessionLimits, settings.KeyPasswordStaff, settings.KeyPasswordEndUsers, settings.KeyRequireStaff2FA,
		settings.KeyAssignOnSolve, settings.KeyCSRFKey,
		settings.KeySetupCode,          // p6-firstrun
		settings.KeyBlockedSenders,     // p7-in
		settings.KeyAuditRetentionDays, // p9-audit
		settings.KeyWebhooksPrivate,    // p8-webhooks
		settings.KeyRedactCards,        // p9-gdpr
		settings.KeyShareableLinks,     // p9-share
		// p8-assign
		settings.KeyAvailabilityMinutes, settings.KeyCSATEnabled, settings.KeyCSATDelayHours,
		// p9-alerts
		settings.KeySecurityContact, settings.KeyAlertNewDevice, settings.KeyAlertNewNetwork,
		settings.KeyAlertFailedThenOK, settings.KeyAlertConcurrentNets,
		// p10-community
		settings.KeyCommunityPostsPerUser, settings.KeyCommunityPostsPerIP,
		settings.KeyCommunityCommentsPerUser, settings.KeyCommunityCommentsPerIP,
		settings.KeyAnswerBotEmail, // p11-bot
		// p11-chat
		settings.KeyChatMaxPerAgent, settings.KeyChatRouting, settings.KeyChatWaitSeconds,
		settings.KeyChatTokenDays, // p11-chat-more
		// p11-bot-draft
		settings.KeyBotDraftMode, settings.KeyBotDraftEndpoint, settings.KeyBotDraftModel,
		settings.KeyBotDraftAPIKey, settings.KeyBotDraftTimeout, settings.KeyBotDraftArticles,
	}
	if len(all) != len(want) {
		t.Fatalf("%d settings declared, want %d: %+v", len(all), len(want), all)
	}
	seen := map[string]settings.Info{}
	for _, i := range all {
		if i.Description == "" || i.Kind == "" {
			t.Errorf("%s: incomplete declaration %+v", i.Key, i)
		}
		seen[i.Key] = i
	}
	for _, k := range want {
		if _, ok := seen[k]; !ok {
			t.Errorf("%s not declared", k)
		}
	}
	if seen[settings.KeyDefaultLocale].Default != "en" || seen[settings.KeyRequireStaff2FA].Default != "false" {
		t.Errorf("defaults %+v", seen)
	}
}

// Only this package writes the settings table (migrations aside): other
// packages go through the typed setters, so every write is validated and
// invalidates every instance's cache.
func TestOnlyWriterOfTheSettingsTable(t *testing.T) {
	write := regexp.MustCompile(`(?i)(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+settings\b`)
	root := filepath.Join("..", "..")
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if strings.HasPrefix(rel, "internal/settings/") || strings.HasPrefix(rel, "internal/store/schema") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if loc := write.FindIndex(b); loc != nil {
			t.Errorf("%s writes the settings table: %q", rel, b[loc[0]:loc[1]])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// GetIn reads what the cache lacks through the caller's querier: in a
// transaction it sees the transaction's own value, which the cache must not
// keep (a rollback would leave it there); outside one, it fills the cache.
func TestGetInReadsThroughTheCaller(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := settings.New(db, events.New())
		ctx := desk.WithPrincipal(bg, &desk.Principal{UserID: 7, Role: desk.RoleAdmin})
		boom := errors.New("boom")
		err := db.InTx(ctx, func(tx *store.Tx) error {
			if err := settings.RequireStaff2FA.SetTx(ctx, s, tx, true); err != nil {
				return err
			}
			if v, err := settings.RequireStaff2FA.GetIn(ctx, s, tx); err != nil || !v {
				t.Errorf("in the transaction: %v %v, want its own value", v, err)
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if v, err := settings.RequireStaff2FA.GetIn(ctx, s, db); err != nil || v {
			t.Fatalf("after the rollback: %v %v, want the stored value", v, err)
		}
		// That read was cached: a row written behind the service's back
		// (no event) is not seen until the cache lets go.
		if _, err := db.Exec(ctx, `INSERT INTO settings (key, value) VALUES (?, 'true')`, settings.KeyRequireStaff2FA); err != nil {
			t.Fatal(err)
		}
		if v, err := settings.RequireStaff2FA.Get(ctx, s); err != nil || v {
			t.Fatalf("cached value: %v %v", v, err)
		}
	})
}
