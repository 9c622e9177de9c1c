package audit

import (
	"context"
	"fmt"
	"sync"

	"github.com/frontdesk/frontdesk/internal/store"
)

// Observers see every entry as it is recorded, inside the transaction that
// records it, so what they write (package account queues security notices
// to the security contact in the outbox) commits exactly when the entry
// does. They must not record audit entries themselves.

var observers struct {
	sync.RWMutex
	m map[*store.DB]map[string]func(context.Context, *store.Tx, Entry) error
}

// Observe makes f an observer of the entries recorded on db, under name:
// a later call with the same db and name replaces it (services are built
// more than once over one store in tests and at start-up). f nil removes it.
func Observe(db *store.DB, name string, f func(ctx context.Context, tx *store.Tx, e Entry) error) {
	observers.Lock()
	defer observers.Unlock()
	if f == nil {
		delete(observers.m[db], name)
		return
	}
	if observers.m == nil {
		observers.m = map[*store.DB]map[string]func(context.Context, *store.Tx, Entry) error{}
	}
	if observers.m[db] == nil {
		observers.m[db] = map[string]func(context.Context, *store.Tx, Entry) error{}
	}
	observers.m[db][name] = f
}

func observe(ctx context.Context, tx *store.Tx, e Entry) error {
	observers.RLock()
	fs := make([]func(context.Context, *store.Tx, Entry) error, 0, len(observers.m[tx.DB()]))
	for _, f := range observers.m[tx.DB()] {
		fs = append(fs, f)
	}
	observers.RUnlock()
	for _, f := range fs {
		if err := f(ctx, tx, e); err != nil {
			return fmt.Errorf("audit: observing %s: %w", e.Action, err)
		}
	}
	return nil
}

// AuditVerifyFailed is recorded when a verification finds the chain broken.
const AuditVerifyFailed = "audit.verification_failed"

// VerifyAndRecord is Verify followed, when the chain is broken, by an
// AuditVerifyFailed entry (target the broken entry) in a transaction of its
// own, which the security contact hears of (package account). The admin
// page, `frontdesk audit verify` and the daily job use it.
func VerifyAndRecord(ctx context.Context, db *store.DB) (*Report, error) {
	rep, err := Verify(ctx, db)
	if err != nil || rep.OK || rep.Broken == nil {
		return rep, err
	}
	b := rep.Broken
	err = db.InTx(ctx, func(tx *store.Tx) error {
		return RecordTx(ctx, tx, Entry{Action: AuditVerifyFailed, TargetType: "audit_entry", TargetID: b.EntryID,
			Data: map[string]any{"seq": b.Seq, "problem": b.Problem, "detail": b.Detail, "checked": rep.Checked}})
	})
	if err != nil {
		return nil, fmt.Errorf("audit: recording a failed verification: %w", err)
	}
	return rep, nil
}
