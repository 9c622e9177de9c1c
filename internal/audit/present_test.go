package audit_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/audit"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

func TestSafeCell(t *testing.T) {
	for in, want := range map[string]string{
		"":                   "",
		"plain":              "plain",
		"=HYPERLINK(\"x\")":  "'=HYPERLINK(\"x\")",
		"+1+2":               "'+1+2",
		"-2+3":               "'-2+3",
		"@SUM(A1)":           "'@SUM(A1)",
		"\tTAB":              "'\tTAB",
		"\rCR":               "'\rCR",
		" =not first":        " =not first",
		"a=b":                "a=b",
		"'already quoted":    "'already quoted",
		"203.0.113.9":        "203.0.113.9",
		"Zażółć =gęślą jaźń": "Zażółć =gęślą jaźń",
	} {
		if got := audit.SafeCell(in); got != want {
			t.Errorf("SafeCell(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzSafeCell: no neutralised cell starts with a formula character, and
// removing the added apostrophe gives the input back.
func FuzzSafeCell(f *testing.F) {
	for _, s := range []string{"", "=1+1", "+", "-", "@", "\t", "\r", "x", "'=", "=cmd|' /C calc'!A0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := audit.SafeCell(s)
		if got != "" && strings.ContainsRune("=+-@\t\r", rune(got[0])) {
			t.Fatalf("SafeCell(%q) = %q starts with a formula character", s, got)
		}
		if got != s && got != "'"+s {
			t.Fatalf("SafeCell(%q) = %q changed more than a leading apostrophe", s, got)
		}
		var buf bytes.Buffer
		w, err := audit.NewCSVWriter(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Write([]audit.Entry{{Action: s, TargetType: "user", UserAgent: s}}, audit.Names{}); err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(&buf).ReadAll()
		if err != nil {
			t.Fatalf("CSV of %q does not read back: %v", s, err)
		}
		for _, cell := range recs[1] {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Fatalf("cell %q of %q starts with a formula character", cell, s)
			}
		}
	})
}

func TestFiltersAndPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		now := base
		old := store.Clock()
		store.SetClock(func() int64 { return now.UnixMicro() })
		defer func() { store.SetClock(old) }()
		write := func(actor int64, ip, action, typ string, id int64) {
			ctx := audit.WithClient(desk.WithPrincipal(context.Background(), &desk.Principal{UserID: actor, Role: desk.RoleAdmin, Via: "web"}), ip, "test")
			if err := db.InTx(ctx, func(tx *store.Tx) error {
				return audit.RecordTx(ctx, tx, audit.Entry{Action: action, TargetType: typ, TargetID: id, Data: map[string]any{"name": "=evil()"}})
			}); err != nil {
				t.Fatal(err)
			}
			now = now.Add(time.Hour)
		}
		write(1, "192.0.2.1", "user.created", "user", 10)   // 00:00
		write(2, "192.0.2.2", "user.suspended", "user", 10) // 01:00
		write(1, "192.0.2.1", "group.created", "group", 5)  // 02:00
		write(2, "192.0.2.1", "user.deleted", "user", 11)   // 03:00
		sys := desk.SystemContext(context.Background())
		two := int64(2)
		for _, c := range []struct {
			name string
			f    audit.Filter
			want []string
		}{
			{"all newest first", audit.Filter{}, []string{"user.deleted", "group.created", "user.suspended", "user.created"}},
			{"oldest first", audit.Filter{Asc: true}, []string{"user.created", "user.suspended", "group.created", "user.deleted"}},
			{"actor", audit.Filter{ActorID: &two}, []string{"user.deleted", "user.suspended"}},
			{"action", audit.Filter{Action: "user.created"}, []string{"user.created"}},
			{"action family", audit.Filter{Action: "user.*", Asc: true}, []string{"user.created", "user.suspended", "user.deleted"}},
			{"target", audit.Filter{TargetType: "user", TargetID: 10}, []string{"user.suspended", "user.created"}},
			{"ip", audit.Filter{IP: "192.0.2.2"}, []string{"user.suspended"}},
			{"date range", audit.Filter{Since: base.Add(time.Hour), Until: base.Add(2 * time.Hour)}, []string{"group.created", "user.suspended"}},
			{"offset page", audit.Filter{Offset: 1, Limit: 2}, []string{"group.created", "user.suspended"}},
		} {
			es, err := audit.List(sys, db, c.f)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range es {
				got = append(got, e.Action)
			}
			if strings.Join(got, ",") != strings.Join(c.want, ",") {
				t.Errorf("%s: %v, want %v", c.name, got, c.want)
			}
		}
		// Cursor pages walk everything once.
		var seen []string
		f := audit.Filter{Limit: 3}
		for {
			es, more, err := audit.Page(sys, db, f)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range es {
				seen = append(seen, e.Action)
			}
			if !more {
				break
			}
			f.After = es[len(es)-1].ID
		}
		if len(seen) != 4 || seen[3] != "user.created" {
			t.Errorf("cursor walk %v", seen)
		}
		if n, err := audit.Count(sys, db, audit.Filter{TargetType: "user"}); err != nil || n != 3 {
			t.Errorf("count %d %v", n, err)
		}
		if _, err := audit.List(sys, db, audit.Filter{Since: base.Add(time.Hour), Until: base}); desk.ErrorCode(err) != desk.EINVALID {
			t.Errorf("reversed range: %v", err)
		}
	})
}

func TestExport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		sys := desk.SystemContext(context.Background())
		ctx := audit.WithClient(sys, "-1+1", "=cmd|' /C calc'!A0")
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			return audit.RecordTx(ctx, tx, audit.Entry{Action: "user.created", TargetType: "user", TargetID: 3, Data: map[string]any{"name": "@Bob"}})
		}); err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		if err := audit.Export(sys, db, audit.Filter{}, audit.FormatCSV, &out); err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(&out).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 3 || recs[1][6] != "user.created" || recs[2][6] != audit.ActionExported {
			t.Fatalf("csv %q", recs)
		}
		for _, cell := range recs[1] {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("cell %q not neutralised", cell)
			}
		}
		if recs[1][10] != "'-1+1" || recs[1][9] != "'@Bob" {
			t.Errorf("row %q", recs[1])
		}
		out.Reset()
		if err := audit.Export(sys, db, audit.Filter{Action: "user.created"}, audit.FormatJSON, &out); err != nil {
			t.Fatal(err)
		}
		var js []map[string]any
		if err := json.Unmarshal(out.Bytes(), &js); err != nil || len(js) != 1 || js[0]["ip"] != "-1+1" || js[0]["source_label"] != "@Bob" {
			t.Fatalf("json %s %v", out.String(), err)
		}
		agent := desk.WithPrincipal(context.Background(), &desk.Principal{UserID: 3, Role: desk.RoleAgent})
		perms := desk.Permissions{ManageSecurity: true}
		secOnly := desk.WithPrincipal(context.Background(), &desk.Principal{UserID: 3, Role: desk.RoleAgent, Perms: &perms})
		for _, c := range []context.Context{agent, secOnly} {
			if err := audit.Export(c, db, audit.Filter{}, audit.FormatCSV, &out); desk.ErrorCode(err) != desk.EFORBIDDEN {
				t.Errorf("export without both permissions: %v", err)
			}
		}
		if err := audit.Export(sys, db, audit.Filter{}, "xlsx", &out); desk.ErrorCode(err) != desk.EINVALID {
			t.Errorf("bad format: %v", err)
		}
	})
}
