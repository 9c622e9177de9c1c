package ticket

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/events"
	"github.com/frontdesk/frontdesk/internal/store"
)

// MergeInput follows Zendesk's POST /tickets/{id}/merge body.
type MergeInput struct {
	IDs                   []int64 `json:"ids"`
	TargetComment         string  `json:"target_comment"`
	SourceComment         string  `json:"source_comment"`
	TargetCommentIsPublic *bool   `json:"target_comment_is_public"`
	SourceCommentIsPublic *bool   `json:"source_comment_is_public"`
}

// Merge closes each source ticket with a note pointing at the target and
// copies the sources' comments into the target, in one transaction.
func (s *Service) Merge(ctx context.Context, targetID int64, in MergeInput) error {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return err
	}
	if !p.IsStaff() || !p.Can().MergeTickets {
		return desk.Forbidden("Your role does not allow merging tickets")
	}
	// Closing the sources and noting the merge is part of the merge, which
	// is authorized above: the notes and status changes run with property
	// and public-comment rights whatever else the role lacks.
	mp := *p
	perms := p.Can()
	perms.EditTicketProperties, perms.PublicComments = true, true
	mp.Perms = &perms
	ids := slices.Compact(slices.Sorted(slices.Values(in.IDs)))
	if len(ids) == 0 || len(ids) > 5 {
		return desk.Invalid("ids", "give between 1 and 5 source tickets")
	}
	if slices.Contains(ids, targetID) {
		return desk.Invalid("ids", "cannot merge a ticket into itself")
	}
	pub := func(b *bool) bool { return b == nil || *b }
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		target, err := loadTx(ctx, tx, targetID, false)
		if err != nil {
			return err
		}
		if !canSeeTx(ctx, tx, p, target) {
			return desk.NotFound()
		}
		if target.Status == "closed" {
			return desk.Invalid("target", "closed tickets cannot be merged into")
		}
		var refs []string
		for _, sid := range ids {
			src, err := loadTx(ctx, tx, sid, false)
			if err != nil || !canSeeTx(ctx, tx, p, src) {
				return desk.Invalid("ids", fmt.Sprintf("ticket %d not found", sid))
			}
			if src.Status == "closed" {
				return desk.Invalid("ids", fmt.Sprintf("ticket %d is closed", sid))
			}
			// Copy the source's conversation, keeping authors, visibility and times.
			if _, err := tx.Exec(ctx, `INSERT INTO ticket_comments (ticket_id, audit_id, author_id, body, html_body, public, via_channel, created_at)
				SELECT ?, audit_id, author_id, body, html_body, public, via_channel, created_at FROM ticket_comments WHERE ticket_id = ? ORDER BY id`, targetID, sid); err != nil {
				return err
			}
			note := in.SourceComment
			if note == "" {
				note = fmt.Sprintf("This request was closed and merged into request #%d %q.", targetID, target.Subject)
			}
			solved := "solved"
			if _, _, err := s.updateTx(ctx, tx, &mp, sid, Input{Comment: &CommentInput{Body: note, Public: boolPtr(pub(in.SourceCommentIsPublic))}, Status: &solved}); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE tickets SET status = 'closed', status_rank = ?, updated_at = ? WHERE id = ?`, desk.StatusRank("closed"), store.Now(), sid); err != nil {
				return err
			}
			refs = append(refs, fmt.Sprintf("#%d %q", sid, src.Subject))
			// The source's requester keeps hearing about the conversation.
			if src.RequesterID != target.RequesterID {
				if _, err := tx.Exec(ctx, `INSERT INTO ticket_collaborators (ticket_id, user_id, kind) VALUES (?, ?, 'email_cc') ON CONFLICT DO NOTHING`, targetID, src.RequesterID); err != nil {
					return err
				}
			}
		}
		note := in.TargetComment
		if note == "" {
			note = "Requests " + strings.Join(refs, ", ") + " were closed and merged into this request."
		}
		if _, _, err := s.updateTx(ctx, tx, &mp, targetID, Input{Comment: &CommentInput{Body: note, Public: boolPtr(pub(in.TargetCommentIsPublic))}}); err != nil {
			return err
		}
		for _, sid := range ids {
			if err := s.Events.PublishTx(ctx, tx, events.Event{Type: events.TicketUpdated, TicketID: sid, ActorID: p.UserID}); err != nil {
				return err
			}
		}
		return nil
	})
	return err
}

func boolPtr(b bool) *bool { return &b }
