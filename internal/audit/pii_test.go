package audit_test

import (
	"context"
	"testing"

	"github.com/frontdesk/frontdesk/internal/audit"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

const (
	piiName  = "Quentin Zebulon"
	piiEmail = "quentin.zebulon@pii.test"
)

// recordAbout writes, one transaction each, an entry about user 7 (its
// name and email in the data, its role too), an entry about user 8, and
// one about a group; it returns them in order.
func recordAbout(t *testing.T, db *store.DB) []audit.Entry {
	t.Helper()
	ctx := desk.SystemContext(context.Background())
	for _, e := range []audit.Entry{
		{Action: "user.created", TargetType: "user", TargetID: 7, Data: map[string]any{"name": piiName, "email": piiEmail, "role": "admin", "tags": []string{"vip-zebulon"}}},
		{Action: "user.updated", TargetType: "user", TargetID: 8, Changes: map[string]audit.Change{"name": {Before: "Other Before", After: "Other After"}}},
		{Action: "group.member_added", TargetType: "group", TargetID: 3, Data: map[string]any{"user_id": int64(7), "name": piiName}},
		{Action: "group.updated", TargetType: "group", TargetID: 3, Changes: map[string]audit.Change{"name": {Before: "Sales", After: "Support"}}},
	} {
		if err := db.InTx(ctx, func(tx *store.Tx) error { return audit.RecordTx(ctx, tx, e) }); err != nil {
			t.Fatal(err)
		}
	}
	es, err := audit.List(ctx, db, audit.Filter{Asc: true, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 4 {
		t.Fatalf("%d entries", len(es))
	}
	return es
}

// TestPersonalDataKeptApartAndErased: an entry about a person stores their
// strings outside the chained row and reads them back whole; erasing the
// person blanks them in every entry about them (shown as "erased user #7"),
// leaves other people's and non-personal values, and the chain verifies
// before and after.
func TestPersonalDataKeptApartAndErased(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := desk.SystemContext(context.Background())
		es := recordAbout(t, db)
		if es[0].Data["name"] != piiName || es[0].Data["email"] != piiEmail || es[0].Data["role"] != "admin" || es[2].Data["name"] != piiName {
			t.Fatalf("entries read back: %+v / %+v", es[0].Data, es[2].Data)
		}
		if tags, _ := es[0].Data["tags"].([]any); len(tags) != 1 || tags[0] != "vip-zebulon" {
			t.Fatalf("tags read back: %#v", es[0].Data["tags"])
		}
		if es[3].Changes["name"].After != "Support" {
			t.Fatalf("group entry: %+v", es[3].Changes)
		}
		var inRow int
		if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE details LIKE ? OR details LIKE ?`, "%Zebulon%", "%pii.test%").Scan(&inRow); err != nil {
			t.Fatal(err)
		}
		if inRow != 0 {
			t.Fatalf("%d chained rows hold the person's strings", inRow)
		}
		if rep := verify(t, db); !rep.OK || rep.Checked != 4 {
			t.Fatalf("before the erasure: %+v", rep)
		}

		var n int64
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			var err error
			n, err = audit.EraseSubjectTx(ctx, tx, 7)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if n != 2 {
			t.Fatalf("erased %d entries, want 2", n)
		}
		if rep := verify(t, db); !rep.OK || rep.Checked != 4 {
			t.Fatalf("after the erasure: %+v", rep)
		}
		got, err := audit.List(ctx, db, audit.Filter{Asc: true, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if got[0].Data["name"] != "erased user #7" || got[0].Data["email"] != "erased user #7" || got[0].Data["role"] != "admin" {
			t.Errorf("erased entry reads %+v", got[0].Data)
		}
		if got[2].Data["name"] != "erased user #7" {
			t.Errorf("group entry naming them reads %+v", got[2].Data)
		}
		if got[1].Changes["name"].After != "Other After" || got[3].Changes["name"].After != "Support" {
			t.Errorf("other entries changed: %+v %+v", got[1].Changes, got[3].Changes)
		}
		one, err := audit.Get(ctx, db, got[0].ID)
		if err != nil || one.Data["email"] != "erased user #7" {
			t.Errorf("get after erasure: %+v %v", one.Data, err)
		}
		var left int
		if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM audit_pii WHERE LOWER(vals) LIKE ?`, "%zebulon%").Scan(&left); err != nil {
			t.Fatal(err)
		}
		if left != 0 {
			t.Errorf("%d audit_pii rows still hold their strings", left)
		}
	})
}

// TestPersonalDataTamperingDetected: changing the kept strings, their
// digest, blanking them outside an erasure, or removing their row breaks
// the chain at that entry.
func TestPersonalDataTamperingDetected(t *testing.T) {
	cases := map[string]string{
		"edited strings": `UPDATE audit_pii SET vals = REPLACE(vals, 'Quentin', 'Someone') WHERE entry_id = ?`,
		"edited digest":  `UPDATE audit_pii SET digest = REPLACE(digest, SUBSTR(digest, 1, 1), 'x') WHERE entry_id = ?`,
		"fake erasure":   `UPDATE audit_pii SET vals = '' WHERE entry_id = ?`,
		"row removed":    `DELETE FROM audit_pii WHERE entry_id = ?`,
	}
	for name, q := range cases {
		t.Run(name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				es := recordAbout(t, db)
				if _, err := db.Exec(context.Background(), q, es[0].ID); err != nil {
					t.Fatal(err)
				}
				rep := verify(t, db)
				if rep.OK || rep.Broken == nil || rep.Broken.EntryID != es[0].ID || rep.Broken.Problem != audit.ProblemEdited {
					t.Fatalf("report %+v (broken %v)", rep, rep.Broken)
				}
			})
		})
	}
}
