package outbox

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/frontdesk/frontdesk/internal/audit"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
)

// Retry puts message id, which delivery gave up on, back in the queue
// (admins only): due at once, with its attempts counted afresh so it gets
// the whole back-off again. Its last error stays until the next attempt.
// The audit log records who asked. A message that has not failed (waiting,
// retrying or sent) is desk.Invalid; one that cannot be delivered at all
// (queued before messages were sealed) too.
func (o *Outbox) Retry(ctx context.Context, id int64) error {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return err
	}
	if !p.IsAdmin() {
		return desk.Forbidden("Only admins can retry outgoing mail")
	}
	return o.DB.InTx(ctx, func(tx *store.Tx) error {
		var to, kind, lastError, sealedBody string
		var sent, failed int64
		var attempts int
		err := tx.QueryRow(ctx, `SELECT to_addr, kind, sent_at, failed_at, attempts, last_error, sealed FROM outbox WHERE id = ?`, id).
			Scan(&to, &kind, &sent, &failed, &attempts, &lastError, &sealedBody)
		if errors.Is(err, sql.ErrNoRows) {
			return desk.NotFound()
		}
		if err != nil {
			return fmt.Errorf("outbox: retry %d: %w", id, err)
		}
		if sent != 0 || failed == 0 {
			return desk.Invalid("id", "only a message whose delivery failed can be retried")
		}
		if sealedBody == "" {
			return desk.Invalid("id", "was queued before messages were kept deliverable and cannot be sent")
		}
		now := time.Now()
		if _, err := tx.Exec(ctx, `UPDATE outbox SET failed_at = ?, attempts = ?, next_attempt_at = ? WHERE id = ? AND failed_at = ? AND sent_at = ?`,
			0, 0, now.UnixMicro(), id, failed, 0); err != nil {
			return fmt.Errorf("outbox: retry %d: %w", id, err)
		}
		return audit.RecordTx(ctx, tx, audit.Entry{Action: "outbox.retried", TargetType: "outbox_message", TargetID: id,
			Changes: map[string]audit.Change{"failed_at": {Before: time.UnixMicro(failed).UTC().Format(time.RFC3339), After: nil},
				"attempts": {Before: attempts, After: 0}},
			Data: map[string]any{"to": to, "kind": kind, "last_error": lastError}})
	})
}
