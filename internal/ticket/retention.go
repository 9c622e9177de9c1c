package ticket

import (
	"context"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/jobs"
	"github.com/frontdesk/frontdesk/internal/store"
)

// PermanentDelete removes ticket id for good, whether or not it is in the
// deleted list, through the one commit path (search document, audit-log
// entry, permanent_delete event) and enqueues the removal of its attachment
// files. Only the system may skip the deleted list: it is what data
// retention policies (package retention) call. A ticket already gone is
// NotFound.
func (s *Service) PermanentDelete(ctx context.Context, id int64) error {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return err
	}
	if !p.System {
		return desk.Forbidden("only the system deletes tickets without the deleted list")
	}
	queued := false
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		old, err := loadTx(ctx, tx, id, true)
		if err != nil {
			return err
		}
		queued, err = s.destroyTx(ctx, tx, p, old)
		return err
	})
	if err != nil {
		return wrapf(err, "ticket: permanently delete %d", id)
	}
	if queued {
		s.notifyJobs()
	}
	return nil
}

// EventAttachmentPurge is the audit event of an attachment deleted by a
// data retention policy (Value: the attachment's id).
const EventAttachmentPurge = "AttachmentPurge"

// PurgeAttachments deletes every attachment of ticket id (the rows now, the
// files by JobDeleteBlobs enqueued in the same transaction, so a file goes
// only once nothing points at it) and returns how many went. The comments
// stay; their attachment lists are read from the rows, so they list nothing
// afterwards. The ticket gets one audit with an AttachmentPurge event per
// file, in whatever status it is (retention purges closed tickets). System
// only (retention policies).
func (s *Service) PurgeAttachments(ctx context.Context, id int64) (int, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return 0, err
	}
	if !p.System {
		return 0, desk.Forbidden("only the system purges ticket attachments")
	}
	var keys []string
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		keys = keys[:0]
		rows, err := tx.Query(ctx, `DELETE FROM attachments WHERE ticket_id = ? AND comment_id IS NOT NULL RETURNING id, comment_id, storage_key`, id)
		if err != nil {
			return err
		}
		defer rows.Close()
		var events []desk.AuditEvent
		for rows.Next() {
			var attID, commentID int64
			var k string
			if err := rows.Scan(&attID, &commentID, &k); err != nil {
				return err
			}
			keys = append(keys, k)
			events = append(events, desk.AuditEvent{Type: EventAttachmentPurge, CommentID: commentID, Value: attID})
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		if len(keys) == 0 {
			return nil
		}
		t, err := loadOneTx(ctx, tx, id, true, "")
		if err != nil {
			return err
		}
		if err := s.recordSystemChange(ctx, tx, p, t, events); err != nil {
			return err
		}
		return jobs.Enqueue(ctx, tx, JobDeleteBlobs, keys)
	})
	if err != nil {
		return 0, wrapf(err, "ticket: purge attachments of %d", id)
	}
	if len(keys) > 0 {
		s.notifyJobs()
	}
	return len(keys), nil
}

// recordSystemChange stores t's subject, description and custom field
// values, bumps its version
// and writes one audit with events: the commit of a change the system makes
// to a ticket in any status, closed included, without business rules or
// hooks (erasure, retention). Ticket changes made for people go through
// commit.
func (s *Service) recordSystemChange(ctx context.Context, tx *store.Tx, p *desk.Principal, t *desk.Ticket, events []desk.AuditEvent) error {
	now := store.Now()
	t.Version++
	t.UpdatedAt = desk.TimeFromMicros(now)
	if _, err := tx.Exec(ctx, `UPDATE tickets SET subject = ?, description = ?, custom_fields = ?, version = ?, updated_at = ? WHERE id = ?`,
		t.Subject, t.Description, encodeCustomFields(t.CustomFields), t.Version, now, t.ID); err != nil {
		return err
	}
	_, err := s.writeAudit(ctx, tx, p, t, &change{events: events}, nil, now)
	return err
}
