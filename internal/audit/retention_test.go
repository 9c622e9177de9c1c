package audit_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/audit"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// retentionStart is the pinned clock of the retention tests.
var retentionStart = time.Date(2024, 1, 10, 9, 0, 0, 0, time.UTC)

// agedLog records old entries at retentionStart and recent ones 400 days
// later (the store's clock pinned), and returns their ids and the time the
// test runs at (the day after the recent entries).
func agedLog(t *testing.T, db *store.DB, old, recent int) (oldIDs, recentIDs []int64, now time.Time) {
	t.Helper()
	real := store.Clock()
	t.Cleanup(func() { store.SetClock(real) })
	store.SetClock(func() int64 { return retentionStart.UnixMicro() })
	oldIDs = record(t, db, old)
	later := retentionStart.AddDate(0, 0, 400)
	store.SetClock(func() int64 { return later.UnixMicro() })
	all := record(t, db, recent)
	recentIDs = all[old:]
	now = later.Add(24 * time.Hour)
	store.SetClock(func() int64 { return now.UnixMicro() })
	return oldIDs, recentIDs, now
}

// pruneAt runs a retention run at now keeping days days.
func pruneAt(t *testing.T, db *store.DB, now time.Time, days int) *audit.PruneReport {
	t.Helper()
	cutoff, ok := audit.RetentionCutoff(now, days)
	if !ok {
		t.Fatalf("days %d: no cut-off", days)
	}
	rep, err := audit.Prune(desk.SystemContext(context.Background()), db, cutoff)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func entriesOf(t *testing.T, db *store.DB, action string) []audit.Entry {
	t.Helper()
	es, err := audit.List(desk.SystemContext(context.Background()), db, audit.Filter{Action: action, Asc: true, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return es
}

// A run removes the old entries from the start of the chain, in batches,
// records each batch and the new anchor, and the chain still verifies from
// the anchor; a second run removes nothing and records nothing.
func TestRetentionKeepsTheChainVerifiable(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		defer func(n int) { audit.PruneBatch = n }(audit.PruneBatch)
		audit.PruneBatch = 2
		oldIDs, recentIDs, now := agedLog(t, db, 5, 3)
		ctx := desk.SystemContext(context.Background())
		all, err := audit.List(ctx, db, audit.Filter{Asc: true, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		lastOld := all[4]

		rep := pruneAt(t, db, now, 365)
		if rep.Removed != 5 || rep.AnchorSeq != 6 || rep.AnchorEntryID != oldIDs[4] {
			t.Fatalf("report %+v, want 5 removed, anchor seq 6 after entry %d", rep, oldIDs[4])
		}
		left, err := audit.List(ctx, db, audit.Filter{Asc: true, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range left {
			for _, id := range oldIDs {
				if e.ID == id {
					t.Errorf("old entry %d is still there", id)
				}
			}
		}
		if len(left) != 3+3 || left[0].ID != recentIDs[0] {
			t.Fatalf("left %d entries starting at %d, want the 3 recent ones from %d and 3 run records", len(left), left[0].ID, recentIDs[0])
		}
		// One record per batch (2 + 2 + 1), the last naming the new anchor.
		runs := entriesOf(t, db, audit.AuditPruned)
		if len(runs) != 3 {
			t.Fatalf("%d run records, want 3 (batches of 2)", len(runs))
		}
		last := runs[2].Data
		if last["anchor_seq"] != float64(6) || last["anchor_hash"] != lastOld.Hash || last["anchor_entry_id"] != float64(oldIDs[4]) || last["removed"] != float64(1) {
			t.Errorf("last run record %v, want anchor 6 after entry %d (hash %s)", last, oldIDs[4], lastOld.Hash)
		}
		var anchorSeq, anchorID, anchorAt, prunedAt int64
		var anchorHash string
		if err := db.QueryRow(ctx, `SELECT anchor_seq, anchor_hash, anchor_entry_id, anchor_created_at, pruned_at FROM audit_chain WHERE id = 1`).
			Scan(&anchorSeq, &anchorHash, &anchorID, &anchorAt, &prunedAt); err != nil {
			t.Fatal(err)
		}
		if anchorSeq != 6 || anchorHash != lastOld.Hash || anchorID != oldIDs[4] || anchorAt != retentionStart.UnixMicro() || prunedAt != now.UnixMicro() {
			t.Errorf("anchor %d %s %d %d %d", anchorSeq, anchorHash, anchorID, anchorAt, prunedAt)
		}
		v := verify(t, db)
		if !v.OK || v.AnchorSeq != 6 || v.Checked != 6 {
			t.Fatalf("verify after retention: %+v (%v)", v, v.Broken)
		}
		again := pruneAt(t, db, now, 365)
		if again.Removed != 0 || again.AnchorSeq != 6 {
			t.Errorf("second run %+v, want nothing removed", again)
		}
		if n := len(entriesOf(t, db, audit.AuditPruned)); n != 3 {
			t.Errorf("a run that removed nothing was recorded (%d records)", n)
		}
		// A later run removes the rest of what is old, run records included;
		// the chain still verifies.
		later := now.AddDate(0, 0, 500)
		store.SetClock(func() int64 { return later.UnixMicro() })
		rep = pruneAt(t, db, later, 365)
		if rep.Removed != 6 {
			t.Errorf("later run removed %d, want the 6 entries left", rep.Removed)
		}
		// What is left: this run's three records (batches of 2).
		if v := verify(t, db); !v.OK || v.Checked != 3 || v.AnchorSeq != 12 {
			t.Fatalf("verify after the second retention: %+v (%v)", v, v.Broken)
		}
	})
}

// Outside the retention run's permit, and for every row at or after the
// anchor, the store still refuses DELETE; UPDATE is refused always.
func TestRetentionLeavesTheLogAppendOnly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		oldIDs, recentIDs, now := agedLog(t, db, 3, 2)
		ctx := context.Background()
		refused := func(what, q string, args ...any) {
			t.Helper()
			if _, err := db.Exec(ctx, q, args...); err == nil {
				t.Errorf("%s: the store allowed %s", what, q)
			}
		}
		refused("old entry, no permit", `DELETE FROM audit_log WHERE id = ?`, oldIDs[0])
		refused("update", `UPDATE audit_log SET actor_id = 9 WHERE id = ?`, oldIDs[0])
		refused("all", `DELETE FROM audit_log`)
		pruneAt(t, db, now, 365)
		refused("kept entry, no permit", `DELETE FROM audit_log WHERE id = ?`, recentIDs[0])
		// Even a permit naming every seq lets nothing at or after the anchor go.
		exec(t, db, `INSERT INTO audit_prune (id, upto_seq, upto_legacy_id) VALUES (1, 1000000, 1000000)`)
		refused("kept entry, with a permit", `DELETE FROM audit_log WHERE id = ?`, recentIDs[0])
		refused("update, with a permit", `UPDATE audit_log SET actor_id = 9 WHERE id = ?`, recentIDs[1])
		exec(t, db, `DELETE FROM audit_prune WHERE id = 1`)
		if db.Dialect == store.Postgres {
			refused("truncate", `TRUNCATE audit_log`)
		}
		if v := verify(t, db); !v.OK {
			t.Fatalf("verify: %v", v.Broken)
		}
	})
}

// Tampering with what retention kept is still detected: an edited entry, a
// deleted first entry after the anchor, and an anchor moved by hand to
// hide that deletion.
func TestRetentionStillDetectsTampering(t *testing.T) {
	cases := []struct {
		name    string
		tamper  func(t *testing.T, db *store.DB, kept []audit.Entry)
		entry   int // index into kept of the entry reported, -1: none
		problem string
	}{
		{"edited entry", func(t *testing.T, db *store.DB, kept []audit.Entry) {
			exec(t, db, `UPDATE audit_log SET target_id = 77 WHERE id = ?`, kept[1].ID)
		}, 1, audit.ProblemEdited},
		{"first kept entry deleted", func(t *testing.T, db *store.DB, kept []audit.Entry) {
			exec(t, db, `DELETE FROM audit_log WHERE id = ?`, kept[0].ID)
		}, 1, audit.ProblemMissing},
		{"deleted and the anchor moved past it", func(t *testing.T, db *store.DB, kept []audit.Entry) {
			exec(t, db, `DELETE FROM audit_log WHERE id = ?`, kept[0].ID)
			exec(t, db, `UPDATE audit_chain SET anchor_seq = ?, anchor_hash = ? WHERE id = 1`, kept[1].Seq, kept[0].Hash)
		}, -1, audit.ProblemAnchor},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				_, _, now := agedLog(t, db, 3, 3)
				pruneAt(t, db, now, 365)
				kept, err := audit.List(desk.SystemContext(context.Background()), db, audit.Filter{Asc: true, Limit: 1000})
				if err != nil {
					t.Fatal(err)
				}
				if v := verify(t, db); !v.OK {
					t.Fatalf("verify before tampering: %v", v.Broken)
				}
				unprotect(t, db)
				c.tamper(t, db, kept)
				v := verify(t, db)
				if v.OK || v.Broken == nil {
					t.Fatalf("tampering not detected: %+v", v)
				}
				if v.Broken.Problem != c.problem {
					t.Errorf("problem %s, want %s", v.Broken, c.problem)
				}
				if c.entry >= 0 && v.Broken.EntryID != kept[c.entry].ID {
					t.Errorf("reported %s, want entry %d", v.Broken, kept[c.entry].ID)
				}
			})
		})
	}
}

