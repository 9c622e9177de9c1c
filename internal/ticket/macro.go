package ticket

import (
	"context"
	"errors"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
)

// NoteMacro records in the audit that macro id (title) made this change,
// Zendesk's AgentMacroReference event.
func (e *Edit) NoteMacro(id int64, title string) {
	e.c.events = append(e.c.events, desk.AuditEvent{Type: "AgentMacroReference", MacroID: id, MacroTitle: title})
}

// NoteError records an Error event in the audit (Zendesk's type: a rule
// that could not finish), with message in English, code naming the kind
// of error and value its details; via marks the rule.
func (e *Edit) NoteError(code, message string, value any, via *desk.Via) {
	e.c.events = append(e.c.events, desk.AuditEvent{Type: "Error", ErrorCode: code, Message: message, Value: value, Via: via})
}

// PreviewComment is the comment an edit would add.
type PreviewComment struct {
	Body     string `json:"body"`
	HTMLBody string `json:"html_body"`
	Public   bool   `json:"public"`
}

// errPreview rolls a preview's transaction back.
var errPreview = errors.New("ticket: preview")

// Preview runs fn over an Edit of ticket id (in transaction tx) as EditTx
// would, with
// every rule and permission check, and returns the ticket and comment that
// would result, but stores nothing: the transaction is rolled back before
// the commit path (no audit, no hooks, no event). Zendesk's macro apply
// endpoints answer with this.
func (s *Service) Preview(ctx context.Context, id int64, fn func(*store.Tx, *Edit) error) (_ *desk.Ticket, _ *PreviewComment, err error) {
	defer func() { err = wrapf(err, "ticket: preview %d", id) }()
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, nil, err
	}
	var t *desk.Ticket
	var pc *PreviewComment
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		old, err := loadVisibleTx(ctx, tx, p, id, false)
		if err != nil {
			return err
		}
		if old.Status == desk.StatusClosed {
			return desk.Invalid("status", "closed prevents ticket update")
		}
		t = cloneTicket(old)
		c := &change{}
		e := s.newEdit(ctx, tx, p, old, t, c)
		if err := fn(tx, e); err != nil {
			return err
		}
		if err := e.finish(); err != nil {
			return err
		}
		if c.comment != nil {
			pc = &PreviewComment{Body: c.comment.body, HTMLBody: c.comment.html, Public: c.comment.public}
		}
		return errPreview
	})
	if !errors.Is(err, errPreview) {
		return nil, nil, err
	}
	return t, pc, nil
}
