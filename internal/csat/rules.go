package csat

import (
	"github.com/frontdesk/frontdesk/internal/rules"
	"github.com/frontdesk/frontdesk/internal/store"
)

// RegisterRules adds CSAT's placeholders to the rules engine:
// {{satisfaction.rating_url}} (the signed rating page of the ticket's
// current solve; empty before a solve or without a public URL) and
// {{satisfaction.current_rating}} (good, bad, offered or unoffered). Call
// it while wiring the server.
func (s *Service) RegisterRules(r *rules.Registry) {
	r.AddPlaceholder("satisfaction.rating_url", func(d *rules.PlaceholderData) string {
		if d == nil || d.Ticket == nil || d.Ctx == nil {
			return ""
		}
		var q store.Querier = s.DB
		if d.Tx != nil {
			q = d.Tx
		}
		u, err := s.RatingURL(d.Ctx, q, d.Ticket.ID)
		if err != nil {
			return ""
		}
		return u
	})
	r.AddPlaceholder("satisfaction.current_rating", func(d *rules.PlaceholderData) string {
		if d == nil || d.Ticket == nil || d.Ctx == nil {
			return ""
		}
		var q store.Querier = s.DB
		if d.Tx != nil {
			q = d.Tx
		}
		var solvedAt int64
		if err := q.QueryRow(d.Ctx, `SELECT solved_at FROM tickets WHERE id = ?`, d.Ticket.ID).Scan(&solvedAt); err != nil {
			return ""
		}
		cur, err := s.current(d.Ctx, q, d.Ticket.ID, solvedAt)
		if err != nil {
			return ""
		}
		if cur == nil {
			return string(Unoffered)
		}
		return string(cur.Score)
	})
}
