package ticket

import (
	"context"
	"errors"
	"slices"
	"sync"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
)

// RuleStage runs business rules (triggers) on a create or update before it
// is written: it changes the ticket through e's appliers, so the rules'
// changes land in the same audit as the change that set them off, marked
// with the rule (AuditEvent.Via), as Zendesk records them. It returns side
// effects (notifications, webhooks) to run in the same transaction once
// the ticket and its audit are written, with the committed change.
//
// The Edit acts as the system principal (rule actions are not limited by
// the person's role); e.Change describes the change as it stands.
type RuleStage func(ctx context.Context, tx *store.Tx, e *Edit) ([]Hook, error)

type ruleStageHolder struct {
	mu sync.RWMutex
	fn RuleStage
}

var stages sync.Map // *Service → *ruleStageHolder (keeps Service's fields as they are)

// SetRuleStage installs the rule stage (one per service; nil removes it).
// Install it while wiring the server, before serving.
func (s *Service) SetRuleStage(fn RuleStage) {
	h, _ := stages.LoadOrStore(s, &ruleStageHolder{})
	hh := h.(*ruleStageHolder)
	hh.mu.Lock()
	hh.fn = fn
	hh.mu.Unlock()
}

func (s *Service) ruleStage() RuleStage {
	h, ok := stages.Load(s)
	if !ok {
		return nil
	}
	hh := h.(*ruleStageHolder)
	hh.mu.RLock()
	defer hh.mu.RUnlock()
	return hh.fn
}

type noRulesKey struct{}

// WithoutRules marks ctx so that changes made with it skip the rule stage
// (a rule's own follow-up edits, dry runs).
func WithoutRules(ctx context.Context) context.Context {
	return context.WithValue(ctx, noRulesKey{}, true)
}

func rulesOff(ctx context.Context) bool { v, _ := ctx.Value(noRulesKey{}).(bool); return v }

// rulePrincipal acts for rule actions.
var rulePrincipal = &desk.Principal{System: true, Role: desk.RoleAdmin, Via: "rule"}

// runRules runs the rule stage on m, if one is installed, and returns the
// side effects to run after the write.
func (s *Service) runRules(ctx context.Context, tx *store.Tx, m *mutation) ([]Hook, error) {
	stage := s.ruleStage()
	if stage == nil || rulesOff(ctx) || (m.kind != desk.ChangeCreate && m.kind != desk.ChangeUpdate) {
		return nil, nil
	}
	e := s.newEdit(ctx, tx, rulePrincipal, m.before, m.after, &m.change)
	e.actor = m.actor
	firstNew := len(m.change.events)
	after, err := stage(WithoutRules(ctx), tx, e)
	if err != nil {
		return nil, err
	}
	e.recordTags()
	if m.kind == desk.ChangeCreate {
		createEvents(&m.change, firstNew, m.after)
	}
	return after, nil
}

// createEvents folds the rule changes of a new ticket into its Create
// events: a new ticket's audit lists values, not changes.
func createEvents(c *change, firstNew int, t *desk.Ticket) {
	base, added := c.events[:firstNew], c.events[firstNew:]
	out := slices.Clone(base)
	for _, ev := range added {
		if ev.FieldName == "" { // not a field change (an Error event)
			out = append(out, ev)
			continue
		}
		ev.Type, ev.PreviousValue = "Create", nil
		if i := slices.IndexFunc(out, func(x desk.AuditEvent) bool { return x.FieldName == ev.FieldName }); i >= 0 {
			v := out[i].Via
			out[i].Value = ev.Value
			if ev.Via != nil {
				out[i].Via = ev.Via
			} else {
				out[i].Via = v
			}
			continue
		}
		out = append(out, ev)
	}
	// SetStatus records no event while creating: the status event follows t.
	for i := range out {
		if out[i].FieldName == "status" && out[i].Value != string(t.Status) {
			out[i].Value = string(t.Status)
		}
	}
	c.events = out
}

