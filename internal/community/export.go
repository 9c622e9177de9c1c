package community

import (
	"context"

	"github.com/frontdesk/frontdesk/internal/desk"
)

// Authored is what one person wrote and did in the community, for a
// data-subject export: their posts and comments in every moderation state
// (held and rejected ones are theirs too), their votes and what they
// follow. Nothing in it is about anybody else.
type Authored struct {
	Posts         []*Post         `json:"posts"`
	Comments      []*Comment      `json:"comments"`
	Votes         []*Vote         `json:"votes"`
	Subscriptions []*Subscription `json:"subscriptions"`
}

// Count is how many records a holds.
func (a *Authored) Count() int {
	return len(a.Posts) + len(a.Comments) + len(a.Votes) + len(a.Subscriptions)
}

// AuthoredBy returns what userID wrote and did in the community. It needs
// staff holding export_data (the exporting principal, as package privacy
// runs it).
func (s *Service) AuthoredBy(ctx context.Context, userID int64) (*Authored, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	if !p.System && (!p.IsStaff() || !p.Can().ExportData) {
		return nil, desk.Forbidden("Exporting a person's community content needs the export_data permission")
	}
	a := &Authored{Posts: []*Post{}, Comments: []*Comment{}, Votes: []*Vote{}, Subscriptions: []*Subscription{}}
	rows, err := s.DB.Query(ctx, `SELECT `+postCols+postFrom+` WHERE p.author_id = ? ORDER BY p.id`, userID)
	if err != nil {
		return nil, wrap(err, "export posts")
	}
	for rows.Next() {
		post, err := scanPost(rows)
		if err != nil {
			rows.Close()
			return nil, wrap(err, "export posts")
		}
		a.Posts = append(a.Posts, post)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, wrap(err, "export posts")
	}
	rows, err = s.DB.Query(ctx, `SELECT `+commentCols+commentFrom+` WHERE c.author_id = ? ORDER BY c.id`, userID)
	if err != nil {
		return nil, wrap(err, "export comments")
	}
	for rows.Next() {
		c, err := scanComment(rows)
		if err != nil {
			rows.Close()
			return nil, wrap(err, "export comments")
		}
		a.Comments = append(a.Comments, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, wrap(err, "export comments")
	}
	for _, k := range []voteKind{postVotes, commentVotes} {
		if err := k.byUser(ctx, s.DB, userID, &a.Votes); err != nil {
			return nil, wrap(err, "export votes")
		}
	}
	rows, err = s.DB.Query(ctx, `SELECT id, content_type, content_id, created_at FROM community_subscriptions WHERE user_id = ? ORDER BY id`, userID)
	if err != nil {
		return nil, wrap(err, "export subscriptions")
	}
	defer rows.Close()
	for rows.Next() {
		sub := &Subscription{UserID: userID}
		var kind string
		var c int64
		if err := rows.Scan(&sub.ID, &kind, &sub.ContentID, &c); err != nil {
			return nil, wrap(err, "export subscriptions")
		}
		sub.ContentType = "Post"
		if kind == TypeTopic {
			sub.ContentType = "Topic"
		}
		sub.CreatedAt = desk.TimeFromMicros(c)
		a.Subscriptions = append(a.Subscriptions, sub)
	}
	return a, wrap(rows.Err(), "export subscriptions")
}
