package answerbot

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
)

// Channels an outcome comes from.
const (
	ChannelChat  = "chat"
	ChannelEmail = "email"
)

// Results of a conversation the bot let go of.
const (
	Resolved = "resolved"
	Handover = "handover"
)

// Outcome is one conversation the bot let go of, for reports.
type Outcome struct {
	Channel        string    `json:"channel"`
	ConversationID int64     `json:"conversation_id"`
	TicketID       int64     `json:"ticket_id"`
	ArticleID      int64     `json:"article_id"`
	Result         string    `json:"outcome"`
	CreatedAt      desk.Time `json:"created_at"`
}

// Record stores an outcome; this package is the table's one writer.
func (s *Service) Record(ctx context.Context, o Outcome) error {
	return recordTx(ctx, s.DB, o)
}

// execer is a store.DB or a store.Tx.
type execer interface {
	Exec(ctx context.Context, q string, args ...any) (sql.Result, error)
}

func recordTx(ctx context.Context, q execer, o Outcome) error {
	if (o.Channel != ChannelChat && o.Channel != ChannelEmail) || (o.Result != Resolved && o.Result != Handover) {
		return fmt.Errorf("answerbot: bad outcome %q/%q", o.Channel, o.Result)
	}
	if _, err := q.Exec(ctx, `INSERT INTO answer_bot_outcomes (channel, conversation_id, ticket_id, article_id, outcome, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		o.Channel, o.ConversationID, o.TicketID, o.ArticleID, o.Result, store.Now()); err != nil {
		return fmt.Errorf("answerbot: record outcome: %w", err)
	}
	return nil
}

// Outcomes lists the newest outcomes (at most limit, 100 by default), for
// admins' reports.
func (s *Service) Outcomes(ctx context.Context, limit int) ([]Outcome, error) {
	if _, err := s.requireAdmin(ctx, false); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	rows, err := s.DB.Query(ctx, fmt.Sprintf(`SELECT channel, conversation_id, ticket_id, article_id, outcome, created_at FROM answer_bot_outcomes ORDER BY id DESC LIMIT %d`, limit))
	if err != nil {
		return nil, fmt.Errorf("answerbot: outcomes: %w", err)
	}
	defer rows.Close()
	out := []Outcome{}
	for rows.Next() {
		var o Outcome
		var at int64
		if err := rows.Scan(&o.Channel, &o.ConversationID, &o.TicketID, &o.ArticleID, &o.Result, &at); err != nil {
			return nil, err
		}
		o.CreatedAt = desk.TimeFromMicros(at)
		out = append(out, o)
	}
	return out, rows.Err()
}
