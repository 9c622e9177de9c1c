package macros

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/rules"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// usageWindow is how long single applications are kept (usage_30d).
const usageWindow = 30 * 24 * time.Hour

// usable loads a macro the caller may apply: active and usable by them.
func (s *Service) usable(ctx context.Context, id int64) (*desk.Principal, *Macro, error) {
	p, groups, err := s.caller(ctx)
	if err != nil {
		return nil, nil, err
	}
	m, err := load(ctx, s.DB, id)
	if err != nil {
		return nil, nil, err
	}
	if !m.stored.Usable(p, groups) && !p.System {
		if visible(p, groups, m) {
			return nil, nil, desk.Forbidden("This macro is not available to you")
		}
		return nil, nil, desk.NotFound()
	}
	if !m.Active {
		return nil, nil, desk.Invalid("macro", "is inactive")
	}
	return p, m, nil
}

// edit applies m to e for p: the engine's actions first, then the comment
// with its placeholders rendered for the ticket as changed, and a note
// naming the macro in the audit.
func (s *Service) edit(ctx context.Context, tx *store.Tx, p *desk.Principal, m *Macro, e *ticket.Edit) error {
	if s.Rules == nil {
		return errors.New("macros: no rules engine")
	}
	comment, rest := split(m.Actions)
	if len(rest) > 0 {
		var later []rules.SideEffect
		ac := &rules.ActionContext{Ctx: ctx, Tx: tx, Edit: e, Rule: rules.Ref{Kind: rules.KindMacro, ID: m.ID, Title: m.Title},
			Actor: p, Registry: s.Rules, Later: func(f rules.SideEffect) { later = append(later, f) }}
		if err := s.Rules.Apply(ac, rest); err != nil {
			return err
		}
		if len(later) > 0 {
			return desk.Invalid("actions", "a macro cannot send notifications or call webhooks")
		}
	}
	var ci *ticket.CommentInput
	var texts []Action
	for _, a := range comment {
		if ci == nil {
			ci = &ticket.CommentInput{}
		}
		if a.Field == ActionCommentPublic {
			b, _ := boolValue(a.Value)
			ci.Public = &b
		} else {
			texts = append(texts, a)
		}
	}
	if len(texts) > 0 {
		// The reader of a public reply is the requester; of a note, staff.
		d, err := s.placeholderData(ctx, tx, p, e.Ticket(), ci.Public == nil || *ci.Public)
		if err != nil {
			return err
		}
		for _, a := range texts {
			text, _ := commentText(a.Value)
			if a.Field == ActionCommentHTML {
				ci.HTMLBody = s.renderHTML(text, d)
			} else {
				ci.Body = s.Rules.Render(text, d, false)
			}
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

// placeholderData is what placeholders read for a macro comment on t.
func (s *Service) placeholderData(ctx context.Context, tx *store.Tx, p *desk.Principal, t *desk.Ticket, public bool) (*rules.PlaceholderData, error) {
	d := &rules.PlaceholderData{Ctx: ctx, Tx: tx, Ticket: t, BaseURL: s.BaseURL, Staff: !public}
	var err error
	if d.Requester, err = rules.LoadPerson(ctx, tx, t.RequesterID); err != nil {
		return nil, err
	}
	if t.AssigneeID != nil {
		if d.Assignee, err = rules.LoadPerson(ctx, tx, *t.AssigneeID); err != nil {
			return nil, err
		}
	}
	if p.UserID != 0 {
		if d.CurrentUser, err = rules.LoadPerson(ctx, tx, p.UserID); err != nil {
			return nil, err
		}
	}
	if public && d.Requester != nil {
		d.Locale = d.Requester.Locale
	} else if d.CurrentUser != nil {
		d.Locale = d.CurrentUser.Locale
	}
	return d, nil
}

// renderHTML renders the placeholders of an HTML comment: the macro's own
// markup stays (the ticket service sanitizes it), every placeholder value
// is HTML-escaped.
func (s *Service) renderHTML(text string, d *rules.PlaceholderData) string {
	var b strings.Builder
	for {
		i := strings.Index(text, "{{")
		if i < 0 {
			break
		}
		j := strings.Index(text[i+2:], "}}")
		if j < 0 {
			break
		}
		b.WriteString(text[:i])
		b.WriteString(s.Rules.Render(text[i:i+4+j], d, true))
		text = text[i+4+j:]
	}
	b.WriteString(text)
	return b.String()
}

// Apply applies macro id to ticket ticketID for the caller and saves the
// change through the ticket service's commit path: one audit, which names
// the macro. The caller's own rights bound what the macro may change.
func (s *Service) Apply(ctx context.Context, id, ticketID int64) (_ *desk.Ticket, _ *desk.Audit, err error) {
	defer func() { err = wrapf(err, "macros: apply %d to ticket %d", id, ticketID) }()
	p, m, err := s.usable(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	var t *desk.Ticket
	var audit *desk.Audit
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		t, audit, err = s.Tickets.EditTx(ctx, tx, ticketID, func(e *ticket.Edit) error { return s.edit(ctx, tx, p, m, e) })
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
	p, m, err := s.usable(ctx, id)
	if err != nil {
		return nil, err
	}
	t, c, err := s.Tickets.Preview(ctx, ticketID, func(tx *store.Tx, e *ticket.Edit) error { return s.edit(ctx, tx, p, m, e) })
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
	_, m, err := s.usable(ctx, id)
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
