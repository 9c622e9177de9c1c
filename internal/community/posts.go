package community

import (
	"context"
	"fmt"
	"strings"

	"github.com/frontdesk/frontdesk/internal/audit"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/sanitize"
	"github.com/frontdesk/frontdesk/internal/settings"
	"github.com/frontdesk/frontdesk/internal/store"
)

const postCols = `p.id, p.topic_id, p.author_id, COALESCE(u.name, ''), p.title, p.details, p.kind, p.status, p.pinned, p.featured, p.closed,
	p.moderation, p.ticket_id, p.created_at, p.updated_at,
	(SELECT COALESCE(SUM(v.value), 0) FROM community_votes v WHERE v.post_id = p.id),
	(SELECT COUNT(*) FROM community_votes v WHERE v.post_id = p.id),
	(SELECT COUNT(*) FROM community_comments c WHERE c.post_id = p.id AND c.moderation = 'approved'),
	(SELECT COUNT(*) FROM community_subscriptions s WHERE s.content_type = 'post' AND s.content_id = p.id),
	p.details_source`

const postFrom = ` FROM community_posts p LEFT JOIN users u ON u.id = p.author_id`

func scanPost(sc interface{ Scan(...any) error }) (*Post, error) {
	var p Post
	var ticketID, created, updated int64
	if err := sc.Scan(&p.ID, &p.TopicID, &p.AuthorID, &p.AuthorName, &p.Title, &p.Details, &p.Kind, &p.Status, &p.Pinned, &p.Featured, &p.Closed,
		&p.Moderation, &ticketID, &created, &updated, &p.VoteSum, &p.VoteCount, &p.CommentCount, &p.FollowerCount, &p.Source); err != nil {
		return nil, err
	}
	if ticketID > 0 {
		p.TicketID = &ticketID
	}
	p.CreatedAt, p.UpdatedAt = desk.TimeFromMicros(created), desk.TimeFromMicros(updated)
	return &p, nil
}

func getPost(ctx context.Context, q store.Querier, id int64) (*Post, error) {
	p, err := scanPost(q.QueryRow(ctx, `SELECT `+postCols+postFrom+` WHERE p.id = ?`, id))
	return p, notFoundIf(err)
}

// visible reports whether principal pr may read a post or comment in state
// m written by author: approved content is public; authors see their own
// held content; staff see everything.
func visible(pr *desk.Principal, m Moderation, author int64) bool {
	if m == Approved || (pr != nil && pr.IsStaff()) {
		return true
	}
	return pr != nil && pr.UserID != 0 && pr.UserID == author && m == Pending
}

// visibility is visible as SQL over alias a, with its arguments.
func visibility(pr *desk.Principal, a string) (string, []any) {
	if pr != nil && pr.IsStaff() {
		return "1 = 1", nil
	}
	if pr != nil && pr.UserID != 0 {
		return "(" + a + ".moderation = 'approved' OR (" + a + ".moderation = 'pending' AND " + a + ".author_id = ?))", []any{pr.UserID}
	}
	return a + ".moderation = 'approved'", nil
}

// Post returns post id if the caller may read it (others get not found).
func (s *Service) Post(ctx context.Context, id int64) (*Post, error) {
	p, err := getPost(ctx, s.DB, id)
	if err != nil {
		return nil, wrap(err, "get post")
	}
	if !visible(desk.PrincipalFrom(ctx), p.Moderation, p.AuthorID) {
		return nil, desk.NotFound()
	}
	return p, nil
}

// PostFilter narrows and orders a list of posts.
type PostFilter struct {
	TopicID  int64
	AuthorID int64
	// SortBy is created_at (default, newest first), updated_at, votes or
	// comments; pinned posts come first in every order.
	SortBy  string
	Page    int // from 1
	PerPage int
}

