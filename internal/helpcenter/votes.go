package helpcenter

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
)

// ArticleVote is one visitor's vote on an article (Zendesk's vote record).
// UserID is 0 for a signed-out visitor's vote.
type ArticleVote struct {
	ID        int64     `json:"id"`
	ArticleID int64     `json:"item_id"`
	UserID    int64     `json:"user_id"`
	Value     VoteValue `json:"value"`
	CreatedAt desk.Time `json:"created_at"`
}

// voterOf names who votes: a signed-in user as themselves, a signed-out
// visitor by anonKey (a hash of their cookie the web layer keeps).
func voterOf(ctx context.Context, anonKey string) (string, error) {
	if p := desk.PrincipalFrom(ctx); p != nil && p.UserID != 0 {
		if p.ReadOnly {
			return "", desk.Forbidden("This token may only read")
		}
		return fmt.Sprintf("u:%d", p.UserID), nil
	}
	if anonKey != "" && len(anonKey) <= 128 {
		return "a:" + anonKey, nil
	}
	return "", desk.Errorf(desk.EUNAUTHORIZED, "Couldn't authenticate you")
}

const voteCols = `v.id, v.article_id, v.voter, v.value, v.created_at`

func scanVote(sc interface{ Scan(...any) error }) (ArticleVote, string, error) {
	var x ArticleVote
	var voter string
	var value int
	var created int64
	if err := sc.Scan(&x.ID, &x.ArticleID, &voter, &value, &created); err != nil {
		return x, "", err
	}
	x.Value, x.CreatedAt = VoteValue(value), desk.TimeFromMicros(created)
	if u, ok := strings.CutPrefix(voter, "u:"); ok {
		x.UserID, _ = strconv.ParseInt(u, 10, 64)
	}
	return x, voter, nil
}

// mayManageVote: a vote is its voter's, and agents (staff) moderate votes.
func mayManageVote(ctx context.Context, voter string) bool {
	p := desk.PrincipalFrom(ctx)
	if p == nil || p.UserID == 0 {
		return false
	}
	return p.IsStaff() || p.System || voter == fmt.Sprintf("u:%d", p.UserID)
}

// votes lists votes matching cond on articles the caller may read, keeping
// only those the caller may see (their own; all of them for staff).
func (s *Service) votes(ctx context.Context, cond string, args ...any) ([]ArticleVote, error) {
	v, err := s.viewerFor(ctx)
	if err != nil {
		return nil, err
	}
	f, fargs := v.filter("a")
	rows, err := s.DB.Query(ctx, `SELECT `+voteCols+` FROM hc_votes v JOIN hc_articles a ON a.id = v.article_id WHERE `+cond+` AND `+f+` ORDER BY v.id`,
		append(args, fargs...)...)
	if err != nil {
		return nil, fmt.Errorf("helpcenter: votes: %w", err)
	}
	defer rows.Close()
	out := []ArticleVote{}
	for rows.Next() {
		x, voter, err := scanVote(rows)
		if err != nil {
			return nil, fmt.Errorf("helpcenter: votes: %w", err)
		}
		if mayManageVote(ctx, voter) {
			out = append(out, x)
		}
	}
	return out, rows.Err()
}

// ArticleVotes lists the votes on an article the caller may read: all of
// them for staff, the caller's own for anyone else.
func (s *Service) ArticleVotes(ctx context.Context, articleID int64) ([]ArticleVote, error) {
	v, err := s.viewerFor(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.articleRow(ctx, v, articleID); err != nil {
		return nil, err
	}
	return s.votes(ctx, `v.article_id = ?`, articleID)
}

// UserVotes lists a user's votes (the user themselves, or staff) on
// articles the caller may read.
func (s *Service) UserVotes(ctx context.Context, userID int64) ([]ArticleVote, error) {
	if !mayManageVote(ctx, fmt.Sprintf("u:%d", userID)) {
		return nil, desk.Forbidden("You may list only your own votes")
	}
	return s.votes(ctx, `v.voter = ?`, fmt.Sprintf("u:%d", userID))
}

// GetVote returns one vote: its voter's, or any for staff, on an article
// the caller may read; anything else is not found.
func (s *Service) GetVote(ctx context.Context, id int64) (ArticleVote, error) {
	vs, err := s.votes(ctx, `v.id = ?`, id)
	if err != nil {
		return ArticleVote{}, err
	}
	if len(vs) == 0 {
		return ArticleVote{}, desk.NotFound()
	}
	return vs[0], nil
}

// MyVote returns the caller's vote on an article (anonKey for a signed-out
// visitor), and false when there is none.
func (s *Service) MyVote(ctx context.Context, articleID int64, anonKey string) (ArticleVote, bool, error) {
	voter, err := voterOf(ctx, anonKey)
	if err != nil {
		return ArticleVote{}, false, nil
	}
	v, err := s.viewerFor(ctx)
	if err != nil {
		return ArticleVote{}, false, err
	}
	if _, err := s.articleRow(ctx, v, articleID); err != nil {
		return ArticleVote{}, false, err
	}
	x, _, err := scanVote(s.DB.QueryRow(ctx, `SELECT `+voteCols+` FROM hc_votes v WHERE v.article_id = ? AND v.voter = ?`, articleID, voter))
	if err != nil {
		if desk.ErrorCode(notFound(err, "vote")) == desk.ENOTFOUND {
			return ArticleVote{}, false, nil
		}
		return ArticleVote{}, false, fmt.Errorf("helpcenter: vote: %w", err)
	}
	return x, true, nil
}

// DeleteVote removes a vote by id: the voter's own, or any for an agent.
func (s *Service) DeleteVote(ctx context.Context, id int64) error {
	if p := desk.PrincipalFrom(ctx); p != nil && p.ReadOnly {
		return desk.Forbidden("This token may only read")
	}
	x, err := s.GetVote(ctx, id)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM hc_votes WHERE id = ?`, x.ID); err != nil {
			return fmt.Errorf("helpcenter: delete vote: %w", err)
		}
		return nil
	})
}

// Unvote withdraws the caller's vote on an article they may read (a
// signed-out visitor's by anonKey); no vote is not an error.
func (s *Service) Unvote(ctx context.Context, articleID int64, anonKey string) error {
	voter, err := voterOf(ctx, anonKey)
	if err != nil {
		return err
	}
	v, err := s.viewerFor(ctx)
	if err != nil {
		return err
	}
	if _, err := s.articleRow(ctx, v, articleID); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM hc_votes WHERE article_id = ? AND voter = ?`, articleID, voter); err != nil {
			return fmt.Errorf("helpcenter: withdraw vote: %w", err)
		}
		return nil
	})
}
