package ticket

import (
	"context"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/events"
	"github.com/frontdesk/frontdesk/internal/jobs"
	"github.com/frontdesk/frontdesk/internal/store"
)

// JobDeleteBlobs removes attachment files of permanently deleted tickets. It
// is a job so the files go only once the rows are gone for good, and a crash
// between the two cannot leave a row pointing at nothing.
const JobDeleteBlobs = "attachments.delete_blobs"

// Delete moves a ticket to the deleted-tickets list (staff only).
func (s *Service) Delete(ctx context.Context, id int64) error {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return err
	}
	if _, err := s.Get(ctx, id); err != nil {
		return err
	}
	if !p.IsStaff() || !p.Can().DeleteTickets {
		return desk.Forbidden("Your role does not allow deleting tickets")
	}
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE tickets SET deleted_at = ?, updated_at = ? WHERE id = ? AND deleted_at = 0`, store.Now(), store.Now(), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return desk.NotFound()
		}
		if err := tx.DeleteSearchDoc(ctx, "ticket_search", id); err != nil {
			return err
		}
		return s.Events.PublishTx(ctx, tx, events.Event{Type: events.TicketDeleted, TicketID: id, ActorID: p.UserID})
	})
}

// GetDeleted returns a ticket from the deleted list.
func (s *Service) GetDeleted(ctx context.Context, id int64) (*desk.Ticket, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	if !p.IsStaff() {
		return nil, desk.NotFound()
	}
	t, err := loadTx(ctx, s.DB, id, true)
	if err != nil {
		return nil, err
	}
	if t.DeletedAt.IsZero() || !canSeeTx(ctx, s.DB, p, t) {
		return nil, desk.NotFound()
	}
	return t, nil
}

// Restore brings a soft-deleted ticket back (roles that may delete
// tickets).
func (s *Service) Restore(ctx context.Context, id int64) error {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return err
	}
	if _, err := s.GetDeleted(ctx, id); err != nil {
		return err
	}
	if !p.Can().DeleteTickets {
		return desk.Forbidden("Your role does not allow restoring deleted tickets")
	}
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE tickets SET deleted_at = 0, updated_at = ? WHERE id = ?`, store.Now(), id); err != nil {
			return err
		}
		t, err := loadTx(ctx, tx, id, false)
		if err != nil {
			return err
		}
		return s.reindexFromComments(ctx, tx, t)
	})
}

// Destroy permanently deletes a ticket that is already in the deleted list.
// Admins only: it cannot be undone.
func (s *Service) Destroy(ctx context.Context, id int64) error {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return err
	}
	if _, err := s.GetDeleted(ctx, id); err != nil {
		return err
	}
	if !p.IsAdmin() || !p.Can().DeleteTickets {
		return desk.Forbidden("only admins can permanently delete tickets")
	}
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(ctx, `SELECT storage_key FROM attachments WHERE ticket_id = ?`, id)
		if err != nil {
			return err
		}
		var keys []string
		for rows.Next() {
			var k string
			if err := rows.Scan(&k); err != nil {
				rows.Close()
				return err
			}
			keys = append(keys, k)
		}
		rows.Close()
		// Incidents pointing here lose the link rather than block deletion.
		if _, err := tx.Exec(ctx, `UPDATE tickets SET problem_id = NULL WHERE problem_id = ?`, id); err != nil {
			return err
		}
		for _, stmt := range []string{
			`DELETE FROM attachments WHERE ticket_id = ?`,
			`DELETE FROM ticket_comments WHERE ticket_id = ?`,
			`DELETE FROM ticket_audits WHERE ticket_id = ?`,
			`DELETE FROM ticket_tags WHERE ticket_id = ?`,
			`DELETE FROM ticket_collaborators WHERE ticket_id = ?`,
			`DELETE FROM tickets WHERE id = ?`,
		} {
			if _, err := tx.Exec(ctx, stmt, id); err != nil {
				return err
			}
		}
		if err := tx.DeleteSearchDoc(ctx, "ticket_search", id); err != nil {
			return err
		}
		if len(keys) > 0 {
			return jobs.Enqueue(ctx, tx, JobDeleteBlobs, keys)
		}
		return nil
	})
	if err == nil {
		s.notifyJobs()
	}
	return err
}
