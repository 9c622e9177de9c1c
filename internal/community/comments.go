package community

import (
	"context"
	"fmt"
	"strings"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/locale"
	"github.com/frontdesk/frontdesk/internal/outbox"
	"github.com/frontdesk/frontdesk/internal/sanitize"
	"github.com/frontdesk/frontdesk/internal/settings"
	"github.com/frontdesk/frontdesk/internal/store"
)

const commentCols = `c.id, c.post_id, c.author_id, COALESCE(u.name, ''), c.body, c.official, c.moderation, c.ticket_id, c.created_at, c.updated_at,
	(SELECT COALESCE(SUM(v.value), 0) FROM community_comment_votes v WHERE v.comment_id = c.id),
	(SELECT COUNT(*) FROM community_comment_votes v WHERE v.comment_id = c.id), c.body_source`

const commentFrom = ` FROM community_comments c LEFT JOIN users u ON u.id = c.author_id`

func scanComment(sc interface{ Scan(...any) error }) (*Comment, error) {
	var c Comment
	var ticketID, created, updated int64
	if err := sc.Scan(&c.ID, &c.PostID, &c.AuthorID, &c.AuthorName, &c.Body, &c.Official, &c.Moderation, &ticketID, &created, &updated,
		&c.VoteSum, &c.VoteCount, &c.Source); err != nil {
		return nil, err
	}
	if ticketID > 0 {
		c.TicketID = &ticketID
	}
	c.CreatedAt, c.UpdatedAt = desk.TimeFromMicros(created), desk.TimeFromMicros(updated)
	return &c, nil
}

func getComment(ctx context.Context, q store.Querier, postID, id int64) (*Comment, error) {
	c, err := scanComment(q.QueryRow(ctx, `SELECT `+commentCols+commentFrom+` WHERE c.id = ? AND c.post_id = ?`, id, postID))
	return c, notFoundIf(err)
}

// Comment returns comment id of post postID if the caller may read both
// (others get not found).
func (s *Service) Comment(ctx context.Context, postID, id int64) (*Comment, error) {
	if _, err := s.Post(ctx, postID); err != nil {
		return nil, err
	}
	c, err := getComment(ctx, s.DB, postID, id)
	if err != nil {
		return nil, wrap(err, "get comment")
	}
	if !visible(desk.PrincipalFrom(ctx), c.Moderation, c.AuthorID) {
		return nil, desk.NotFound()
	}
	return c, nil
}

