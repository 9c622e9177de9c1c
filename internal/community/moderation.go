package community

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/frontdesk/frontdesk/internal/audit"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/sanitize"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// ModerationQueue returns what waits for moderators: held (pending) and
// rejected (spam) posts and comments, oldest first, at most 200 of each.
func (s *Service) ModerationQueue(ctx context.Context) (*Queue, error) {
	if _, err := requireModerator(ctx); err != nil {
		return nil, err
	}
	q := &Queue{Posts: []*Post{}, Comments: []*Comment{}}
	rows, err := s.DB.Query(ctx, `SELECT `+postCols+postFrom+` WHERE p.moderation <> 'approved' ORDER BY p.moderation, p.created_at, p.id LIMIT 200`)
	if err != nil {
		return nil, wrap(err, "queue")
	}
	for rows.Next() {
		p, err := scanPost(rows)
		if err != nil {
			rows.Close()
			return nil, wrap(err, "queue")
		}
		q.Posts = append(q.Posts, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, wrap(err, "queue")
	}
	rows, err = s.DB.Query(ctx, `SELECT `+commentCols+commentFrom+` WHERE c.moderation <> 'approved' ORDER BY c.moderation, c.created_at, c.id LIMIT 200`)
	if err != nil {
		return nil, wrap(err, "queue")
	}
	defer rows.Close()
	for rows.Next() {
		c, err := scanComment(rows)
		if err != nil {
			return nil, wrap(err, "queue")
		}
		q.Comments = append(q.Comments, c)
	}
	return q, wrap(rows.Err(), "queue")
}

// Moderate sets the moderation state of a post or comment (moderators):
// approving publishes it (and mails the followers of a comment's post),
// rejecting moves it to the spam queue.
func (s *Service) Moderate(ctx context.Context, kind string, id int64, to Moderation) error {
	if _, err := requireModerator(ctx); err != nil {
		return err
	}
	if to != Approved && to != Rejected && to != Pending {
		return desk.Invalid("moderation_state", "must be approved, pending or rejected")
	}
	action := AuditApproved
	if to == Rejected {
		action = AuditRejected
	}
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		switch kind {
		case TypePost:
			p, err := getPost(ctx, tx, id)
			if err != nil {
				return err
			}
			if p.Moderation == to {
				return nil
			}
			if _, err := tx.Exec(ctx, `UPDATE community_posts SET moderation = ? WHERE id = ?`, to, id); err != nil {
				return err
			}
		case TypeComment:
			var postID int64
			if err := tx.QueryRow(ctx, `SELECT post_id FROM community_comments WHERE id = ?`, id).Scan(&postID); err != nil {
				return notFoundIf(err)
			}
			c, err := getComment(ctx, tx, postID, id)
			if err != nil {
				return err
			}
			if c.Moderation == to {
				return nil
			}
			if _, err := tx.Exec(ctx, `UPDATE community_comments SET moderation = ? WHERE id = ?`, to, id); err != nil {
				return err
			}
			if to == Approved && c.Moderation == Pending {
				post, err := getPost(ctx, tx, postID)
				if err != nil {
					return err
				}
				if err := s.notifyTx(ctx, tx, post, c); err != nil {
					return err
				}
			}
		default:
			return desk.Invalid("type", "must be post or comment")
		}
		return audit.RecordTx(ctx, tx, audit.Entry{Action: action, TargetType: "community_" + kind, TargetID: id, Data: map[string]any{"to": to}})
	})
	return wrap(err, "moderate")
}

// Ban stops user id from posting, commenting, voting and following
// (moderators; staff cannot be banned). Their held contributions go to the
// spam queue.
func (s *Service) Ban(ctx context.Context, userID int64, reason string) error {
	pr, err := requireModerator(ctx)
	if err != nil {
		return err
	}
	reason = strings.TrimSpace(reason)
	var v desk.Validation
	checkRunes(&v, "reason", reason, 0, MaxReason)
	if err := v.Err(); err != nil {
		return err
	}
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		var role string
		if err := tx.QueryRow(ctx, `SELECT role FROM users WHERE id = ?`, userID).Scan(&role); err != nil {
			return notFoundIf(err)
		}
		if desk.Role(role).Staff() {
			return desk.Invalid("user_id", "staff cannot be banned from the community")
		}
		if _, err := tx.Exec(ctx, `INSERT INTO community_bans (user_id, reason, banned_by, created_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (user_id) DO UPDATE SET reason = excluded.reason`, userID, reason, pr.UserID, nowMicros()); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE community_posts SET moderation = 'rejected' WHERE author_id = ? AND moderation = 'pending'`, userID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE community_comments SET moderation = 'rejected' WHERE author_id = ? AND moderation = 'pending'`, userID); err != nil {
			return err
		}
		return audit.RecordTx(ctx, tx, audit.Entry{Action: AuditBanned, TargetType: "user", TargetID: userID, Data: map[string]any{"reason": reason}})
	})
	return wrap(err, "ban")
}

