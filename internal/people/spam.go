package people

import (
	"context"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/events"
	"github.com/frontdesk/frontdesk/internal/store"
)

// SuspendSpammerTx suspends end-user id inside the caller's transaction:
// the requester of a ticket marked as spam (ticket.MarkAsSpam). The rules
// are those of suspending through UpdateUser: admins, or staff whose role
// may edit end-users; only end-users are suspended this way (an agent who
// raised a ticket is not a spammer to silence). An already suspended user
// is left alone. The user's sessions end and user.updated is published.
func (s *Service) SuspendSpammerTx(ctx context.Context, tx *store.Tx, id int64) error {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return err
	}
	if !p.IsAdmin() && !(p.IsStaff() && p.Can().EditEndUsers) {
		return desk.Forbidden("Your role does not allow suspending end-users")
	}
	cur, err := visibleUser(ctx, tx, p, id)
	if err != nil {
		return err
	}
	if cur.Role != desk.RoleEndUser {
		return desk.Invalid("requester", "is not an end-user; only end-users are suspended as spammers")
	}
	if cur.Suspended {
		return nil
	}
	before := stateOf(cur)
	after := before
	after.Suspended = true
	if err := s.writeUser(ctx, tx, id, before, after, ""); err != nil {
		return err
	}
	return s.changedTx(ctx, tx, events.Event{Type: events.UserUpdated, UserID: id})
}
