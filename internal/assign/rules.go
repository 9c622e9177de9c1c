package assign

import (
	"context"

	"github.com/frontdesk/frontdesk/internal/rules"
)

// RegisterRules extends the rules engine's assignee_id action with the
// value ActionValue ("round_robin"): assign to the next available agent of
// the ticket's group (AssignAction). Every other value keeps the engine's
// own behaviour. Call it while wiring the server, after rules.NewRegistry.
func (s *Service) RegisterRules(r *rules.Registry) {
	base, ok := r.Action("assignee_id")
	if !ok {
		return
	}
	spec := *base
	spec.Values = append(append([]string{}, base.Values...), ActionValue)
	check := base.Check
	spec.Check = func(ctx context.Context, v any) error {
		if rules.String(v) == ActionValue {
			return nil
		}
		if check == nil {
			return nil
		}
		return check(ctx, v)
	}
	apply := base.Apply
	spec.Apply = func(ac *rules.ActionContext, field string, v any) error {
		if rules.String(v) == ActionValue {
			return s.AssignAction(ac.Ctx, ac.Tx, ac.Edit)
		}
		return apply(ac, field, v)
	}
	nullifies := base.Nullifies
	spec.Nullifies = func(field string, v any, c rules.Condition) bool {
		if rules.String(v) == ActionValue {
			// Assigning makes "assignee is blank" false; nothing else is
			// known before the pick.
			return c.Field == "assignee_id" && c.Operator == rules.OpIs && rules.String(c.Value) == ""
		}
		return nullifies != nil && nullifies(field, v, c)
	}
	r.AddAction("assignee_id", spec)
}
