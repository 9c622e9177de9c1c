package audit

// Personal data in the audit log, kept apart so an erasure can remove it
// without breaking the hash chain (crypto-shredding; schema version 46).
//
// An entry about people — a user target, a "user_id" in its data, or the
// users its recorder lists in Subjects — has every string of its changes
// and data (but those under keysKept, which name no one) moved into an
// audit_pii row at record time: audit_log.details keeps {"$pii": n} in
// their place, audit_pii.vals the strings as a JSON array, with a random
// salt and digest = SHA-256(salt ‖ vals). The chained hash covers details
// and the digest (encoding hashVersionPII), not the strings. Reading an
// entry puts the strings back. EraseSubjectTx blanks vals and salt of
// every entry about a user: the digest stays, so every hash still
// verifies, the salt is gone, so the digest tells nothing of what was
// there, and the strings show as "erased user #id". Verify still detects
// an edited string (its digest no longer matches), an edited digest (the
// hash no longer matches) and a removed audit_pii row (the entry's hash
// then no longer matches under the plain encoding).

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/frontdesk/frontdesk/internal/store"
)

// hashVersionPII is the canonical encoding of an entry whose personal
// strings live in audit_pii: the hash covers their digest.
const hashVersionPII = "frontdesk-audit-2"

// piiKey marks a string moved to audit_pii: {"$pii": index into vals}.
const piiKey = "$pii"

// keysKept are data and change keys whose string values name no one; they
// stay in the chained details (and survive an erasure).
var keysKept = map[string]bool{
	"role": true, "scope": true, "status": true, "via": true, "type": true, "action": true,
	"permission": true, "locale": true, "reason": true, "reasons": true, "result": true, "kind": true,
}

// personal is what an entry keeps in audit_pii.
type personal struct {
	subjects []int64
	vals     []string
	salt     string
	digest   string
}

