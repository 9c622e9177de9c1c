package ticket

import (
	"context"

	"github.com/frontdesk/frontdesk/internal/attach"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/jobs"
	"github.com/frontdesk/frontdesk/internal/store"
)

// JobDeleteBlobs removes attachment files of permanently deleted tickets. It
// is a job so the files go only once the rows are gone for good, and a crash
// between the two cannot leave a row pointing at nothing.
const JobDeleteBlobs = attach.JobDeleteBlobs

// Soft delete and restore are recorded in the ticket's audit trail as a
// Change of the pseudo-field "deleted" (false → true, and back), the way
// Zendesk lists system changes: the audits API renders it like any other
// field change, and rules can match it.
const fieldDeleted = "deleted"

// Delete moves a ticket to the deleted-tickets list (staff only).
func (s *Service) Delete(ctx context.Context, id int64) error {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return err
	}
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		return s.softDeleteTx(ctx, tx, p, id, "Your role does not allow deleting tickets", nil)
	})
	if err != nil {
		return wrapf(err, "ticket: delete %d", id)
	}
	return nil
}

// GetDeleted returns a ticket from the deleted list.
func (s *Service) GetDeleted(ctx context.Context, id int64) (*desk.Ticket, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	t, err := getDeletedTx(ctx, s.DB, p, id)
	if err != nil {
		return nil, wrapf(err, "ticket: get deleted %d", id)
	}
	return t, nil
}

func getDeletedTx(ctx context.Context, q store.Querier, p *desk.Principal, id int64) (*desk.Ticket, error) {
	if !p.IsStaff() {
		return nil, desk.NotFound()
	}
	t, err := loadVisibleTx(ctx, q, p, id, true)
	if err != nil {
		return nil, err
	}
	if t.DeletedAt.IsZero() {
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
	err = s.DB.InTx(ctx, func(tx *store.Tx) error { return s.restoreTx(ctx, tx, p, id) })
	if err != nil {
		return wrapf(err, "ticket: restore %d", id)
	}
	return nil
}

// restoreTx restores deleted ticket id in tx, with one audit.
func (s *Service) restoreTx(ctx context.Context, tx *store.Tx, p *desk.Principal, id int64) error {
	old, err := getDeletedTx(ctx, tx, p, id)
	if err != nil {
		return err
	}
	if !p.Can().DeleteTickets {
		return desk.Forbidden("Your role does not allow restoring deleted tickets")
	}
	_, err = s.commit(ctx, tx, &mutation{kind: desk.ChangeRestore, actor: p, before: old, after: cloneTicket(old),
		change: change{events: []desk.AuditEvent{{Type: "Change", FieldName: fieldDeleted, PreviousValue: true, Value: false}}}})
	return err
}

// Destroy permanently deletes a ticket that is already in the deleted list.
// Admins only: it cannot be undone. It goes through commit like every other
// change — hooks run, one permanent_delete event is published — but it
// leaves no audit, since the ticket's audits are deleted with it.
func (s *Service) Destroy(ctx context.Context, id int64) error {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return err
	}
	queued := false
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		queued = false
		old, err := getDeletedTx(ctx, tx, p, id)
		if err != nil {
			return err
		}
		if !p.IsAdmin() || !p.Can().DeleteTickets {
			return desk.Forbidden("only admins can permanently delete tickets")
		}
		queued, err = s.destroyTx(ctx, tx, p, old)
		return err
	})
	if err != nil {
		return wrapf(err, "ticket: destroy %d", id)
	}
	if queued {
		s.notifyJobs()
	}
	return nil
}

// destroyTx permanently deletes the deleted ticket old inside tx, as p (the
// caller has authorized it): incidents lose their link to it, commit removes
// the rows and the search document, and the removal of its attachment files
// is enqueued. It reports whether a job was enqueued.
func (s *Service) destroyTx(ctx context.Context, tx *store.Tx, p *desk.Principal, old *desk.Ticket) (bool, error) {
	keys, err := attachmentKeys(ctx, tx, old.ID)
	if err != nil {
		return false, err
	}
	if err := s.unlinkIncidents(ctx, tx, p, old.ID); err != nil {
		return false, err
	}
	if _, err := s.commit(ctx, tx, &mutation{kind: desk.ChangePermanentDelete, actor: p, before: old}); err != nil {
		return false, err
	}
	if len(keys) == 0 {
		return false, nil
	}
	return true, jobs.Enqueue(ctx, tx, JobDeleteBlobs, keys)
}

func attachmentKeys(ctx context.Context, tx *store.Tx, id int64) ([]string, error) {
	rows, err := tx.Query(ctx, `SELECT storage_key FROM attachments WHERE ticket_id = ?`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var keys []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	return keys, rows.Err()
}

// unlinkIncidents clears the problem link of every incident pointing at a
// problem that is about to be destroyed: incidents lose the link rather
// than block deletion. Each is an ordinary update through commit (its own
// audit and event), whoever may see it, since it follows from the admin's
// deletion and not from a choice about that incident.
func (s *Service) unlinkIncidents(ctx context.Context, tx *store.Tx, p *desk.Principal, problemID int64) error {
	rows, err := tx.Query(ctx, `SELECT id FROM tickets WHERE problem_id = ? ORDER BY id`, problemID)
	if err != nil {
		return err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, id := range ids {
		old, err := loadTx(ctx, tx, id, true)
		if err != nil {
			return err
		}
		t := cloneTicket(old)
		t.ProblemID = nil
		c := change{}
		c.set("problem_id", problemID, nil)
		if _, err := s.commit(ctx, tx, &mutation{kind: desk.ChangeUpdate, actor: p, before: old, after: t, change: c}); err != nil {
			return err
		}
	}
	return nil
}

// MayDelete reports whether p's role may move tickets to the deleted list
// (and so mark them as spam).
func MayDelete(p *desk.Principal) bool { return p.IsStaff() && p.Can().DeleteTickets }

// softDeleteTx moves ticket id to the deleted list through commit, as p. A
// role that may not delete gets forbidden; first, when set, runs on the
// loaded ticket before the change (mark as spam suspends the requester).
func (s *Service) softDeleteTx(ctx context.Context, tx *store.Tx, p *desk.Principal, id int64, forbidden string, first func(old *desk.Ticket) error) error {
	old, err := loadVisibleTx(ctx, tx, p, id, false)
	if err != nil {
		return err
	}
	if !MayDelete(p) {
		return desk.Forbidden(forbidden)
	}
	if first != nil {
		if err := first(old); err != nil {
			return err
		}
	}
	_, err = s.commit(ctx, tx, &mutation{kind: desk.ChangeSoftDelete, actor: p, before: old, after: cloneTicket(old),
		change: change{events: []desk.AuditEvent{{Type: "Change", FieldName: fieldDeleted, PreviousValue: false, Value: true}}}})
	return err
}
