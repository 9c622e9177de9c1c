package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/audit"
	"github.com/frontdesk/frontdesk/internal/desk"
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
	for i := range 3 {
		if err := db.InTx(sys, func(tx *store.Tx) error {
			return audit.RecordTx(sys, tx, audit.Entry{Action: "user.created", TargetType: "user", TargetID: int64(i + 1)})
		}); err != nil {
			t.Fatal(err)
		}
	}
	es, err := audit.List(sys, db, audit.Filter{Asc: true})
	if err != nil || len(es) != 3 {
		t.Fatalf("%v %v", es, err)
	}
	db.Close()

	var out bytes.Buffer
	if err := run(ctx, []string{"audit", "verify", "--data", dir}, nil, &out, &out); err != nil || !strings.Contains(out.String(), "intact: 3 chained entries") {
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
	if want := fmt.Sprintf("BROKEN at entry %d (seq 2): edited", es[1].ID); !strings.Contains(out.String(), want) {
		t.Errorf("output %q, want %q", out.String(), want)
	}
}