// A run refuses to remove anything from a broken chain, records the break
// (so the security contact hears of it), and only the system runs it.
func TestRetentionRefusesABrokenChain(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		oldIDs, _, now := agedLog(t, db, 3, 1)
		unprotect(t, db)
		exec(t, db, `UPDATE audit_log SET action = 'group.created' WHERE id = ?`, oldIDs[1])
		cutoff, _ := audit.RetentionCutoff(now, 365)
		_, err := audit.Prune(desk.SystemContext(context.Background()), db, cutoff)
		if !errors.Is(err, audit.ErrChainBroken) || desk.ErrorCode(err) != desk.ECONFLICT {
			t.Fatalf("prune of a broken chain: %v", err)
		}
		if n := len(entriesOf(t, db, audit.AuditPruned)); n != 0 {
			t.Errorf("%d run records after a refused run", n)
		}
		if es := entriesOf(t, db, audit.AuditVerifyFailed); len(es) != 1 || es[0].TargetID != oldIDs[1] {
			t.Errorf("verification failures %+v, want one naming entry %d", es, oldIDs[1])
		}
		var n int
		if err := db.QueryRow(context.Background(), `SELECT COUNT(*) FROM audit_log WHERE id = ?`, oldIDs[0]).Scan(&n); err != nil || n != 1 {
			t.Errorf("old entry gone from a broken chain: %d %v", n, err)
		}
		admin := desk.WithPrincipal(context.Background(), &desk.Principal{UserID: 1, Role: desk.RoleAdmin})
		if _, err := audit.Prune(admin, db, cutoff); desk.ErrorCode(err) != desk.EFORBIDDEN {
			t.Errorf("admin prune: %v", err)
		}
		if _, ok := audit.RetentionCutoff(now, 0); ok {
			t.Error("0 days (keep forever) gave a cut-off")
		}
	})
}

