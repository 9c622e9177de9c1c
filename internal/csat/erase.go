package csat

import (
	"context"
	"fmt"

	"github.com/frontdesk/frontdesk/internal/erase"
	"github.com/frontdesk/frontdesk/internal/store"
)

// EraseTx removes, inside tx, what the ratings hold of a person being
// permanently deleted (package people calls it from PurgeUser): the
// comment of every rating they gave is redacted whole, and their terms
// from the comments of others. Scores, tickets, solve times, assignees and
// groups stay, so the satisfaction statistics do.
func (s *Service) EraseTx(ctx context.Context, tx *store.Tx, userID int64, terms []string) error {
	rows, err := tx.Query(ctx, `SELECT id, requester_id, comment FROM satisfaction_ratings WHERE comment <> ''`)
	if err != nil {
		return fmt.Errorf("csat: erasing user %d: %w", userID, err)
	}
	type rating struct {
		id, requester int64
		comment       string
	}
	var rs []rating
	for rows.Next() {
		var r rating
		if err := rows.Scan(&r.id, &r.requester, &r.comment); err != nil {
			rows.Close()
			return fmt.Errorf("csat: erasing user %d: %w", userID, err)
		}
		rs = append(rs, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("csat: erasing user %d: %w", userID, err)
	}
	m := erase.New(terms)
	for _, r := range rs {
		c := m.String(r.comment)
		if r.requester == userID {
			c = erase.Marks(r.comment)
		}
		if c == r.comment {
			continue
		}
		if _, err := tx.Exec(ctx, `UPDATE satisfaction_ratings SET comment = ? WHERE id = ?`, c, r.id); err != nil {
			return fmt.Errorf("csat: erasing user %d from rating %d: %w", userID, r.id, err)
		}
	}
	return nil
}
