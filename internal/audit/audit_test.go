package audit_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/audit"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

func TestRecordTxCommitsWithTheChangeOnly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		actor := &desk.Principal{UserID: 42, Role: desk.RoleAdmin, Via: "api"}
		ctx := audit.WithClient(desk.WithPrincipal(context.Background(), actor), "203.0.113.9", "curl/8\x00"+strings.Repeat("x", 1000))
		entry := audit.Entry{Action: "group.updated", TargetType: "group", TargetID: 7,
			Changes: map[string]audit.Change{"is_public": {Before: true, After: false}}, Data: map[string]any{"name": "VIP"}}
		if err := db.InTx(ctx, func(tx *store.Tx) error { return audit.RecordTx(ctx, tx, entry) }); err != nil {
			t.Fatal(err)
		}
		boom := errors.New("boom")
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			if err := audit.RecordTx(ctx, tx, audit.Entry{Action: "group.deleted", TargetType: "group", TargetID: 7}); err != nil {
				return err
			}
			return boom
		}); !errors.Is(err, boom) {
			t.Fatalf("rolled back transaction: %v", err)
		}
		sys := desk.SystemContext(context.Background())
		got, err := audit.List(sys, db, audit.Filter{TargetType: "group", TargetID: 7})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 {
			t.Fatalf("entries %+v, want only the committed one", got)
		}
		e := got[0]
		if e.ActorID != 42 || e.Via != "api" || e.Action != "group.updated" || e.IP != "203.0.113.9" {
			t.Errorf("entry %+v", e)
		}
		if strings.Contains(e.UserAgent, "\x00") || len(e.UserAgent) > 512 || !strings.HasPrefix(e.UserAgent, "curl/8") {
			t.Errorf("user agent not cleaned: %q", e.UserAgent)
		}
		if c := e.Changes["is_public"]; c.Before != true || c.After != false || e.Data["name"] != "VIP" {
			t.Errorf("details %+v %+v", e.Changes, e.Data)
		}
		if e.CreatedAt.IsZero() {
			t.Error("no created_at")
		}
	})
}

func TestLogIsAppendOnly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := desk.SystemContext(context.Background())
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			return audit.RecordTx(ctx, tx, audit.Entry{Action: "group.created", TargetType: "group", TargetID: 1})
		}); err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{`UPDATE audit_log SET actor_id = 99`, `DELETE FROM audit_log`} {
			err := db.InTx(ctx, func(tx *store.Tx) error { _, err := tx.Exec(ctx, q); return err })
			if err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Errorf("%s: %v, want the store to refuse", q, err)
			}
		}
		got, err := audit.List(ctx, db, audit.Filter{})
		if err != nil || len(got) != 1 || got[0].ActorID != 0 || got[0].Via != "system" {
			t.Fatalf("after refused changes: %+v %v", got, err)
		}
	})
}

func TestRecordTxRefusesEntriesWithoutAction(t *testing.T) {
	db := storetest.SQLite(t)
	ctx := desk.SystemContext(context.Background())
	err := db.InTx(ctx, func(tx *store.Tx) error { return audit.RecordTx(ctx, tx, audit.Entry{TargetType: "group"}) })
	if err == nil {
		t.Fatal("an entry without an action was recorded")
	}
}

func TestListIsForAdmins(t *testing.T) {
	db := storetest.SQLite(t)
	for _, p := range []*desk.Principal{nil, {UserID: 3, Role: desk.RoleAgent}, {UserID: 4, Role: desk.RoleEndUser}} {
		ctx := context.Background()
		if p != nil {
			ctx = desk.WithPrincipal(ctx, p)
		}
		if _, err := audit.List(ctx, db, audit.Filter{}); err == nil {
			t.Errorf("%+v listed the audit log", p)
		}
	}
	if _, err := audit.List(desk.WithPrincipal(context.Background(), &desk.Principal{UserID: 1, Role: desk.RoleAdmin}), db, audit.Filter{}); err != nil {
		t.Errorf("admin: %v", err)
	}
}