// Comments lists the comments of post id the caller may read, oldest
// first (official answers first).
func (s *Service) Comments(ctx context.Context, postID int64, page, perPage int) ([]*Comment, int, error) {
	if _, err := s.Post(ctx, postID); err != nil {
		return nil, 0, err
	}
	cond, args := visibility(desk.PrincipalFrom(ctx), "c")
	cond += " AND c.moderation <> 'rejected' AND c.post_id = ?"
	args = append(args, postID)
	var total int
	if err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM community_comments c WHERE `+cond, args...).Scan(&total); err != nil {
		return nil, 0, wrap(err, "count comments")
	}
	per, pg := clampPage(perPage, page)
	out, err := s.queryComments(ctx, `SELECT `+commentCols+commentFrom+` WHERE `+cond+` ORDER BY c.official DESC, c.created_at, c.id LIMIT ? OFFSET ?`,
		append(args, per, (pg-1)*per)...)
	return out, total, err
}

// queryComments runs a query over commentCols.
func (s *Service) queryComments(ctx context.Context, query string, args ...any) ([]*Comment, error) {
	rows, err := s.DB.Query(ctx, query, args...)
	if err != nil {
		return nil, wrap(err, "list comments")
	}
	defer rows.Close()
	out := []*Comment{}
	for rows.Next() {
		c, err := scanComment(rows)
		if err != nil {
			return nil, wrap(err, "list comments")
		}
		out = append(out, c)
	}
	return out, wrap(rows.Err(), "list comments")
}

// CommentsBy lists the comments user userID wrote that the caller may
// read (the comment and its post), newest first, and how many there are.
func (s *Service) CommentsBy(ctx context.Context, userID int64, page, perPage int) ([]*Comment, int, error) {
	if err := s.requireUser(ctx, userID); err != nil {
		return nil, 0, err
	}
	pr := desk.PrincipalFrom(ctx)
	cc, cargs := visibility(pr, "c")
	pc, pargs := visibility(pr, "p")
	cond := cc + " AND " + pc + " AND c.moderation <> 'rejected' AND p.moderation <> 'rejected' AND c.author_id = ?"
	args := append(append(cargs, pargs...), userID)
	const from = ` FROM community_comments c JOIN community_posts p ON p.id = c.post_id`
	var total int
	if err := s.DB.QueryRow(ctx, `SELECT COUNT(*)`+from+` WHERE `+cond, args...).Scan(&total); err != nil {
		return nil, 0, wrap(err, "count comments")
	}
	per, pg := clampPage(perPage, page)
	out, err := s.queryComments(ctx, `SELECT `+commentCols+from+` LEFT JOIN users u ON u.id = c.author_id WHERE `+cond+` ORDER BY c.created_at DESC, c.id DESC LIMIT ? OFFSET ?`,
		append(args, per, (pg-1)*per)...)
	return out, total, err
}

// commentBody is the sanitised HTML of a comment's new body and the
// Markdown it came from ("" for HTML input); ok is false when in sets no
// body.
func commentBody(in CommentInput) (body, source string, ok bool, err error) {
	switch {
	case in.Text != nil:
		body, source = Markdown(*in.Text), *in.Text
	case in.Body != nil:
		body = strings.TrimSpace(sanitize.HTML(*in.Body))
	default:
		return "", "", false, nil
	}
	var v desk.Validation
	if strings.TrimSpace(sanitize.PlainText(body)) == "" {
		v.Add("body", "cannot be blank")
	} else if len(body) > MaxDetails {
		v.Add("body", fmt.Sprintf("is too long (at most %d bytes)", MaxDetails))
	}
	return body, source, true, v.Err()
}

// CreateComment adds the caller's comment to post postID. Only staff mark
// an official answer; closed posts take comments from moderators only; a
// new user's first contribution is held; the commenter follows the post.
// Followers of the post and its
// topic are mailed when the comment is published.
func (s *Service) CreateComment(ctx context.Context, postID int64, in CommentInput) (*Comment, error) {
	pr, err := s.requireMember(ctx, s.DB)
	if err != nil {
		return nil, err
	}
	body, source, ok, err := commentBody(in)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, desk.Invalid("body", "cannot be blank")
	}
	official := in.Official != nil && *in.Official
	if official && !CanEscalate(pr) {
		return nil, desk.Forbidden("Only agents mark official answers")
	}
	post, err := s.Post(ctx, postID)
	if err != nil {
		return nil, err
	}
	if post.Closed && !CanModerate(pr) {
		return nil, desk.Forbidden("This post is closed for comments")
	}
	if post.Moderation != Approved && !pr.IsStaff() {
		return nil, desk.Forbidden("This post waits for a moderator")
	}
	if err := s.admit(ctx, pr, "comment", settings.CommunityCommentsPerUser, settings.CommunityCommentsPerIP); err != nil {
		return nil, err
	}
	var out *Comment
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		m, err := heldFor(ctx, tx, pr)
		if err != nil {
			return err
		}
		now := nowMicros()
		id, err := tx.InsertID(ctx, `INSERT INTO community_comments (post_id, author_id, body, body_source, official, moderation, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			postID, pr.UserID, body, source, boolArg(official), m, now, now)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE community_posts SET updated_at = ? WHERE id = ?`, now, postID); err != nil {
			return err
		}
		// Commenters follow the post they comment on.
		if err := subscribeTx(ctx, tx, TypePost, postID, pr.UserID); err != nil {
			return err
		}
		if official && post.Kind == KindQuestion && post.Status == StatusNone {
			if _, err := tx.Exec(ctx, `UPDATE community_posts SET status = 'answered' WHERE id = ?`, postID); err != nil {
				return err
			}
		}
		if out, err = getComment(ctx, tx, postID, id); err != nil {
			return err
		}
		if m == Approved {
			return s.notifyTx(ctx, tx, post, out)
		}
		return nil
	})
	if err != nil {
		return nil, wrap(err, "create comment")
	}
	return out, nil
}

// UpdateComment changes a comment: its author edits the body; agents mark
// or unmark it as the official answer; moderators do both.
func (s *Service) UpdateComment(ctx context.Context, postID, id int64, in CommentInput) (*Comment, error) {
	pr, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	if pr.ReadOnly {
		return nil, desk.Forbidden("This token is read-only")
	}
	if _, err := s.Post(ctx, postID); err != nil {
		return nil, err
	}
	var out *Comment
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		c, err := getComment(ctx, tx, postID, id)
		if err != nil {
			return err
		}
		if !visible(pr, c.Moderation, c.AuthorID) {
			return desk.NotFound()
		}
		body, source, hasBody, err := commentBody(in)
		if err != nil {
			return err
		}
		if hasBody {
			if err := s.mayChange(ctx, tx, pr, c.Moderation, c.AuthorID, "edits a comment"); err != nil {
				return err
			}
			c.Body, c.Source = body, source
		}
		if in.Official != nil {
			if !CanEscalate(pr) {
				return desk.Forbidden("Only agents mark official answers")
			}
			c.Official = *in.Official
		}
		if _, err := tx.Exec(ctx, `UPDATE community_comments SET body = ?, body_source = ?, official = ?, updated_at = ? WHERE id = ?`,
			c.Body, c.Source, boolArg(c.Official), nowMicros(), id); err != nil {
			return err
		}
		out, err = getComment(ctx, tx, postID, id)
		return err
	})
	if err != nil {
		return nil, wrap(err, "update comment")
	}
	return out, nil
}

// EditableComment returns comment id of post postID with the text its
// edit form shows (the Markdown it was written in, or the plain text of an
// HTML body), when the caller may edit it: its author or a moderator, as
// UpdateComment decides.
func (s *Service) EditableComment(ctx context.Context, postID, id int64) (*Comment, string, error) {
	pr, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, "", err
	}
	c, err := s.Comment(ctx, postID, id)
	if err != nil {
		return nil, "", err
	}
	if err := s.mayChange(ctx, s.DB, pr, c.Moderation, c.AuthorID, "edits a comment"); err != nil {
		return nil, "", err
	}
	text := c.Source
	if text == "" {
		text = sanitize.PlainText(c.Body)
	}
	return c, text, nil
}

// DeleteComment removes a comment: its author or a moderator.
func (s *Service) DeleteComment(ctx context.Context, postID, id int64) error {
	pr, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return err
	}
	if pr.ReadOnly {
		return desk.Forbidden("This token is read-only")
	}
	if _, err := s.Post(ctx, postID); err != nil {
		return err
	}
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		c, err := getComment(ctx, tx, postID, id)
		if err != nil {
			return err
		}
		if err := s.mayChange(ctx, tx, pr, c.Moderation, c.AuthorID, "deletes a comment"); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `DELETE FROM community_comments WHERE id = ?`, id)
		return err
	})
	return wrap(err, "delete comment")
}

// notifyTx queues one mail per follower of the post or its topic (the
// comment's author excepted, banned and suspended users too) in tx.
func (s *Service) notifyTx(ctx context.Context, tx *store.Tx, post *Post, c *Comment) error {
	if s.Outbox == nil {
		return nil
	}
	rows, err := tx.Query(ctx, `SELECT DISTINCT u.id, u.email, u.locale FROM community_subscriptions s JOIN users u ON u.id = s.user_id
		WHERE ((s.content_type = 'post' AND s.content_id = ?) OR (s.content_type = 'topic' AND s.content_id = ?))
		AND s.user_id <> ? AND u.email IS NOT NULL AND u.active = TRUE AND u.suspended = FALSE ORDER BY u.id`, post.ID, post.TopicID, c.AuthorID)
	if err != nil {
		return err
	}
	type rcpt struct{ email, loc string }
	var to []rcpt
	for rows.Next() {
		var id int64
		var r rcpt
		if err := rows.Scan(&id, &r.email, &r.loc); err != nil {
			rows.Close()
			return err
		}
		to = append(to, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	text := sanitize.PlainText(c.Body)
	for _, r := range to {
		pr := locale.Default().Printer(r.loc, nil)
		lines := []string{pr.T("email.community.comment.body", "name", c.AuthorName, "title", post.Title), "", text, ""}
		if s.PublicURL != "" {
			lines = append(lines, s.PublicURL+post.Path(pr.Locale), "")
		}
		lines = append(lines, pr.T("email.community.comment.footer"))
		if err := s.Outbox.AddTx(ctx, tx, outbox.Message{To: r.email, Subject: pr.T("email.community.comment.subject", "title", post.Title),
			Text: strings.Join(lines, "\n") + "\n", Kind: MailKind, AutoSubmitted: "auto-generated"}); err != nil {
			return err
		}
	}
	return nil
}
