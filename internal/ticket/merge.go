package ticket

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/frontdesk/frontdesk/internal/desk"
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
// copies the sources' comments into the target, in one transaction. Each
// source gets one audit (its note and the move to closed) and the target
// one (the copied conversation, the note and the sources' requesters as
// CCs), all through commit.
//
// The merge itself is authorized by merge_tickets: closing the sources and
// the fixed system notes need no other right. Text the caller writes
// (target_comment, source_comment) keeps the caller's rights, exactly as a
// normal comment would: a role without public_comments posts it as an
// internal note.
func (s *Service) Merge(ctx context.Context, targetID int64, in MergeInput) error {
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		_, err := s.MergeTx(ctx, tx, targetID, in)
		return err
	})
	if err != nil {
		return wrapf(err, "ticket: merge into %d", targetID)
	}
	return nil
}

// MergeTx is Merge inside the caller's transaction (the bulk package records
// the merge's job status in the same transaction). It returns the source
// ids merged, sorted and without duplicates.
func (s *Service) MergeTx(ctx context.Context, tx *store.Tx, targetID int64, in MergeInput) ([]int64, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	if !p.IsStaff() || !p.Can().MergeTickets {
		return nil, desk.Forbidden("Your role does not allow merging tickets")
	}
	ids := slices.Compact(slices.Sorted(slices.Values(in.IDs)))
	if len(ids) == 0 || len(ids) > 5 {
		return nil, desk.Invalid("ids", "give between 1 and 5 source tickets")
	}
	if slices.Contains(ids, targetID) {
		return nil, desk.Invalid("ids", "cannot merge a ticket into itself")
	}
	if err := s.mergeTx(ctx, tx, p, targetID, ids, in); err != nil {
		return nil, err
	}
	return ids, nil
}

func (s *Service) mergeTx(ctx context.Context, tx *store.Tx, p *desk.Principal, targetID int64, ids []int64, in MergeInput) error {
	pub := func(b *bool) bool { return b == nil || *b }
	target, err := loadVisibleTx(ctx, tx, p, targetID, false)
	if err != nil {
		return err
	}
	if target.Status == desk.StatusClosed {
		return desk.Invalid("target", "closed tickets cannot be merged into")
	}
	after := cloneTicket(target)
	var refs []string
	sources := make([]*desk.Ticket, 0, len(ids))
	for _, sid := range ids {
		src, err := loadVisibleTx(ctx, tx, p, sid, false)
		if desk.ErrorCode(err) == desk.ENOTFOUND {
			return desk.Invalid("ids", fmt.Sprintf("ticket %d not found", sid))
		}
		if err != nil {
			return err
		}
		if src.Status == desk.StatusClosed {
			return desk.Invalid("ids", fmt.Sprintf("ticket %d is closed", sid))
		}
		sources = append(sources, src)
		refs = append(refs, fmt.Sprintf("#%d %q", sid, src.Subject))
		// The source's requester keeps hearing about the conversation.
		if src.RequesterID != target.RequesterID && !slices.Contains(after.EmailCCIDs, src.RequesterID) {
			after.EmailCCIDs = append(after.EmailCCIDs, src.RequesterID)
		}
	}

	// The target first: its one audit holds the note and the sources'
	// conversations, copied in by commit before the sources get their
	// closing notes.
	note := "Requests " + strings.Join(refs, ", ") + " were closed and merged into this request."
	c := change{}
	if !slices.Equal(after.EmailCCIDs, target.EmailCCIDs) {
		slices.Sort(after.EmailCCIDs)
		c.set("email_cc_ids", target.EmailCCIDs, after.EmailCCIDs)
	}
	if c.comment, err = s.mergeComment(ctx, tx, p, after, mergeNote(in.TargetComment, note, pub(in.TargetCommentIsPublic))); err != nil {
		return err
	}
	if _, err := s.commit(ctx, tx, &mutation{kind: desk.ChangeMergeTarget, actor: p, before: target, after: after, change: c, copyFrom: ids}); err != nil {
		return err
	}
	for _, src := range sources {
		note := fmt.Sprintf("This request was closed and merged into request #%d %q.", targetID, target.Subject)
		if err := s.mergeSource(ctx, tx, p, src, mergeNote(in.SourceComment, note, pub(in.SourceCommentIsPublic))); err != nil {
			return err
		}
	}
	return nil
}

// mergeNoteInput is a merge note: the caller's text, or the fixed system
// note when the caller gave none.
type mergeNoteInput struct {
	ci     *CommentInput
	system bool
}

func mergeNote(callerText, systemText string, public bool) mergeNoteInput {
	if strings.TrimSpace(callerText) != "" {
		return mergeNoteInput{ci: &CommentInput{Body: callerText, Public: &public}}
	}
	return mergeNoteInput{ci: &CommentInput{Body: systemText, Public: &public}, system: true}
}

// mergeComment prepares a merge note. Only the fixed system note is written
// with raised rights (public_comments); the caller's own text is prepared
// with the caller's rights.
func (s *Service) mergeComment(ctx context.Context, tx *store.Tx, p *desk.Principal, t *desk.Ticket, n mergeNoteInput) (*newComment, error) {
	author := p
	if n.system {
		mp := *p
		perms := p.Can()
		perms.PublicComments = true
		mp.Perms = &perms
		author = &mp
	}
	return s.prepareComment(ctx, tx, author, t, n.ci)
}

// mergeSource closes a source ticket with its note, as one audit: the note
// and the status change straight to closed (the merge is authorized by
// merge_tickets, so no property right is needed and the solved step is not
// a separate change).
func (s *Service) mergeSource(ctx context.Context, tx *store.Tx, p *desk.Principal, src *desk.Ticket, n mergeNoteInput) error {
	after := cloneTicket(src)
	c := change{}
	nc, err := s.mergeComment(ctx, tx, p, after, n)
	if err != nil {
		return err
	}
	c.comment = nc
	c.set("status", string(src.Status), string(desk.StatusClosed))
	after.Status = desk.StatusClosed
	_, err = s.commit(ctx, tx, &mutation{kind: desk.ChangeMergeSource, actor: p, before: src, after: after, change: c})
	return err
}