// Unban lets user id take part again (moderators).
func (s *Service) Unban(ctx context.Context, userID int64) error {
	if _, err := requireModerator(ctx); err != nil {
		return err
	}
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM community_bans WHERE user_id = ?`, userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return desk.NotFound()
		}
		return audit.RecordTx(ctx, tx, audit.Entry{Action: AuditUnbanned, TargetType: "user", TargetID: userID})
	})
	return wrap(err, "unban")
}

// Bans lists banned users (moderators).
func (s *Service) Bans(ctx context.Context) ([]*Ban, error) {
	if _, err := requireModerator(ctx); err != nil {
		return nil, err
	}
	rows, err := s.DB.Query(ctx, `SELECT b.user_id, COALESCE(u.name, ''), b.reason, b.banned_by, b.created_at FROM community_bans b
		LEFT JOIN users u ON u.id = b.user_id ORDER BY b.created_at DESC, b.user_id`)
	if err != nil {
		return nil, wrap(err, "list bans")
	}
	defer rows.Close()
	out := []*Ban{}
	for rows.Next() {
		var b Ban
		var c int64
		if err := rows.Scan(&b.UserID, &b.UserName, &b.Reason, &b.BannedBy, &c); err != nil {
			return nil, wrap(err, "list bans")
		}
		b.CreatedAt = desk.TimeFromMicros(c)
		out = append(out, &b)
	}
	return out, wrap(rows.Err(), "list bans")
}

// Banned reports whether the caller is banned (pages hide the forms).
func (s *Service) Banned(ctx context.Context) (bool, error) {
	pr := desk.PrincipalFrom(ctx)
	if pr == nil || pr.UserID == 0 {
		return false, nil
	}
	return isBanned(ctx, s.DB, pr.UserID)
}

// Escalate turns post id into a ticket (agents who may set ticket
// properties): the post's author is the requester, its title the subject,
// its text and a link back to it the first comment; the ticket comes
// through the "community" channel, tagged community. The post records the
// ticket, so it is escalated at most once (a second call is a conflict
// naming the ticket). link is the post's address for the ticket.
func (s *Service) Escalate(ctx context.Context, id int64, link string) (*desk.Ticket, error) {
	return s.escalate(ctx, TypePost, id, 0, link)
}

// EscalateComment turns comment id of post postID into a ticket, as
// Escalate does a post: the comment's author is the requester, "Re: " and
// the post's title the subject, the comment's text and link the first
// comment.
func (s *Service) EscalateComment(ctx context.Context, postID, id int64, link string) (*desk.Ticket, error) {
	return s.escalate(ctx, TypeComment, id, postID, link)
}

func (s *Service) escalate(ctx context.Context, kind string, id, postID int64, link string) (*desk.Ticket, error) {
	pr, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	if !CanEscalate(pr) {
		return nil, desk.Forbidden("Turning community content into a ticket needs permission to set ticket properties")
	}
	if pr.ReadOnly {
		return nil, desk.Forbidden("This token is read-only")
	}
	if s.Tickets == nil {
		return nil, desk.Errorf(desk.EINTERNAL, "no ticket service")
	}
	table := "community_posts"
	if kind == TypeComment {
		table = "community_comments"
	}
	var out *desk.Ticket
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		var author int64
		var subject, html string
		var existing *int64
		if kind == TypeComment {
			c, err := getComment(ctx, tx, postID, id)
			if err != nil {
				return err
			}
			post, err := getPost(ctx, tx, postID)
			if err != nil {
				return err
			}
			author, subject, html, existing = c.AuthorID, "Re: "+post.Title, c.Body, c.TicketID
		} else {
			post, err := getPost(ctx, tx, id)
			if err != nil {
				return err
			}
			author, subject, html, existing = post.AuthorID, post.Title, post.Details, post.TicketID
		}
		if existing != nil {
			return desk.Errorf(desk.ECONFLICT, "This is already ticket #%d", *existing)
		}
		// Claim the row first: of two concurrent escalations only one
		// finds ticket_id = 0.
		res, err := tx.Exec(ctx, `UPDATE `+table+` SET ticket_id = -1 WHERE id = ? AND ticket_id = 0`, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return desk.Errorf(desk.ECONFLICT, "This was escalated meanwhile")
		}
		body := sanitize.PlainText(html)
		if body == "" {
			body = subject
		}
		if link != "" {
			body += "\n\n" + link
		}
		public := true
		tags := []string{"community"}
		t, _, err := s.Tickets.CreateTx(ctx, tx, ticket.Input{Subject: &subject, Via: Via, RequesterID: desk.SetID(author),
			Tags: &tags, Comment: &ticket.CommentInput{Body: body, Public: &public, AuthorID: desk.SetID(author)}})
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE `+table+` SET ticket_id = ?, updated_at = ? WHERE id = ?`, t.ID, nowMicros(), id); err != nil {
			return err
		}
		out = t
		return audit.RecordTx(ctx, tx, audit.Entry{Action: AuditEscalated, TargetType: "community_" + kind, TargetID: id,
			Data: map[string]any{"ticket_id": t.ID}})
	})
	if err != nil {
		return nil, wrap(err, "escalate "+kind+" "+strconv.FormatInt(id, 10))
	}
	return out, nil
}

// EraseUserTx deletes, inside tx, everything user id wrote or did in the
// community — posts (with their comments and votes), comments, votes,
// subscriptions and a ban — for a permanent deletion (people.PurgeUser).
// Tickets made from their posts are the ticket service's to erase.
func EraseUserTx(ctx context.Context, tx *store.Tx, userID int64) error {
	for _, q := range []string{
		`DELETE FROM community_subscriptions WHERE user_id = ? OR (content_type = 'post' AND content_id IN (SELECT id FROM community_posts WHERE author_id = ?))`,
		`DELETE FROM community_posts WHERE author_id = ?`,
		`DELETE FROM community_comments WHERE author_id = ?`,
		`DELETE FROM community_votes WHERE user_id = ?`,
		`DELETE FROM community_comment_votes WHERE user_id = ?`,
		`DELETE FROM community_bans WHERE user_id = ?`,
	} {
		args := []any{userID}
		if strings.Count(q, "?") == 2 {
			args = append(args, userID)
		}
		if _, err := tx.Exec(ctx, q, args...); err != nil {
			return fmt.Errorf("community: erase user %d: %w", userID, err)
		}
	}
	return nil
}
