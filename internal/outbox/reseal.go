package outbox

import (
	"context"
	"fmt"

	"github.com/frontdesk/frontdesk/internal/store"
)

// ResealTx passes every sealed message body in the outbox with its
// sealing context to fn, and stores what fn returns where it differs,
// inside tx. It returns how many sealed values it passed. Key rotation
// uses it to re-seal under a new key.
func ResealTx(ctx context.Context, tx *store.Tx, fn func(sealed, context string) (string, error)) (int, error) {
	type rec struct {
		id               int64
		to, kind, sealed string
	}
	// In pages by id: the outbox keeps every message's body, so it can be
	// far larger than memory should hold at once.
	const page = 500
	n := 0
	for after := int64(0); ; {
		rows, err := tx.Query(ctx, `SELECT id, to_addr, kind, sealed FROM outbox WHERE sealed <> '' AND id > ? ORDER BY id LIMIT ?`, after, page)
		if err != nil {
			return n, fmt.Errorf("outbox: reseal: %w", err)
		}
		var recs []rec
		for rows.Next() {
			var r rec
			if err := rows.Scan(&r.id, &r.to, &r.kind, &r.sealed); err != nil {
				rows.Close()
				return n, fmt.Errorf("outbox: reseal: %w", err)
			}
			recs = append(recs, r)
		}
		if err := rows.Close(); err != nil {
			return n, fmt.Errorf("outbox: reseal: %w", err)
		}
		if err := rows.Err(); err != nil {
			return n, fmt.Errorf("outbox: reseal: %w", err)
		}
		for _, r := range recs {
			n++
			v, err := fn(r.sealed, sealContext(r.to, r.kind))
			if err != nil {
				return n, fmt.Errorf("outbox: message %d: %w", r.id, err)
			}
			if v == r.sealed {
				continue
			}
			if _, err := tx.Exec(ctx, `UPDATE outbox SET sealed = ? WHERE id = ?`, v, r.id); err != nil {
				return n, fmt.Errorf("outbox: reseal: %w", err)
			}
		}
		if len(recs) < page {
			return n, nil
		}
		after = recs[len(recs)-1].id
	}
}