// Change describes the change as it stands: the stored ticket (nil on
// create), a copy of the ticket as edited, the events so far and the
// comment, if any. Rules test their conditions against it.
func (e *Edit) Change() *desk.TicketChange {
	e.recordTags()
	ch := &desk.TicketChange{Kind: desk.ChangeUpdate, Before: e.old, After: cloneTicket(e.t), Events: slices.Clone(e.c.events)}
	if e.creating {
		ch.Kind = desk.ChangeCreate
	}
	if e.t != nil {
		ch.TicketID = e.t.ID
	}
	actor := e.actor
	if actor == nil {
		actor = e.p
	}
	ch.ActorID, ch.Via = actor.UserID, viaChannel(actor, e.t)
	if nc := e.c.comment; nc != nil {
		ch.Comment = &desk.Comment{Type: "Comment", TicketID: ch.TicketID, AuthorID: nc.authorID, Body: nc.body, HTMLBody: nc.html,
			PlainBody: nc.body, Public: nc.public, Attachments: []desk.Attachment{}}
		if ch.ActorID == 0 {
			ch.ActorID = nc.authorID
		}
	}
	return ch
}

// Actor is who made the change the rules run on (the person, not the
// rule principal the Edit acts as).
func (e *Edit) Actor() *desk.Principal {
	if e.actor != nil {
		return e.actor
	}
	return e.p
}

// EventCount is the number of audit events recorded so far.
func (e *Edit) EventCount() int { e.recordTags(); return len(e.c.events) }

// MarkEvents marks the events recorded since from (an EventCount) as made
// by a rule, as Zendesk's audits do (via channel "rule").
func (e *Edit) MarkEvents(from int, via desk.Via) {
	e.recordTags()
	for i := from; i < len(e.c.events); i++ {
		v := via
		e.c.events[i].Via = &v
	}
}

// Try runs fn (appliers) and the checks that span fields; when either
// fails, it undoes whatever fn changed and returns the error, so one bad
// rule leaves the change as it was. Validation problems come back as a
// desk validation error.
func (e *Edit) Try(fn func() error) error {
	snap := e.snapshot()
	err := fn()
	if err == nil {
		err = e.finish()
	}
	if err != nil {
		e.restore(snap)
	}
	return err
}

type editSnapshot struct {
	t                desk.Ticket
	events           int
	comment          *newComment
	hadProblems      bool
	tagsBase         []string
	tt, tp, td, ta   bool
	solving, cleared bool
}

func (e *Edit) snapshot() editSnapshot {
	return editSnapshot{t: *cloneTicket(e.t), events: len(e.c.events), comment: e.c.comment, hadProblems: e.v.Err() != nil, tagsBase: e.tagsBase,
		tt: e.touchedType, tp: e.touchedProblem, td: e.touchedDueAt, ta: e.touchedAssignment, solving: e.solving, cleared: e.clearedAssignee}
}

func (e *Edit) restore(s editSnapshot) {
	*e.t = s.t
	e.c.events = e.c.events[:s.events]
	e.c.comment, e.tagsBase = s.comment, s.tagsBase
	if !s.hadProblems {
		e.v = desk.Validation{}
	}
	e.touchedType, e.touchedProblem, e.touchedDueAt, e.touchedAssignment = s.tt, s.tp, s.td, s.ta
	e.solving, e.clearedAssignee = s.solving, s.cleared
}

// PreviewRules runs fn (a rule stage) over an Edit of ticket id exactly as
// runRules does for an update by the caller that changes nothing: the Edit
// acts as the rule principal, with the caller as the actor the rules see.
// Nothing is stored: the transaction is rolled back before any write (no
// audit, no hooks, no event), so side effects fn returns are dropped. It
// returns the ticket as the rules left it. Trigger dry runs use it.
func (s *Service) PreviewRules(ctx context.Context, id int64, fn func(ctx context.Context, tx *store.Tx, e *Edit) error) (_ *desk.Ticket, err error) {
	defer func() { err = wrapf(err, "ticket: preview rules on %d", id) }()
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	var t *desk.Ticket
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		old, err := loadVisibleTx(ctx, tx, p, id, false)
		if err != nil {
			return err
		}
		if old.Status == desk.StatusClosed {
			return desk.Invalid("status", "closed prevents ticket update")
		}
		t = cloneTicket(old)
		e := s.newEdit(ctx, tx, rulePrincipal, old, t, &change{})
		e.actor = p
		if err := fn(WithoutRules(ctx), tx, e); err != nil {
			return err
		}
		e.recordTags()
		return errPreview
	})
	if !errors.Is(err, errPreview) {
		return nil, err
	}
	return t, nil
}
