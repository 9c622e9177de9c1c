package ticket

import (
	"context"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
)

// SuspendFunc suspends a user inside a ticket change's transaction
// (people.(*Service).SuspendSpammerTx), with the rules of the people service.
type SuspendFunc func(ctx context.Context, tx *store.Tx, userID int64) error

// MarkAsSpam is Zendesk's mark_as_spam: the ticket's requester is suspended
// (by suspend, which applies the people service's rules) and the ticket
// moves to the deleted list, in one transaction. The caller must be staff
// whose role may delete tickets.
func (s *Service) MarkAsSpam(ctx context.Context, id int64, suspend SuspendFunc) error {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return err
	}
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		old, err := loadVisibleTx(ctx, tx, p, id, false)
		if err != nil {
			return err
		}
		if !p.IsStaff() || !p.Can().DeleteTickets {
			return desk.Forbidden("Your role does not allow marking tickets as spam")
		}
		if err := suspend(ctx, tx, old.RequesterID); err != nil {
			return err
		}
		_, err = s.commit(ctx, tx, &mutation{kind: desk.ChangeSoftDelete, actor: p, before: old, after: cloneTicket(old),
			change: change{events: []desk.AuditEvent{{Type: "Change", FieldName: fieldDeleted, PreviousValue: false, Value: true}}}})
		return err
	})
	if err != nil {
		return wrapf(err, "ticket: mark %d as spam", id)
	}
	return nil
}
