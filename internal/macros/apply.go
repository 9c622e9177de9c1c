package macros

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// usageWindow is how long single applications are kept (usage_30d).
const usageWindow = 30 * 24 * time.Hour

// usable loads a macro the caller may apply: active and usable by them.
func (s *Service) usable(ctx context.Context, id int64) (*Macro, error) {
	p, groups, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	m, err := load(ctx, s.DB, id)
	if err != nil {
		return nil, err
	}
	if !m.stored.Usable(p, groups) && !p.System {
		if visible(p, groups, m) {
			return nil, desk.Forbidden("This macro is not available to you")
		}
		return nil, desk.NotFound()
	}
	if !m.Active {
		return nil, desk.Invalid("macro", "is inactive")
	}
	return m, nil
}

// edit applies m to e: the engine's actions first, then the comment with
// its placeholders rendered for the ticket as changed and the acting user,
// and a note naming the macro.
func (s *Service) edit(ctx context.Context, m *Macro, e *ticket.Edit) error {
	comment, rest := split(m.Actions)
	if len(rest) > 0 {
		if s.Engine == nil {
			return errors.New("macros: no rules engine")
		}
		if err := s.Engine.ApplyMacroActions(ctx, e, rest); err != nil {
			return err
		}
	}
	var ci *ticket.CommentInput
	for _, a := range comment {
		if ci == nil {
			ci = &ticket.CommentInput{}
		}
		switch a.Field {
		case ActionComment:
			text, _ := commentText(a.Value)
			out, err := s.render(ctx, text, e.Current(), false)
			if err != nil {
				return err
			}
			ci.Body = out
		case ActionCommentHTML:
			text, _ := commentText(a.Value)
			out, err := s.render(ctx, text, e.Current(), true)
			if err != nil {
				return err
			}
			ci.HTMLBody = out
		case ActionCommentPublic:
			b, _ := boolValue(a.Value)
			ci.Public = &b
		}
	}
	if ci != nil && (strings.TrimSpace(ci.Body) != "" || strings.TrimSpace(ci.HTMLBody) != "") {
		if err := e.AddComment(ci); err != nil {
			return err
		}
	}
	e.NoteMacro(m.ID, m.Title)
	return nil
}

func (s *Service) render(ctx context.Context, text string, t *desk.Ticket, html bool) (string, error) {
	if !strings.Contains(text, "{{") {
		return text, nil
	}
	if s.Engine == nil {
		return "", errors.New("macros: no rules engine")
	}
	return s.Engine.RenderPlaceholders(ctx, text, t, html)
}

// Apply applies macro id to ticket ticketID for the caller and saves the
// change through the ticket service's commit path: one audit, which names
// the macro. The caller's own rights bound what the macro may change.
func (s *Service) Apply(ctx context.Context, id, ticketID int64) (_ *desk.Ticket, _ *desk.Audit, err error) {
	defer func() { err = wrapf(err, "macros: apply %d to ticket %d", id, ticketID) }()
	m, err := s.usable(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	var t *desk.Ticket
	var audit *desk.Audit
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		t, audit, err = s.Tickets.EditTx(ctx, tx, ticketID, func(e *ticket.Edit) error { return s.edit(ctx, m, e) })
		if err != nil {
			return err
		}
		return s.recordUse(ctx, tx, m.ID)
	})
	if err != nil {
		return nil, nil, err
	}
	return t, audit, nil
}