// Posts lists the posts the caller may read, pinned first, and how many
// there are in all.
func (s *Service) Posts(ctx context.Context, f PostFilter) ([]*Post, int, error) {
	cond, args := visibility(desk.PrincipalFrom(ctx), "p")
	cond += " AND p.moderation <> 'rejected'"
	if f.TopicID != 0 {
		cond += " AND p.topic_id = ?"
		args = append(args, f.TopicID)
	}
	if f.AuthorID != 0 {
		if err := s.requireUser(ctx, f.AuthorID); err != nil {
			return nil, 0, err
		}
		cond += " AND p.author_id = ?"
		args = append(args, f.AuthorID)
	}
	var total int
	if err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM community_posts p WHERE `+cond, args...).Scan(&total); err != nil {
		return nil, 0, wrap(err, "count posts")
	}
	order := "p.created_at DESC"
	switch f.SortBy {
	case "updated_at":
		order = "p.updated_at DESC"
	case "votes":
		order = "(SELECT COALESCE(SUM(v.value), 0) FROM community_votes v WHERE v.post_id = p.id) DESC, p.created_at DESC"
	case "comments":
		order = "(SELECT COUNT(*) FROM community_comments c WHERE c.post_id = p.id AND c.moderation = 'approved') DESC, p.created_at DESC"
	}
	per, page := clampPage(f.PerPage, f.Page)
	rows, err := s.DB.Query(ctx, `SELECT `+postCols+postFrom+` WHERE `+cond+` ORDER BY p.pinned DESC, p.featured DESC, `+order+`, p.id DESC LIMIT ? OFFSET ?`,
		append(args, per, (page-1)*per)...)
	if err != nil {
		return nil, 0, wrap(err, "list posts")
	}
	defer rows.Close()
	var out []*Post
	for rows.Next() {
		p, err := scanPost(rows)
		if err != nil {
			return nil, 0, wrap(err, "list posts")
		}
		out = append(out, p)
	}
	return out, total, wrap(rows.Err(), "list posts")
}

func clampPage(per, page int) (int, int) {
	if per <= 0 {
		per = DefaultPerPage
	}
	per = min(per, MaxPerPage)
	return per, max(page, 1)
}

// details turns a post's input into stored HTML: Markdown (the web
// form's) is rendered; HTML goes through the comment policy.
func details(html, text *string) (string, bool) {
	switch {
	case text != nil:
		return Markdown(*text), true
	case html != nil:
		return strings.TrimSpace(sanitize.HTML(*html)), true
	}
	return "", false
}

// applyPost merges in onto p, checking what the caller may change.
func applyPost(ctx context.Context, q store.Querier, pr *desk.Principal, p *Post, in PostInput, creating bool) error {
	mod := CanModerate(pr)
	if !mod && (in.Status != nil || in.Pinned != nil || in.Featured != nil || in.Closed != nil || (!creating && in.TopicID != nil && *in.TopicID != p.TopicID)) {
		return desk.Forbidden("Only moderators set a post's status, pin, feature, close or move it")
	}
	var v desk.Validation
	if in.Title != nil {
		p.Title = strings.TrimSpace(*in.Title)
	}
	if d, ok := details(in.Details, in.Text); ok {
		if len(d) > MaxDetails {
			v.Add("details", fmt.Sprintf("is too long (at most %d bytes)", MaxDetails))
		}
		p.Details, p.Source = d, ""
		if in.Text != nil {
			p.Source = *in.Text
		}
	}
	if in.Kind != nil {
		p.Kind = *in.Kind
	}
	if in.Status != nil {
		p.Status = *in.Status
	}
	if in.Pinned != nil {
		p.Pinned = *in.Pinned
	}
	if in.Featured != nil {
		p.Featured = *in.Featured
	}
	if in.Closed != nil {
		p.Closed = *in.Closed
	}
	if in.TopicID != nil {
		p.TopicID = *in.TopicID
	}
	checkRunes(&v, "title", p.Title, 1, MaxTitle)
	if strings.ContainsAny(p.Title, "\r\n\x00") {
		v.Add("title", "must be one line")
	}
	if !p.Kind.valid() {
		v.Add("kind", "must be question, idea or discussion")
	}
	if !p.Status.valid() {
		v.Add("status", "must be none, planned, answered, completed or not_planned")
	}
	if p.TopicID <= 0 {
		v.Add("topic_id", "is required")
	} else if _, err := getTopic(ctx, q, p.TopicID); err != nil {
		if desk.ErrorCode(err) != desk.ENOTFOUND {
			return err
		}
		v.Add("topic_id", "names no topic")
	}
	return v.Err()
}

// CreatePost adds a post by the caller. A new user's first post is held
// for approval; posting is rate limited per user and per IP.
func (s *Service) CreatePost(ctx context.Context, in PostInput) (*Post, error) {
	pr, err := s.requireMember(ctx, s.DB)
	if err != nil {
		return nil, err
	}
	p := &Post{AuthorID: pr.UserID, Kind: KindDiscussion, Status: StatusNone}
	if err := applyPost(ctx, s.DB, pr, p, in, true); err != nil {
		return nil, err
	}
	if err := s.admit(ctx, pr, "post", settings.CommunityPostsPerUser, settings.CommunityPostsPerIP); err != nil {
		return nil, err
	}
	var out *Post
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		m, err := heldFor(ctx, tx, pr)
		if err != nil {
			return err
		}
		now := nowMicros()
		id, err := tx.InsertID(ctx, `INSERT INTO community_posts (topic_id, author_id, title, details, details_source, kind, status, pinned, featured, closed, moderation, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, p.TopicID, p.AuthorID, p.Title, p.Details, p.Source, p.Kind, p.Status,
			boolArg(p.Pinned), boolArg(p.Featured), boolArg(p.Closed), m, now, now)
		if err != nil {
			return err
		}
		// Authors follow their own posts.
		if err := subscribeTx(ctx, tx, TypePost, id, pr.UserID); err != nil {
			return err
		}
		out, err = getPost(ctx, tx, id)
		return err
	})
	if err != nil {
		return nil, wrap(err, "create post")
	}
	return out, nil
}

