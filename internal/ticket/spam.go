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
		return s.softDeleteTx(ctx, tx, p, id, "Your role does not allow marking tickets as spam",
			func(old *desk.Ticket) error { return suspend(ctx, tx, old.RequesterID) })
	})
	if err != nil {
		return wrapf(err, "ticket: mark %d as spam", id)
	}
	return nil
}
