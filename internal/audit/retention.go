package audit

// Retention of the audit log itself (issue P9: "retention of the audit log
// itself is a separate, longer setting", audit.retention_days). A run
// removes the entries older than the cut-off from the START of the hash
// chain only, and moves the chain's anchor (audit_chain: the first kept
// seq, the hash before it, the last removed entry's id and time) past
// them, so Verify starts from the anchor and still passes over what is
// kept. Entries from before the chain (schema version 41) older than the
// cut-off go too.
//
// The store refuses DELETE on audit_log but for one narrow case (schema
// version 48): rows covered by the permit in audit_prune that also lie
// before the anchor. Prune writes the permit, moves the anchor, deletes and
// removes the permit again in one transaction, together with an
// AuditPruned entry naming what went and the new anchor, so the removal and
// its record commit together. The security contact hears of each run
// (package account).
//
// Verify also checks the anchor against the newest AuditPruned entry: an
// anchor moved by anything else (someone with the database deleting the
// first entries and moving the anchor after them) is reported.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
)

// AuditPruned is recorded by each transaction of a retention run of the
// audit log (target: the audit log's anchor, "audit_log" 0).
const AuditPruned = "audit_log.retention_run"

// PruneBatch is the most entries one transaction of a run removes; a run
// goes on with the next transaction until nothing older than the cut-off is
// left.
var PruneBatch = 10000

// PruneReport sums up a retention run of the audit log.
type PruneReport struct {
	Cutoff desk.Time `json:"cutoff"`
	// Removed counts the chained entries removed, Legacy the entries from
	// before the chain.
	Removed int64 `json:"removed"`
	Legacy  int64 `json:"legacy"`
	// AnchorSeq is the first seq kept after the run; AnchorEntryID the id of
	// the last entry removed (0 when none ever was).
	AnchorSeq     int64 `json:"anchor_seq"`
	AnchorEntryID int64 `json:"anchor_entry_id"`
}

// ErrChainBroken is returned (with a desk.ECONFLICT code) by Prune when the
// chain does not verify: nothing is removed from a log whose tampering
// would be hidden by removing the evidence.
var ErrChainBroken = desk.Errorf(desk.ECONFLICT, "the audit log's hash chain is broken; nothing was removed")

// Prune removes the entries created before cutoff from the start of the
// chain (system only: the daily job). It first verifies the chain (as
// VerifyAndRecord, so a broken chain is recorded and the security contact
// told) and refuses to remove anything from a broken one.
func Prune(ctx context.Context, db *store.DB, cutoff time.Time) (*PruneReport, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	if !p.System {
		return nil, desk.Forbidden("Only the system removes audit-log entries, by the audit.retention_days setting")
	}
	rep := &PruneReport{Cutoff: desk.TimeFromMicros(cutoff.UnixMicro())}
	v, err := VerifyAndRecord(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("audit: retention: %w", err)
	}
	if !v.OK {
		return rep, fmt.Errorf("audit: retention: %w (%s)", ErrChainBroken, v.Broken)
	}
	for {
		var done bool
		err := db.InTx(ctx, func(tx *store.Tx) error {
			var err error
			done, err = pruneBatch(ctx, tx, cutoff.UnixMicro(), rep)
			return err
		})
		if err != nil {
			return rep, err
		}
		if done {
			return rep, nil
		}
	}
}

