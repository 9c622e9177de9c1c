package ticket

import (
	"context"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
)

// MakeCommentPrivate makes an existing comment of the ticket private: the
// customer no longer sees it. It is recorded as a CommentPrivacyChange
// event, as in Zendesk; a comment already private is no change.
func (e *Edit) MakeCommentPrivate(commentID int64) error {
	var public bool
	err := e.tx.QueryRow(e.ctx, `SELECT public FROM ticket_comments WHERE id = ? AND ticket_id = ?`, commentID, e.t.ID).Scan(&public)
	if isNoRows(err) {
		return desk.NotFound()
	}
	if err != nil || !public {
		return err
	}
	pub := false
	e.c.events = append(e.c.events, desk.AuditEvent{Type: "CommentPrivacyChange", CommentID: commentID, Public: &pub})
	e.c.privateComments = append(e.c.privateComments, commentID)
	return nil
}

// MakeCommentPrivate is Zendesk's make_private for one comment, through the
// ticket update path (one audit, one event). Staff whose role may edit
// ticket properties only.
func (s *Service) MakeCommentPrivate(ctx context.Context, ticketID, commentID int64) error {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return err
	}
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		check := func(*desk.Ticket) error {
			if !p.IsStaff() {
				return desk.Forbidden("end users cannot make comments private")
			}
			return nil
		}
		_, _, err := s.editTx(ctx, tx, p, ticketID, check, func(e *Edit) error { return e.MakeCommentPrivate(commentID) })
		return err
	})
	if err != nil {
		return wrapf(err, "ticket: make comment %d of %d private", commentID, ticketID)
	}
	return nil
}
