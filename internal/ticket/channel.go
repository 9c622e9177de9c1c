package ticket

import (
	"context"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
)

// CreateTx opens a ticket inside the caller's transaction, through the same
// path as Create (validation, commit, hooks). Channels use it to write
// their own rows in the ticket's transaction, e.g. the inbound mail's
// Message-ID that keeps a fetched message from making a second ticket.
func (s *Service) CreateTx(ctx context.Context, tx *store.Tx, in Input) (*desk.Ticket, *desk.Audit, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, nil, err
	}
	if in.Comment != nil {
		in.Comment.render()
	}
	t, audit, err := s.createTx(ctx, tx, p, in)
	if err != nil {
		return nil, nil, wrapf(err, "ticket: create")
	}
	return t, audit, nil
}

// LoadTx returns ticket id as stored (deleted tickets are not found), for
// channels deciding where a message belongs. It checks no permission: the
// caller is a trusted channel acting as the system.
func LoadTx(ctx context.Context, q store.Querier, id int64) (*desk.Ticket, error) {
	return loadTx(ctx, q, id, false)
}

// Status is the ticket's status as the edit stands.
func (e *Edit) Status() desk.Status { return e.t.Status }
