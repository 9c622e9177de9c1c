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
	rows, err := tx.Query(ctx, `SELECT id, to_addr, kind, sealed FROM outbox WHERE sealed <> '' ORDER BY id`)
	if err != nil {
		return 0, fmt.Errorf("outbox: reseal: %w", err)
	}
	var recs []rec
	for rows.Next() {
		var r rec
		if err := rows.Scan(&r.id, &r.to, &r.kind, &r.sealed); err != nil {
			rows.Close()
			return 0, fmt.Errorf("outbox: reseal: %w", err)
		}
		recs = append(recs, r)
	}
	if err := rows.Close(); err != nil {
		return 0, fmt.Errorf("outbox: reseal: %w", err)
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("outbox: reseal: %w", err)
	}
	for i, r := range recs {
		v, err := fn(r.sealed, sealContext(r.to, r.kind))
		if err != nil {
			return i + 1, fmt.Errorf("outbox: message %d: %w", r.id, err)
		}
		if v == r.sealed {
			continue
		}
		if _, err := tx.Exec(ctx, `UPDATE outbox SET sealed = ? WHERE id = ?`, v, r.id); err != nil {
			return i + 1, fmt.Errorf("outbox: reseal: %w", err)
		}
	}
	return len(recs), nil
}
