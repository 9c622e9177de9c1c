package audit

// The hash chain (schema version 41). Every entry carries seq, its place in
// the chain (1, 2, … without gaps), prev_hash, the hash of the entry before
// it, and hash, SHA-256 over a canonical encoding of the entry's stored
// fields and prev_hash. audit_chain's one row is the head: the seq and hash
// of the last entry. A writer locks the head (PostgreSQL: SELECT … FOR
// UPDATE; SQLite has one writer), appends its entries after it and moves it,
// all in the transaction that makes the change, so entries written
// concurrently still form one chain on both stores.
//
// Verify walks the chain in seq order and reports the first link that does
// not hold: an entry whose stored fields no longer give its hash (edited),
// one whose prev_hash is not the hash before it or whose seq skips (an
// entry removed or inserted), entries missing at the end (the head is
// further on), and entries added beside the chain.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
)

// row is an entry encoded for storage, waiting for its transaction's end.
type row struct {
	entry   Entry
	created int64
	details string
	pii     *personal // nil: no personal strings apart (pii.go)
}

type pendingKey struct{}

// pending holds the entries a transaction has recorded so far.
type pending struct{ rows []row }

// queue adds r to tx's pending entries, registering the chain append the
// first time.
func queue(ctx context.Context, tx *store.Tx, r row) {
	if p, ok := tx.Value(pendingKey{}).(*pending); ok {
		p.rows = append(p.rows, r)
		return
	}
	p := &pending{rows: []row{r}}
	tx.SetValue(pendingKey{}, p)
	tx.BeforeCommit(func() error { return appendChain(ctx, tx, p.rows) })
}