// recordUse counts one application and forgets those past the window.
func (s *Service) recordUse(ctx context.Context, tx *store.Tx, id int64) error {
	now := store.Now()
	if _, err := tx.Exec(ctx, `INSERT INTO macro_usage (macro_id, used_at) VALUES (?, ?)`, id, now); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM macro_usage WHERE macro_id = ? AND used_at < ?`, id, now-usageWindow.Microseconds()); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `UPDATE macros SET usage_total = usage_total + 1 WHERE id = ?`, id)
	return err
}

// Result is what applying a macro would make (Zendesk's apply "result").
type Result struct {
	Ticket  *desk.Ticket           `json:"ticket"`
	Comment *ticket.PreviewComment `json:"comment,omitempty"`
}

// Preview returns what applying macro id to ticket ticketID would make,
// without saving anything (Zendesk's GET …/macros/{id}/apply).
func (s *Service) Preview(ctx context.Context, id, ticketID int64) (_ *Result, err error) {
	defer func() { err = wrapf(err, "macros: preview %d on ticket %d", id, ticketID) }()
	m, err := s.usable(ctx, id)
	if err != nil {
		return nil, err
	}
	t, c, err := s.Tickets.Preview(ctx, ticketID, func(e *ticket.Edit) error { return s.edit(ctx, m, e) })
	if err != nil {
		return nil, err
	}
	return &Result{Ticket: t, Comment: c}, nil
}

// Changes describes what macro id does without a ticket (Zendesk's
// GET /macros/{id}/apply): the ticket properties its actions set and its
// comment, placeholders left as written.
func (s *Service) Changes(ctx context.Context, id int64) (_ map[string]any, err error) {
	defer func() { err = wrapf(err, "macros: changes %d", id) }()
	m, err := s.usable(ctx, id)
	if err != nil {
		return nil, err
	}
	tk := map[string]any{}
	var comment map[string]any
	for _, a := range m.Actions {
		switch a.Field {
		case ActionComment:
			text, _ := commentText(a.Value)
			if comment == nil {
				comment = map[string]any{"public": true}
			}
			comment["body"] = text
		case ActionCommentHTML:
			text, _ := commentText(a.Value)
			if comment == nil {
				comment = map[string]any{"public": true}
			}
			comment["html_body"] = text
		case ActionCommentPublic:
			b, _ := boolValue(a.Value)
			if comment == nil {
				comment = map[string]any{}
			}
			comment["public"] = b
		default:
			tk[a.Field] = a.Value
		}
	}
	out := map[string]any{"ticket": tk}
	if comment != nil {
		out["comment"] = comment
	}
	return out, nil
}

// Usage fills the usage counts of ms (the 1 hour, 24 hours, 7 days and 30
// days before now).
func (s *Service) Usage(ctx context.Context, ms []*Macro) (err error) {
	defer func() { err = wrapf(err, "macros: usage") }()
	if len(ms) == 0 {
		return nil
	}
	now := store.Now()
	hour := time.Hour.Microseconds()
	byID := map[int64]*Macro{}
	args := []any{now - hour, now - 24*hour, now - 7*24*hour, now - usageWindow.Microseconds()}
	ph := make([]string, 0, len(ms))
	for _, m := range ms {
		zero := [4]int{}
		m.Usage1h, m.Usage24h, m.Usage7d, m.Usage30d = &zero[0], &zero[1], &zero[2], &zero[3]
		byID[m.ID] = m
		ph = append(ph, "?")
		args = append(args, m.ID)
	}
	rows, err := s.DB.Query(ctx, `SELECT macro_id,
		SUM(CASE WHEN used_at >= ? THEN 1 ELSE 0 END), SUM(CASE WHEN used_at >= ? THEN 1 ELSE 0 END),
		SUM(CASE WHEN used_at >= ? THEN 1 ELSE 0 END), SUM(CASE WHEN used_at >= ? THEN 1 ELSE 0 END)
		FROM macro_usage WHERE macro_id IN (`+strings.Join(ph, ",")+`) GROUP BY macro_id`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var h, d, w, mo int
		if err := rows.Scan(&id, &h, &d, &w, &mo); err != nil {
			return err
		}
		if m := byID[id]; m != nil {
			*m.Usage1h, *m.Usage24h, *m.Usage7d, *m.Usage30d = h, d, w, mo
		}
	}
	return rows.Err()
}