// subjectsOf lists the users e is about.
func subjectsOf(e Entry) []int64 {
	ids := slices.Clone(e.Subjects)
	if e.TargetType == "user" && e.TargetID > 0 {
		ids = append(ids, e.TargetID)
	}
	switch v := e.Data["user_id"].(type) {
	case int64:
		ids = append(ids, v)
	case int:
		ids = append(ids, int64(v))
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	return slices.DeleteFunc(ids, func(id int64) bool { return id <= 0 })
}

// splitPersonal returns the changes and data of e with their personal
// strings replaced by placeholders, and those strings (nil when e is about
// no one or holds no such string).
func splitPersonal(e Entry) (map[string]Change, map[string]any, *personal, error) {
	subjects := subjectsOf(e)
	if len(subjects) == 0 {
		return e.Changes, e.Data, nil, nil
	}
	p := &personal{subjects: subjects}
	var walk func(key string, v any) any
	walk = func(key string, v any) any {
		switch x := v.(type) {
		case string:
			if keysKept[key] || x == "" {
				return x
			}
			p.vals = append(p.vals, x)
			return map[string]any{piiKey: len(p.vals) - 1}
		case []string:
			out := make([]any, len(x))
			for i := range x {
				out[i] = walk(key, x[i])
			}
			return out
		case []any:
			out := make([]any, len(x))
			for i := range x {
				out[i] = walk(key, x[i])
			}
			return out
		case map[string]any:
			out := make(map[string]any, len(x))
			for k, v := range x {
				out[k] = walk(k, v)
			}
			return out
		}
		return v
	}
	var changes map[string]Change
	if e.Changes != nil {
		changes = make(map[string]Change, len(e.Changes))
		for _, k := range slices.Sorted(mapKeys(e.Changes)) {
			c := e.Changes[k]
			changes[k] = Change{Before: walk(k, c.Before), After: walk(k, c.After)}
		}
	}
	var data map[string]any
	if e.Data != nil {
		data = make(map[string]any, len(e.Data))
		for _, k := range slices.Sorted(mapKeys(e.Data)) {
			data[k] = walk(k, e.Data[k])
		}
	}
	if len(p.vals) == 0 {
		return e.Changes, e.Data, nil, nil
	}
	vals, err := json.Marshal(p.vals)
	if err != nil {
		return nil, nil, nil, err
	}
	salt := make([]byte, 32)
	if _, err := rand.Read(salt); err != nil {
		return nil, nil, nil, err
	}
	p.salt = hex.EncodeToString(salt)
	p.digest = piiDigest(p.salt, string(vals))
	return changes, data, p, nil
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// piiDigest is the hex SHA-256 of salt (hex) and vals (the JSON array).
func piiDigest(salt, vals string) string {
	b, _ := json.Marshal([]string{hashVersionPII, salt, vals})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// writePersonal stores p for the entry id, inside tx.
func writePersonal(ctx context.Context, tx *store.Tx, id int64, p *personal) error {
	vals, err := json.Marshal(p.vals)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO audit_pii (entry_id, digest, salt, vals) VALUES (?, ?, ?, ?)`, id, p.digest, p.salt, string(vals)); err != nil {
		return err
	}
	for _, u := range p.subjects {
		if _, err := tx.Exec(ctx, `INSERT INTO audit_pii_subjects (user_id, entry_id) VALUES (?, ?)`, u, id); err != nil {
			return err
		}
	}
	return nil
}

// personalIntact reports whether an entry's audit_pii row still matches
// its digest (an erased row, with no salt and no strings, does).
func personalIntact(digest, salt, vals string, erasedAt int64) bool {
	if erasedAt != 0 {
		return salt == "" && vals == ""
	}
	return piiDigest(salt, vals) == digest
}

// restorePersonal puts an entry's personal strings back in place of their
// placeholders; once erased (or when vals cannot be read) each shows as
// "erased user #id".
func restorePersonal(e *Entry, vals string, erasedAt int64) {
	var strs []string
	if erasedAt == 0 && vals != "" {
		_ = json.Unmarshal([]byte(vals), &strs)
	}
	erased := ErasedText(*e)
	var walk func(v any) any
	walk = func(v any) any {
		switch x := v.(type) {
		case []any:
			for i := range x {
				x[i] = walk(x[i])
			}
		case map[string]any:
			if n, ok := x[piiKey].(float64); ok && len(x) == 1 {
				if i := int(n); i >= 0 && i < len(strs) {
					return strs[i]
				}
				return erased
			}
			for k := range x {
				x[k] = walk(x[k])
			}
		}
		return v
	}
	for k, c := range e.Changes {
		e.Changes[k] = Change{Before: walk(c.Before), After: walk(c.After)}
	}
	for k, v := range e.Data {
		e.Data[k] = walk(v)
	}
}

// ErasedText is what an erased personal string of e shows as.
func ErasedText(e Entry) string {
	id := int64(0)
	if n, ok := e.Data["user_id"].(float64); ok {
		id = int64(n)
	} else if e.TargetType == "user" {
		id = e.TargetID
	}
	return fmt.Sprintf("erased user #%d", id)
}

// EraseSubjectTx erases, inside tx, the personal strings of every audit
// entry about userID (package people calls it when a user is permanently
// deleted), and returns how many entries it erased. The entries, their
// hashes and the chain stay whole.
func EraseSubjectTx(ctx context.Context, tx *store.Tx, userID int64) (int64, error) {
	res, err := tx.Exec(ctx, `UPDATE audit_pii SET salt = '', vals = '', erased_at = ?
		WHERE erased_at = 0 AND entry_id IN (SELECT entry_id FROM audit_pii_subjects WHERE user_id = ?)`, store.Now(), userID)
	if err != nil {
		return 0, fmt.Errorf("audit: erasing the personal data of user %d: %w", userID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("audit: erasing the personal data of user %d: %w", userID, err)
	}
	return n, nil
}