// mayChange checks that pr may change content in state m by author: a
// moderator (not through a read-only token), or its author while a member
// in good standing; content pr may not read is not found. what names the
// change for the refusal ("edits a post").
func (s *Service) mayChange(ctx context.Context, q store.Querier, pr *desk.Principal, m Moderation, author int64, what string) error {
	if !visible(pr, m, author) {
		return desk.NotFound()
	}
	if CanModerate(pr) {
		if pr.ReadOnly {
			return desk.Forbidden("This token is read-only")
		}
		return nil
	}
	if _, err := s.requireMember(ctx, q); err != nil {
		return err
	}
	if author != pr.UserID {
		return desk.Forbidden("Only the author or a moderator " + what)
	}
	return nil
}

// EditablePost returns post id with the text its edit form shows (the
// Markdown it was written in, or the plain text of HTML details), when the
// caller may edit it: its author while it is open, or a moderator.
func (s *Service) EditablePost(ctx context.Context, id int64) (*Post, string, error) {
	pr, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, "", err
	}
	p, err := getPost(ctx, s.DB, id)
	if err != nil {
		return nil, "", err
	}
	if err := s.mayChange(ctx, s.DB, pr, p.Moderation, p.AuthorID, "edits a post"); err != nil {
		return nil, "", err
	}
	if p.Closed && !CanModerate(pr) {
		return nil, "", desk.Forbidden("This post is closed")
	}
	text := p.Source
	if text == "" {
		text = sanitize.PlainText(p.Details)
	}
	return p, text, nil
}

// UpdatePost changes post id: its author edits title, details and kind
// while it is open; moderators change anything.
func (s *Service) UpdatePost(ctx context.Context, id int64, in PostInput) (*Post, error) {
	pr, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	var out *Post
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		p, err := getPost(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := s.mayChange(ctx, tx, pr, p.Moderation, p.AuthorID, "edits a post"); err != nil {
			return err
		}
		if p.Closed && !CanModerate(pr) {
			return desk.Forbidden("This post is closed")
		}
		if err := applyPost(ctx, tx, pr, p, in, false); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE community_posts SET topic_id = ?, title = ?, details = ?, details_source = ?, kind = ?, status = ?, pinned = ?, featured = ?, closed = ?, updated_at = ? WHERE id = ?`,
			p.TopicID, p.Title, p.Details, p.Source, p.Kind, p.Status, boolArg(p.Pinned), boolArg(p.Featured), boolArg(p.Closed), nowMicros(), id); err != nil {
			return err
		}
		out, err = getPost(ctx, tx, id)
		return err
	})
	if err != nil {
		return nil, wrap(err, "update post")
	}
	return out, nil
}

// DeletePost removes post id with its comments, votes and followers: its
// author or a moderator.
func (s *Service) DeletePost(ctx context.Context, id int64) error {
	pr, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return err
	}
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		p, err := getPost(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := s.mayChange(ctx, tx, pr, p.Moderation, p.AuthorID, "deletes a post"); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM community_subscriptions WHERE content_type = 'post' AND content_id = ?`, id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM community_posts WHERE id = ?`, id); err != nil {
			return err
		}
		if p.AuthorID != pr.UserID {
			return audit.RecordTx(ctx, tx, audit.Entry{Action: AuditDeleted, TargetType: "community_post", TargetID: id,
				Data: map[string]any{"title": p.Title, "author_id": p.AuthorID}})
		}
		return nil
	})
	return wrap(err, "delete post")
}