// pruneBatch removes up to PruneBatch entries from the start of the chain
// in tx and records what it removed; done is true when nothing older than
// cutoff is left after it.
func pruneBatch(ctx context.Context, tx *store.Tx, cutoff int64, rep *PruneReport) (done bool, err error) {
	lock := `SELECT seq, legacy_max_id, anchor_seq, anchor_hash, anchor_entry_id FROM audit_chain WHERE id = 1`
	if tx.Dialect() == store.Postgres {
		lock += ` FOR UPDATE`
	}
	var head struct{ seq, legacyMax, anchorSeq, anchorID int64 }
	var anchorHash string
	if err := tx.QueryRow(ctx, lock).Scan(&head.seq, &head.legacyMax, &head.anchorSeq, &anchorHash, &head.anchorID); err != nil {
		return false, fmt.Errorf("audit: retention: reading the chain head: %w", err)
	}
	// The chained entries to remove: from the anchor on, in seq order, as
	// long as they are older than the cut-off. Each is checked as Verify
	// would, so no break is ever removed.
	rows, err := tx.Query(ctx, `SELECT id, seq, created_at, actor_id, action, target_type, target_id, ip, user_agent, details, prev_hash, hash,
		COALESCE(p.digest, '') FROM audit_log LEFT JOIN audit_pii p ON p.entry_id = audit_log.id
		WHERE seq >= ? ORDER BY seq LIMIT ?`, head.anchorSeq, PruneBatch+1)
	if err != nil {
		return false, fmt.Errorf("audit: retention: %w", err)
	}
	wantSeq, prev := head.anchorSeq, anchorHash
	var lastID, lastCreated int64
	var n int
	more := false
	for rows.Next() {
		var id, seq, created, actor, targetID int64
		var action, targetType, ip, ua, det, prevHash, hash, digest string
		if err := rows.Scan(&id, &seq, &created, &actor, &action, &targetType, &targetID, &ip, &ua, &det, &prevHash, &hash, &digest); err != nil {
			rows.Close()
			return false, fmt.Errorf("audit: retention: %w", err)
		}
		if created >= cutoff {
			break
		}
		if n == PruneBatch {
			more = true
			break
		}
		if seq != wantSeq || prevHash != prev || entryHash(prevHash, seq, created, actor, action, targetType, targetID, ip, ua, det, digest) != hash {
			rows.Close()
			return false, fmt.Errorf("audit: retention: entry %d (seq %d): %w", id, seq, ErrChainBroken)
		}
		n++
		wantSeq, prev, lastID, lastCreated = seq+1, hash, id, created
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return false, fmt.Errorf("audit: retention: %w", err)
	}
	var legacy int64
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE seq IS NULL AND id <= ? AND created_at < ?`, head.legacyMax, cutoff).Scan(&legacy); err != nil {
		return false, fmt.Errorf("audit: retention: %w", err)
	}
	if n == 0 && legacy == 0 {
		rep.AnchorSeq, rep.AnchorEntryID = head.anchorSeq, head.anchorID
		return true, nil
	}
	now := store.Now()
	// The permit, then the anchor, then the removal: the store lets a
	// DELETE through only for rows the permit covers before the anchor.
	if _, err := tx.Exec(ctx, `INSERT INTO audit_prune (id, upto_seq, upto_legacy_id) VALUES (1, ?, ?)`, wantSeq-1, head.legacyMax); err != nil {
		return false, fmt.Errorf("audit: retention: permit: %w", err)
	}
	anchorID, anchorCreated := head.anchorID, int64(0)
	if n > 0 {
		anchorID, anchorCreated = lastID, lastCreated
		if _, err := tx.Exec(ctx, `UPDATE audit_chain SET anchor_seq = ?, anchor_hash = ?, anchor_entry_id = ?, anchor_created_at = ?, pruned_at = ? WHERE id = 1`,
			wantSeq, prev, lastID, lastCreated, now); err != nil {
			return false, fmt.Errorf("audit: retention: moving the anchor: %w", err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM audit_log WHERE seq IS NOT NULL AND seq < ?`, wantSeq); err != nil {
			return false, fmt.Errorf("audit: retention: removing entries: %w", err)
		}
	}
	if legacy > 0 {
		if _, err := tx.Exec(ctx, `DELETE FROM audit_log WHERE seq IS NULL AND id <= ? AND created_at < ?`, head.legacyMax, cutoff); err != nil {
			return false, fmt.Errorf("audit: retention: removing entries from before the chain: %w", err)
		}
	}
	// The personal data kept apart for the entries removed (pii.go) goes
	// with them.
	for _, table := range []string{"audit_pii", "audit_pii_subjects"} {
		if _, err := tx.Exec(ctx, `DELETE FROM `+table+` WHERE entry_id <= ? AND NOT EXISTS (SELECT 1 FROM audit_log l WHERE l.id = `+table+`.entry_id)`,
			max(lastID, head.legacyMax)); err != nil {
			return false, fmt.Errorf("audit: retention: removing personal data of removed entries: %w", err)
		}
	}
	if _, err := tx.Exec(ctx, `DELETE FROM audit_prune WHERE id = 1`); err != nil {
		return false, fmt.Errorf("audit: retention: permit: %w", err)
	}
	rep.Removed += int64(n)
	rep.Legacy += legacy
	rep.AnchorSeq, rep.AnchorEntryID = wantSeq, anchorID
	data := map[string]any{"removed": n, "legacy_removed": legacy, "cutoff": cutoff,
		"anchor_seq": wantSeq, "anchor_hash": prev, "anchor_entry_id": anchorID}
	if anchorCreated != 0 {
		data["anchor_created_at"] = anchorCreated
	}
	if err := RecordTx(ctx, tx, Entry{Action: AuditPruned, TargetType: "audit_log", Data: data}); err != nil {
		return false, err
	}
	return !more, nil
}

