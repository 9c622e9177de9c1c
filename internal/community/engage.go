package community

import (
	"context"
	"strconv"
	"strings"
	"unicode"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/textfold"
)

// voteKind is where the votes on one kind of item live: posts and
// comments have the same rules (one vote per user, up or down, replaced by
// a second vote, withdrawn at will; who voted is not public).
type voteKind struct{ table, col, itemType string }

var (
	postVotes    = voteKind{"community_votes", "post_id", "Post"}
	commentVotes = voteKind{"community_comment_votes", "comment_id", "Comment"}
)

func (k voteKind) put(ctx context.Context, tx *store.Tx, item, user int64, value int) (*Vote, error) {
	now := nowMicros()
	if _, err := tx.Exec(ctx, `INSERT INTO `+k.table+` (`+k.col+`, user_id, value, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (`+k.col+`, user_id) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, item, user, value, now, now); err != nil {
		return nil, err
	}
	votes, err := k.list(ctx, tx, item, user)
	if err != nil {
		return nil, err
	}
	return votes[0], nil
}

func (k voteKind) remove(ctx context.Context, tx *store.Tx, item, user int64) error {
	_, err := tx.Exec(ctx, `DELETE FROM `+k.table+` WHERE `+k.col+` = ? AND user_id = ?`, item, user)
	return err
}

// list returns the votes on item: everyone's (user 0) or one user's.
func (k voteKind) list(ctx context.Context, q store.Querier, item, user int64) ([]*Vote, error) {
	query := `SELECT id, user_id, value, created_at, updated_at FROM ` + k.table + ` WHERE ` + k.col + ` = ?`
	args := []any{item}
	if user != 0 {
		query += ` AND user_id = ?`
		args = append(args, user)
	}
	rows, err := q.Query(ctx, query+` ORDER BY id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*Vote{}
	for rows.Next() {
		v := &Vote{ItemID: item, ItemType: k.itemType}
		var c, u int64
		if err := rows.Scan(&v.ID, &v.UserID, &v.Value, &c, &u); err != nil {
			return nil, err
		}
		v.CreatedAt, v.UpdatedAt = desk.TimeFromMicros(c), desk.TimeFromMicros(u)
		out = append(out, v)
	}
	return out, rows.Err()
}

// byUser appends the votes user cast on this kind of item to out.
func (k voteKind) byUser(ctx context.Context, q store.Querier, user int64, out *[]*Vote) error {
	rows, err := q.Query(ctx, `SELECT id, `+k.col+`, value, created_at, updated_at FROM `+k.table+` WHERE user_id = ? ORDER BY id`, user)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		v := &Vote{UserID: user, ItemType: k.itemType}
		var c, u int64
		if err := rows.Scan(&v.ID, &v.ItemID, &v.Value, &c, &u); err != nil {
			return err
		}
		v.CreatedAt, v.UpdatedAt = desk.TimeFromMicros(c), desk.TimeFromMicros(u)
		*out = append(*out, v)
	}
	return rows.Err()
}

// votable returns the item of a vote after the caller's checks: a
// comment (commentID > 0) or else the post, readable by the caller and
// approved.
func (s *Service) votable(ctx context.Context, postID, commentID int64) (voteKind, int64, error) {
	post, err := s.Post(ctx, postID)
	if err != nil {
		return voteKind{}, 0, err
	}
	if post.Moderation != Approved {
		return voteKind{}, 0, desk.Forbidden("This post waits for a moderator")
	}
	if commentID == 0 {
		return postVotes, postID, nil
	}
	c, err := s.Comment(ctx, postID, commentID)
	if err != nil {
		return voteKind{}, 0, err
	}
	if c.Moderation != Approved {
		return voteKind{}, 0, desk.Forbidden("This comment waits for a moderator")
	}
	return commentVotes, commentID, nil
}

func (s *Service) vote(ctx context.Context, postID, commentID int64, value int) (*Vote, error) {
	pr, err := s.requireMember(ctx, s.DB)
	if err != nil {
		return nil, err
	}
	if value != 1 && value != -1 {
		return nil, desk.Invalid("value", "must be 1 or -1")
	}
	k, item, err := s.votable(ctx, postID, commentID)
	if err != nil {
		return nil, err
	}
	var out *Vote
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		out, err = k.put(ctx, tx, item, pr.UserID, value)
		return err
	})
	if err != nil {
		return nil, wrap(err, "vote")
	}
	return out, nil
}

func (s *Service) unvote(ctx context.Context, postID, commentID int64) error {
	pr, err := s.requireMember(ctx, s.DB)
	if err != nil {
		return err
	}
	if _, err := s.Post(ctx, postID); err != nil {
		return err
	}
	k, item := postVotes, postID
	if commentID != 0 {
		if _, err := s.Comment(ctx, postID, commentID); err != nil {
			return err
		}
		k, item = commentVotes, commentID
	}
	err = s.DB.InTx(ctx, func(tx *store.Tx) error { return k.remove(ctx, tx, item, pr.UserID) })
	return wrap(err, "remove vote")
}

