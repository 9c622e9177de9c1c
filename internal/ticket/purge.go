package ticket

import (
	"context"
	"fmt"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/jobs"
	"github.com/frontdesk/frontdesk/internal/store"
)

// UploadTTL is how long an upload may wait to be attached to a comment
// before PurgeUnboundUploads removes it. It matches the expires_at that
// CreateUpload promises the client (three days, as Zendesk).
const UploadTTL = 3 * 24 * time.Hour

// purgeBatch bounds one purge transaction.
const purgeBatch = 500

// PurgeUnboundUploads deletes uploads that were never attached to a ticket
// and are older than olderThan, and enqueues the removal of their files
// (JobDeleteBlobs) in the same transaction, so the files go only once the
// rows are gone. An upload bound to a comment meanwhile is kept: the
// DELETE re-checks that it is still unbound. System principal only (the
// recurring purge job); it returns how many uploads went.
func (s *Service) PurgeUnboundUploads(ctx context.Context, olderThan time.Duration) (int64, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return 0, err
	}
	if !p.System {
		return 0, desk.Forbidden("only the system purges uploads")
	}
	cutoff := store.Now() - olderThan.Microseconds()
	var total int64
	for {
		var keys []string
		err := s.DB.InTx(ctx, func(tx *store.Tx) error {
			keys = keys[:0]
			rows, err := tx.Query(ctx, `DELETE FROM attachments
				WHERE id IN (SELECT id FROM attachments WHERE upload_token IS NOT NULL AND comment_id IS NULL AND created_at < ? ORDER BY id LIMIT ?)
				AND upload_token IS NOT NULL AND comment_id IS NULL
				RETURNING storage_key`, cutoff, purgeBatch)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var k string
				if err := rows.Scan(&k); err != nil {
					return err
				}
				keys = append(keys, k)
			}
			if err := rows.Err(); err != nil {
				return err
			}
			rows.Close()
			if len(keys) == 0 {
				return nil
			}
			return jobs.Enqueue(ctx, tx, JobDeleteBlobs, keys)
		})
		if err != nil {
			return total, fmt.Errorf("purge unbound uploads: %w", err)
		}
		total += int64(len(keys))
		if len(keys) > 0 {
			s.notifyJobs()
		}
		if len(keys) < purgeBatch {
			return total, nil
		}
	}
}
