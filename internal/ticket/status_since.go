package ticket

import (
	"context"
	"fmt"

	"github.com/frontdesk/frontdesk/internal/store"
)

// stampBatch is how many tickets StampStatusSince stamps per transaction.
const stampBatch = 1000

// StampStatusSince gives tickets stored before migration 32 (their
// status_updated_at is 0) their last update time as the time their status
// last changed, in batches; the server runs it at start-up, before the
// automations that read the column. It records no audit: the ticket did not
// change, a derived column was filled. Rows written since carry the stamp
// already, so a later run finds nothing (through a partial index).
func (s *Service) StampStatusSince(ctx context.Context) (int64, error) {
	var total int64
	for {
		var n int64
		err := s.DB.InTx(ctx, func(tx *store.Tx) error {
			res, err := tx.Exec(ctx, fmt.Sprintf(`UPDATE tickets SET status_updated_at = CASE WHEN updated_at > 0 THEN updated_at ELSE 1 END
				WHERE id IN (SELECT id FROM tickets WHERE status_updated_at = 0 ORDER BY id LIMIT %d)`, stampBatch))
			if err != nil {
				return err
			}
			n, err = res.RowsAffected()
			return err
		})
		if err != nil {
			return total, fmt.Errorf("ticket: stamping status times: %w", err)
		}
		total += n
		if n < stampBatch {
			return total, nil
		}
	}
}
