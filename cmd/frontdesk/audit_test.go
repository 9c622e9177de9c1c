package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/account"
	"github.com/frontdesk/frontdesk/internal/audit"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/outbox"
	"github.com/frontdesk/frontdesk/internal/secrets"
	"github.com/frontdesk/frontdesk/internal/settings"
	"github.com/frontdesk/frontdesk/internal/store"
)

func TestAuditVerifyCommand(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := store.Open(ctx, "", dir)
	if err != nil {
		t.Fatal(err)
	}
	sys := desk.SystemContext(ctx)
	t.Setenv(secrets.EnvKey, "") // the key file in the data directory
	if err := settings.SecurityContact.Set(sys, settings.Uncached(db, nil), "sec@example.com"); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if err := db.InTx(sys, func(tx *store.Tx) error {
			return audit.RecordTx(sys, tx, audit.Entry{Action: "user.created", TargetType: "user", TargetID: int64(i + 1)})
		}); err != nil {
			t.Fatal(err)
		}
	}
	es, err := audit.List(sys, db, audit.Filter{Asc: true, Action: "user.created"})
	if err != nil || len(es) != 3 {
		t.Fatalf("%v %v", es, err)
	}
	db.Close()

	var out bytes.Buffer
	if err := run(ctx, []string{"audit", "verify", "--data", dir}, nil, &out, &out); err != nil || !strings.Contains(out.String(), "intact: 4 chained entries") {
		t.Fatalf("intact log: %v\n%s", err, out.String())
	}

	// Someone with the database file edits the second entry.
	db, err = store.Open(ctx, "", dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`DROP TRIGGER audit_log_no_update`, fmt.Sprintf(`UPDATE audit_log SET target_id = 99 WHERE id = %d`, es[1].ID)} {
		if _, err := db.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	out.Reset()
	err = run(ctx, []string{"audit", "verify", "--data", dir}, nil, &out, &out)
	if !errors.Is(err, errChainBroken) {
		t.Fatalf("broken chain: err %v\n%s", err, out.String())
	}
	if want := fmt.Sprintf("BROKEN at entry %d (seq 3): edited", es[1].ID); !strings.Contains(out.String(), want) {
		t.Errorf("output %q, want %q", out.String(), want)
	}
	// As the daily job does, the command recorded the break and queued a
	// notice to the security contact in the outbox.
	db, err = store.Open(ctx, "", dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	failed, err := audit.List(sys, db, audit.Filter{Action: audit.AuditVerifyFailed})
	if err != nil || len(failed) != 1 || failed[0].TargetID != es[1].ID {
		t.Fatalf("recorded failures %+v %v", failed, err)
	}
	box, err := secrets.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	m, err := outbox.New(db, box).Latest(sys, "sec@example.com")
	if err != nil {
		t.Fatalf("no mail to the security contact: %v", err)
	}
	if m.Kind != account.KindSecurityAlert || !strings.Contains(m.Text, "hash chain") || !strings.Contains(m.Text, fmt.Sprint(es[1].ID)) {
		t.Errorf("mail %s %q", m.Kind, m.Text)
	}
}
