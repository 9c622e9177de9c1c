package rules

import (
	"context"
	"fmt"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// EventOutcome says what RunTriggersForEvent did.
type EventOutcome struct {
	Outcome
	// AuditID is the audit the triggers' changes were written in (0 when
	// they changed nothing, e.g. only sent mail, or none fired).
	AuditID int64
	// Skipped is set when the ticket could not be changed (closed or
	// gone); nothing ran.
	Skipped bool
}

// RunTriggersForEvent runs, on ticket id inside tx, the active triggers
// whose conditions test an event field (ConditionSpec.Event), with values
// describing the event in the subject (Subject.Values) — e.g. the SLA
// breach check passes {"sla_event": "breached", "sla_metric": ...}. Their
// changes go through the ticket service's commit path as the rule
// principal (one audit, marked with each rule, version bump; the other
// triggers then run on that change as on any other); when they change
// nothing no audit is written. Their side effects (mail, webhooks) are
// queued in tx. A closed or deleted ticket is skipped. Only the system
// calls it (a job).
func (s *Service) RunTriggersForEvent(ctx context.Context, tx *store.Tx, id int64, values map[string]any) (*EventOutcome, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	if !p.System {
		return nil, desk.Forbidden("event triggers run from jobs")
	}
	res := &EventOutcome{}
	all, err := s.activeTriggers(ctx, tx)
	if err != nil {
		return nil, err
	}
	var list []Rule
	for _, r := range all {
		if s.Rules.UsesEvent(r.Conditions) {
			list = append(list, r)
		}
	}
	if len(list) == 0 {
		return res, nil
	}
	actor := &desk.Principal{System: true, Role: desk.RoleAdmin, Via: "rule"}
	actx := desk.WithPrincipal(ctx, actor)
	var out *Outcome
	t, audit, err := s.Tickets.EditTx(actx, tx, id, func(e *ticket.Edit) error {
		var err error
		out, err = s.Rules.RunTriggersWith(actx, tx, e, list, s.now(), s.Logger, values)
		return err
	})
	if err != nil {
		if c := desk.ErrorCode(err); c == desk.EINVALID || c == desk.ENOTFOUND {
			s.Logger.Info("event triggers: ticket cannot change; skipped", "ticket_id", id, "err", desk.ErrorMessage(err))
			res.Skipped = true
			return res, nil
		}
		return nil, fmt.Errorf("rules: event triggers on ticket %d: %w", id, err)
	}
	if out == nil {
		return res, nil
	}
	res.Outcome = *out
	for _, f := range out.Failed {
		s.Logger.Warn("event triggers: actions failed; trigger skipped", "ticket_id", id, "trigger_id", f.Rule.ID, "err", f.Error)
	}
	ch := &desk.TicketChange{Kind: desk.ChangeUpdate, TicketID: id, After: t, Via: "rule"}
	if audit != nil {
		ch.AuditID, res.AuditID = audit.ID, audit.ID
	}
	for _, f := range sideEffects(out) {
		if err := f(actx, tx, ch); err != nil {
			return nil, fmt.Errorf("rules: event triggers on ticket %d: %w", id, err)
		}
	}
	return res, nil
}