// Entries from before the chain (schema version 41) older than the cut-off
// go too; newer ones stay, and the chain still verifies.
func TestRetentionRemovesOldEntriesFromBeforeTheChain(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		// Two unchained entries, as an upgraded store holds them: one old,
		// one recent (relative to the run below).
		oldAt, newAt := retentionStart.UnixMicro(), retentionStart.AddDate(0, 0, 400).UnixMicro()
		exec(t, db, `INSERT INTO audit_log (created_at, action, target_type) VALUES (?, 'group.created', 'group')`, oldAt)
		exec(t, db, `INSERT INTO audit_log (created_at, action, target_type) VALUES (?, 'group.created', 'group')`, newAt)
		exec(t, db, `UPDATE audit_chain SET legacy_max_id = (SELECT MAX(id) FROM audit_log) WHERE id = 1`)
		_, _, now := agedLog(t, db, 2, 1)
		if v := verify(t, db); !v.OK || v.Legacy != 2 {
			t.Fatalf("before: %+v", v)
		}
		rep := pruneAt(t, db, now, 365)
		if rep.Legacy != 1 || rep.Removed != 2 {
			t.Fatalf("report %+v, want 1 legacy and 2 chained entries removed", rep)
		}
		v := verify(t, db)
		if !v.OK || v.Legacy != 1 {
			t.Fatalf("after: %+v (%v)", v, v.Broken)
		}
		var n int
		if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE seq IS NULL AND created_at = ?`, newAt).Scan(&n); err != nil || n != 1 {
			t.Errorf("the recent legacy entry: %d %v", n, err)
		}
	})
}

// Entries about people keep their personal strings apart (pii.go): the
// retention run checks their hashes with the digest, as Verify does, and
// takes their kept-apart rows with them.
func TestRetentionRemovesPersonalDataOfRemovedEntries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		real := store.Clock()
		t.Cleanup(func() { store.SetClock(real) })
		store.SetClock(func() int64 { return retentionStart.UnixMicro() })
		recordAbout(t, db)
		later := retentionStart.AddDate(0, 0, 400)
		store.SetClock(func() int64 { return later.UnixMicro() })
		record(t, db, 1)
		now := later.Add(24 * time.Hour)
		store.SetClock(func() int64 { return now.UnixMicro() })
		ctx := context.Background()
		count := func(table string) (n int) {
			t.Helper()
			if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if count("audit_pii") == 0 || count("audit_pii_subjects") == 0 {
			t.Fatal("the entries about a person kept nothing apart")
		}
		rep := pruneAt(t, db, now, 365)
		if rep.Removed != 4 {
			t.Fatalf("report %+v, want the 4 entries about the person removed", rep)
		}
		if n, m := count("audit_pii"), count("audit_pii_subjects"); n != 0 || m != 0 {
			t.Fatalf("%d audit_pii and %d audit_pii_subjects rows left of removed entries", n, m)
		}
		if v := verify(t, db); !v.OK {
			t.Fatalf("verify after retention: %+v (%v)", v, v.Broken)
		}
	})
}