// votes lists the votes on a post or comment: everyone's for staff, the
// caller's own for others.
func (s *Service) votes(ctx context.Context, postID, commentID int64) ([]*Vote, error) {
	pr := desk.PrincipalFrom(ctx)
	if pr == nil {
		return nil, desk.Forbidden("Sign in to see votes")
	}
	if _, err := s.Post(ctx, postID); err != nil {
		return nil, err
	}
	k, item := postVotes, postID
	if commentID != 0 {
		if _, err := s.Comment(ctx, postID, commentID); err != nil {
			return nil, err
		}
		k, item = commentVotes, commentID
	}
	var user int64
	if !pr.IsStaff() {
		user = pr.UserID
	}
	v, err := k.list(ctx, s.DB, item, user)
	return v, wrap(err, "list votes")
}

// Vote records the caller's vote on post id: value 1 (up) or -1 (down). A
// user has one vote per post; voting again replaces it.
func (s *Service) Vote(ctx context.Context, postID int64, value int) (*Vote, error) {
	return s.vote(ctx, postID, 0, value)
}

// Unvote removes the caller's vote on post id (none is fine).
func (s *Service) Unvote(ctx context.Context, postID int64) error { return s.unvote(ctx, postID, 0) }

// Votes lists the votes on post id: everyone's for staff, the caller's own
// for others (who voted is not public).
func (s *Service) Votes(ctx context.Context, postID int64) ([]*Vote, error) {
	return s.votes(ctx, postID, 0)
}

// VoteComment records the caller's vote on comment id of post postID, as
// Vote does on a post: one per user, 1 or -1, a second replaces the first.
func (s *Service) VoteComment(ctx context.Context, postID, id int64, value int) (*Vote, error) {
	if id <= 0 {
		return nil, desk.NotFound()
	}
	return s.vote(ctx, postID, id, value)
}

// UnvoteComment removes the caller's vote on a comment (none is fine).
func (s *Service) UnvoteComment(ctx context.Context, postID, id int64) error {
	if id <= 0 {
		return desk.NotFound()
	}
	return s.unvote(ctx, postID, id)
}

// CommentVotes lists the votes on a comment as Votes does on a post.
func (s *Service) CommentVotes(ctx context.Context, postID, id int64) ([]*Vote, error) {
	if id <= 0 {
		return nil, desk.NotFound()
	}
	return s.votes(ctx, postID, id)
}

// MyVote is the caller's vote on post id (0: none).
func (s *Service) MyVote(ctx context.Context, postID int64) (int, error) {
	pr := desk.PrincipalFrom(ctx)
	if pr == nil || pr.UserID == 0 {
		return 0, nil
	}
	v, err := postVotes.list(ctx, s.DB, postID, pr.UserID)
	if err != nil || len(v) == 0 {
		return 0, wrap(err, "my vote")
	}
	return v[0].Value, nil
}

// MyCommentVotes maps the comments of post postID the caller voted on to
// their vote, for the post's page.
func (s *Service) MyCommentVotes(ctx context.Context, postID int64) (map[int64]int, error) {
	out := map[int64]int{}
	pr := desk.PrincipalFrom(ctx)
	if pr == nil || pr.UserID == 0 {
		return out, nil
	}
	rows, err := s.DB.Query(ctx, `SELECT v.comment_id, v.value FROM community_comment_votes v JOIN community_comments c ON c.id = v.comment_id
		WHERE c.post_id = ? AND v.user_id = ?`, postID, pr.UserID)
	if err != nil {
		return nil, wrap(err, "my comment votes")
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var v int
		if err := rows.Scan(&id, &v); err != nil {
			return nil, wrap(err, "my comment votes")
		}
		out[id] = v
	}
	return out, wrap(rows.Err(), "my comment votes")
}

func subscribeTx(ctx context.Context, tx *store.Tx, kind string, id, user int64) error {
	_, err := tx.Exec(ctx, `INSERT INTO community_subscriptions (content_type, content_id, user_id, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (content_type, content_id, user_id) DO NOTHING`, kind, id, user, nowMicros())
	return err
}

// checkContent makes sure the caller may read the post or topic followed.
func (s *Service) checkContent(ctx context.Context, kind string, id int64) error {
	switch kind {
	case TypePost:
		_, err := s.Post(ctx, id)
		return err
	case TypeTopic:
		_, err := s.Topic(ctx, id, "")
		return err
	}
	return desk.Invalid("content_type", "must be post or topic")
}

// Follow makes the caller follow a post or topic (following twice is one
// subscription).
func (s *Service) Follow(ctx context.Context, kind string, id int64) (*Subscription, error) {
	pr, err := s.requireMember(ctx, s.DB)
	if err != nil {
		return nil, err
	}
	if err := s.checkContent(ctx, kind, id); err != nil {
		return nil, err
	}
	var out *Subscription
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		if err := subscribeTx(ctx, tx, kind, id, pr.UserID); err != nil {
			return err
		}
		subs, err := listSubs(ctx, tx, kind, id, pr.UserID)
		if err != nil {
			return err
		}
		out = subs[0]
		return nil
	})
	if err != nil {
		return nil, wrap(err, "follow")
	}
	return out, nil
}