// RetentionCutoff is the cut-off of a run at now keeping days days (0:
// keep forever, ok false).
func RetentionCutoff(now time.Time, days int) (cutoff time.Time, ok bool) {
	if days <= 0 {
		return time.Time{}, false
	}
	return now.AddDate(0, 0, -days), true
}

// errAnchor is the Detail of an anchor no retention run set.
const errAnchor = "the chain's anchor was moved, but not by a retention run of the audit log"

// checkAnchor reports an anchor past the chain's start that the newest
// AuditPruned entry does not name: only a retention run moves it, and each
// one records where it left it (in an entry after the anchor, so it is
// itself verified).
func checkAnchor(ctx context.Context, q store.Querier, anchorSeq int64, anchorHash string) (*Broken, error) {
	if anchorSeq <= 1 && anchorHash == "" {
		return nil, nil
	}
	e, err := scanEntry(q.QueryRow(ctx, `SELECT `+entryColumns+entryTables+` WHERE action = ? AND seq >= ? ORDER BY seq DESC LIMIT 1`,
		AuditPruned, anchorSeq))
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("audit: verifying the anchor: %w", err)
	}
	if err == nil && toSeq(e.Data["anchor_seq"]) == anchorSeq && e.Data["anchor_hash"] == anchorHash {
		return nil, nil
	}
	return &Broken{Seq: anchorSeq, Problem: ProblemAnchor, Detail: errAnchor}, nil
}

func toSeq(v any) int64 {
	switch n := v.(type) {
	case float64:
		return int64(n)
	case int64:
		return n
	case int:
		return int64(n)
	}
	return -1
}

// verifyRetrying runs verify again, up to three times, while a broken
// report coincides with an anchor that moved during the walk: a retention
// run removed the start of the chain under it, which is no break.
func verifyRetrying(ctx context.Context, q store.Querier, verify func(context.Context, store.Querier) (*Report, error)) (*Report, error) {
	for try := 0; ; try++ {
		rep, err := verify(ctx, q)
		if err != nil || rep.OK || try == 2 {
			return rep, err
		}
		var anchor int64
		if err := q.QueryRow(ctx, `SELECT anchor_seq FROM audit_chain WHERE id = 1`).Scan(&anchor); err != nil {
			return nil, fmt.Errorf("audit: verifying: %w", err)
		}
		if anchor == rep.AnchorSeq {
			return rep, nil
		}
	}
}
