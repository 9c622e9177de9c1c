package audit

import (
	"context"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// A break seen by a walk that a retention run overtook (the anchor moved
// since the walk read it) is checked again; a break with the anchor where
// the walk found it is reported at once.
func TestVerifyRetriesWhenTheAnchorMoved(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := desk.SystemContext(context.Background())
		real := store.Clock()
		defer func() { store.SetClock(real) }()
		old := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
		store.SetClock(func() int64 { return old.UnixMicro() })
		for range 3 {
			if err := db.InTx(ctx, func(tx *store.Tx) error {
				return RecordTx(ctx, tx, Entry{Action: "group.updated", TargetType: "group", TargetID: 1})
			}); err != nil {
				t.Fatal(err)
			}
		}
		store.SetClock(real)
		// The walk "began" before this run: it saw anchor 1 and a gap.
		if _, err := Prune(ctx, db, old.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		stale := &Report{OK: false, AnchorSeq: 1, Broken: &Broken{Seq: 4, Problem: ProblemMissing}}
		calls := 0
		rep, err := verifyRetrying(ctx, db, func(ctx context.Context, q store.Querier) (*Report, error) {
			calls++
			if calls == 1 {
				return stale, nil
			}
			return verifyOnce(ctx, q)
		})
		if err != nil || !rep.OK || calls != 2 || rep.AnchorSeq != 4 {
			t.Fatalf("report %+v (%v) after %d walks, want OK from anchor 4 after 2", rep, err, calls)
		}
		// The anchor where the walk saw it: the break stands.
		calls = 0
		broken := &Report{OK: false, AnchorSeq: 4, Broken: &Broken{Seq: 5, Problem: ProblemEdited}}
		rep, err = verifyRetrying(ctx, db, func(context.Context, store.Querier) (*Report, error) { calls++; return broken, nil })
		if err != nil || rep != broken || calls != 1 {
			t.Fatalf("report %+v (%v) after %d walks, want the break after 1", rep, err, calls)
		}
	})
}