// subscriber is the caller ending a subscription to a post or topic they
// may read: signed in, not through a read-only token (banned users may
// still stop following).
func (s *Service) subscriber(ctx context.Context, kind string, id int64) (*desk.Principal, error) {
	pr, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	if pr.ReadOnly {
		return nil, desk.Forbidden("This token is read-only")
	}
	return pr, s.checkContent(ctx, kind, id)
}

// Unfollow ends the caller's subscription to a post or topic.
func (s *Service) Unfollow(ctx context.Context, kind string, id int64) error {
	pr, err := s.subscriber(ctx, kind, id)
	if err != nil {
		return err
	}
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM community_subscriptions WHERE content_type = ? AND content_id = ? AND user_id = ?`, kind, id, pr.UserID)
		return err
	})
	return wrap(err, "unfollow")
}

// DeleteSubscription ends subscription subID of a post or topic: the
// subscriber's own, or anyone's for moderators.
func (s *Service) DeleteSubscription(ctx context.Context, kind string, id, subID int64) error {
	pr, err := s.subscriber(ctx, kind, id)
	if err != nil {
		return err
	}
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		var user int64
		err := tx.QueryRow(ctx, `SELECT user_id FROM community_subscriptions WHERE id = ? AND content_type = ? AND content_id = ?`, subID, kind, id).Scan(&user)
		if err != nil {
			return notFoundIf(err)
		}
		if user != pr.UserID && !CanModerate(pr) {
			return desk.NotFound()
		}
		_, err = tx.Exec(ctx, `DELETE FROM community_subscriptions WHERE id = ?`, subID)
		return err
	})
	return wrap(err, "delete subscription")
}

// Subscriptions lists who follows a post or topic: everyone for staff,
// the caller's own subscription for others.
func (s *Service) Subscriptions(ctx context.Context, kind string, id int64) ([]*Subscription, error) {
	pr := desk.PrincipalFrom(ctx)
	if pr == nil {
		return nil, desk.Forbidden("Sign in to see subscriptions")
	}
	if err := s.checkContent(ctx, kind, id); err != nil {
		return nil, err
	}
	var user int64
	if !pr.IsStaff() {
		user = pr.UserID
	}
	subs, err := listSubs(ctx, s.DB, kind, id, user)
	return subs, wrap(err, "list subscriptions")
}

// Following reports whether the caller follows a post or topic.
func (s *Service) Following(ctx context.Context, kind string, id int64) (bool, error) {
	pr := desk.PrincipalFrom(ctx)
	if pr == nil || pr.UserID == 0 {
		return false, nil
	}
	subs, err := listSubs(ctx, s.DB, kind, id, pr.UserID)
	return len(subs) > 0, wrap(err, "following")
}

func listSubs(ctx context.Context, q store.Querier, kind string, id, user int64) ([]*Subscription, error) {
	query := `SELECT id, user_id, created_at FROM community_subscriptions WHERE content_type = ? AND content_id = ?`
	args := []any{kind, id}
	if user != 0 {
		query += ` AND user_id = ?`
		args = append(args, user)
	}
	rows, err := q.Query(ctx, query+` ORDER BY id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*Subscription{}
	ct := "Post"
	if kind == TypeTopic {
		ct = "Topic"
	}
	for rows.Next() {
		sub := &Subscription{ContentID: id, ContentType: ct}
		var c int64
		if err := rows.Scan(&sub.ID, &sub.UserID, &c); err != nil {
			return nil, err
		}
		sub.CreatedAt = desk.TimeFromMicros(c)
		out = append(out, sub)
	}
	return out, rows.Err()
}

// maxSlug bounds a slug (bytes).
const maxSlug = 80

// Slug makes a URL slug of a title: folded to ASCII lower case (Polish
// "Jak zresetować hasło" → "jak-zresetowac-haslo"), runs of anything else
// one dash, at most maxSlug bytes; "post" when nothing is left.
func Slug(title string) string {
	var b strings.Builder
	dash := false
	for _, r := range textfold.Fold(title) {
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
			if b.Len() >= maxSlug {
				break
			}
			continue
		}
		dash = true
	}
	if b.Len() == 0 {
		return "post"
	}
	return strings.TrimRight(b.String(), "-")
}

// ParseRef reads a post reference from a URL path segment: "123" or
// "123-some-slug" (the slug is ASCII letters, digits and dashes). It
// refuses anything else, so no path trick reaches a handler.
func ParseRef(ref string) (id int64, slug string, ok bool) {
	if ref == "" || len(ref) > 20+1+maxSlug+8 {
		return 0, "", false
	}
	num, rest, hasSlug := strings.Cut(ref, "-")
	if num == "" || len(num) > 18 || num[0] == '0' {
		return 0, "", false
	}
	for i := 0; i < len(num); i++ {
		if num[i] < '0' || num[i] > '9' {
			return 0, "", false
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n <= 0 {
		return 0, "", false
	}
	if hasSlug {
		if rest == "" {
			return 0, "", false
		}
		for i := 0; i < len(rest); i++ {
			c := rest[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return 0, "", false
			}
		}
	}
	return n, rest, true
}