// appendChain writes rows after the chain head and moves the head.
func appendChain(ctx context.Context, tx *store.Tx, rows []row) error {
	lock := `SELECT seq, hash FROM audit_chain WHERE id = 1`
	if tx.Dialect() == store.Postgres {
		lock += ` FOR UPDATE`
	}
	var seq int64
	var prev string
	if err := tx.QueryRow(ctx, lock).Scan(&seq, &prev); err != nil {
		return fmt.Errorf("audit: reading the chain head: %w", err)
	}
	written := make([]Entry, 0, len(rows))
	for _, r := range rows {
		seq++
		e := r.entry
		digest := ""
		if r.pii != nil {
			digest = r.pii.digest
		}
		h := entryHash(prev, seq, r.created, e.ActorID, e.Action, e.TargetType, e.TargetID, e.IP, e.UserAgent, r.details, digest)
		id, err := tx.InsertID(ctx, `INSERT INTO audit_log (created_at, actor_id, action, target_type, target_id, ip, user_agent, details, seq, prev_hash, hash)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, r.created, e.ActorID, e.Action, e.TargetType, e.TargetID, e.IP, e.UserAgent, r.details, seq, prev, h)
		if err != nil {
			return fmt.Errorf("audit: recording %s: %w", e.Action, err)
		}
		if r.pii != nil {
			if err := writePersonal(ctx, tx, id, r.pii); err != nil {
				return fmt.Errorf("audit: recording %s: %w", e.Action, err)
			}
		}
		e.ID, e.Seq, e.Hash = id, seq, h
		written = append(written, e)
		prev = h
	}
	if _, err := tx.Exec(ctx, `UPDATE audit_chain SET seq = ?, hash = ? WHERE id = 1`, seq, prev); err != nil {
		return fmt.Errorf("audit: moving the chain head: %w", err)
	}
	db := tx.DB()
	tx.AfterCommit(func() { publish(db, written) })
	return nil
}

// hashVersion names the canonical encoding, so a later one can differ.
const hashVersion = "frontdesk-audit-1"

// entryHash is the hex SHA-256 of the canonical encoding of an entry: a JSON
// array of the encoding's name, the stored fields in a fixed order (details
// exactly as stored) and the previous entry's hash; for an entry whose
// personal strings are kept apart (digest not "", see pii.go) the encoding
// is hashVersionPII and covers their digest too.
func entryHash(prev string, seq, created, actor int64, action, targetType string, targetID int64, ip, userAgent, details, digest string) string {
	fields := []any{hashVersion, seq, created, actor, action, targetType, targetID, ip, userAgent, details, prev}
	if digest != "" {
		fields = append(fields, digest)
		fields[0] = hashVersionPII
	}
	b, _ := json.Marshal(fields)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Problem kinds Verify reports.
const (
	ProblemEdited     = "edited"    // the entry's fields no longer give its hash
	ProblemLink       = "link"      // its prev_hash is not the hash of the entry before it
	ProblemMissing    = "missing"   // entries before it (by seq) are gone
	ProblemTail       = "tail"      // entries at the end of the chain are gone
	ProblemUnchained  = "unchained" // an entry outside the chain, added after it began
	ProblemHeadBroken = "head"      // the chain head does not match the last entry
	ProblemAnchor     = "anchor"    // the anchor was moved other than by a retention run (retention.go)
)

// Report is the outcome of Verify.
type Report struct {
	OK bool `json:"ok"`
	// Checked is how many chained entries were checked; Legacy how many
	// entries predate the chain (schema version 41) and carry no hash.
	Checked int64 `json:"checked"`
	Legacy  int64 `json:"legacy"`
	// AnchorSeq is the seq the chain is verified from (1 unless retention
	// removed older entries).
	AnchorSeq int64 `json:"anchor_seq"`
	// Broken is the first broken link, nil when the chain holds.
	Broken *Broken `json:"broken,omitempty"`
}

// Broken is the first link of the chain that does not hold.
type Broken struct {
	// EntryID and Seq name the entry where the chain breaks (EntryID 0 when
	// the entry itself is gone, at the tail).
	EntryID int64  `json:"entry_id"`
	Seq     int64  `json:"seq"`
	Problem string `json:"problem"`
	Detail  string `json:"detail"`
}

func (b *Broken) String() string {
	return fmt.Sprintf("entry %d (seq %d): %s: %s", b.EntryID, b.Seq, b.Problem, b.Detail)
}

// verifyBatch is how many entries Verify reads at a time.
const verifyBatch = 1000

// Verify checks the whole chain and reports the first broken link. It needs
// manage_security (or the system). A break seen while a retention run moved
// the anchor (the walk is not one snapshot) is checked again from the new
// anchor (retention.go).
func Verify(ctx context.Context, q store.Querier) (*Report, error) {
	if err := requireRead(ctx); err != nil {
		return nil, err
	}
	return verifyRetrying(ctx, q, verifyOnce)
}

func verifyOnce(ctx context.Context, q store.Querier) (*Report, error) {
	var head struct {
		seq, legacyMax, anchorSeq int64
		hash, anchorHash          string
	}
	if err := q.QueryRow(ctx, `SELECT seq, hash, legacy_max_id, anchor_seq, anchor_hash FROM audit_chain WHERE id = 1`).
		Scan(&head.seq, &head.hash, &head.legacyMax, &head.anchorSeq, &head.anchorHash); err != nil {
		return nil, fmt.Errorf("audit: reading the chain head: %w", err)
	}
	rep := &Report{OK: true, AnchorSeq: head.anchorSeq}
	if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE seq IS NULL AND id <= ?`, head.legacyMax).Scan(&rep.Legacy); err != nil {
		return nil, fmt.Errorf("audit: verifying: %w", err)
	}
	fail := func(b Broken) (*Report, error) {
		rep.OK, rep.Broken = false, &b
		return rep, nil
	}
	// An entry outside the chain recorded after it began was not written
	// by Frontdesk.
	var stray int64
	err := q.QueryRow(ctx, `SELECT COALESCE(MIN(id), 0) FROM audit_log WHERE seq IS NULL AND id > ?`, head.legacyMax).Scan(&stray)
	if err != nil {
		return nil, fmt.Errorf("audit: verifying: %w", err)
	}
	wantSeq, prev := head.anchorSeq, head.anchorHash
	for {
		rows, err := q.Query(ctx, `SELECT id, seq, created_at, actor_id, action, target_type, target_id, ip, user_agent, details, prev_hash, hash,
			COALESCE(p.digest, ''), COALESCE(p.salt, ''), COALESCE(p.vals, ''), COALESCE(p.erased_at, 0)
			FROM audit_log LEFT JOIN audit_pii p ON p.entry_id = audit_log.id WHERE seq >= ? ORDER BY seq LIMIT ?`, wantSeq, verifyBatch)
		if err != nil {
			return nil, fmt.Errorf("audit: verifying: %w", err)
		}
		n := 0
		var broken *Broken
		for rows.Next() {
			n++
			var id, seq, created, actor, targetID int64
			var action, targetType, ip, ua, det, prevHash, hash string
			var digest, salt, vals string
			var erasedAt int64
			if err := rows.Scan(&id, &seq, &created, &actor, &action, &targetType, &targetID, &ip, &ua, &det, &prevHash, &hash,
				&digest, &salt, &vals, &erasedAt); err != nil {
				rows.Close()
				return nil, fmt.Errorf("audit: verifying: %w", err)
			}
			if broken != nil {
				continue
			}
			switch {
			case stray != 0 && stray < id:
				broken = &Broken{EntryID: stray, Problem: ProblemUnchained, Detail: "an entry outside the chain was added after the chain began"}
			case seq != wantSeq:
				broken = &Broken{EntryID: id, Seq: seq, Problem: ProblemMissing,
					Detail: fmt.Sprintf("entries %d to %d before it are missing", wantSeq, seq-1)}
			case prevHash != prev:
				broken = &Broken{EntryID: id, Seq: seq, Problem: ProblemLink, Detail: "its previous hash is not the hash of the entry before it"}
			case entryHash(prevHash, seq, created, actor, action, targetType, targetID, ip, ua, det, digest) != hash:
				broken = &Broken{EntryID: id, Seq: seq, Problem: ProblemEdited, Detail: "its contents do not match its hash"}
			case digest != "" && !personalIntact(digest, salt, vals, erasedAt):
				broken = &Broken{EntryID: id, Seq: seq, Problem: ProblemEdited, Detail: "its personal data do not match their digest"}
			}
			if broken != nil {
				continue
			}
			rep.Checked++
			wantSeq, prev = seq+1, hash
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("audit: verifying: %w", err)
		}
		if broken != nil {
			return fail(*broken)
		}
		if n < verifyBatch {
			break
		}
	}
	switch {
	case stray != 0:
		return fail(Broken{EntryID: stray, Problem: ProblemUnchained, Detail: "an entry outside the chain was added after the chain began"})
	case wantSeq-1 < head.seq:
		return fail(Broken{Seq: wantSeq, Problem: ProblemTail, Detail: fmt.Sprintf("entries %d to %d at the end of the chain are missing", wantSeq, head.seq)})
	case wantSeq-1 > head.seq || (head.seq >= head.anchorSeq && prev != head.hash):
		return fail(Broken{Seq: head.seq, Problem: ProblemHeadBroken, Detail: "the chain head does not match the last entry"})
	}
	if b, err := checkAnchor(ctx, q, head.anchorSeq, head.anchorHash); err != nil || b != nil {
		if err != nil {
			return nil, err
		}
		return fail(*b)
	}
	return rep, nil
}

// requireRead allows the system and staff holding manage_security.
func requireRead(ctx context.Context) error {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return err
	}
	if !p.IsStaff() || !p.Can().ManageSecurity {
		return desk.Forbidden("Reading the audit log needs the manage_security permission")
	}
	return nil
}
