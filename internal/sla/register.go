package sla

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/rules"
	"github.com/frontdesk/frontdesk/internal/store"
)

// Conditions this package adds to the rules engine (the server calls
// RegisterRules while wiring):
//
//   - within_business_hours is true/false — the moment of the change
//     (triggers) or of the run (automations, views) is within the default
//     schedule's hours (Zendesk's field of the same name).
//   - sla_next_breach_at less_than/greater_than/is N — hours until the
//     ticket's next SLA breach (Zendesk's "Hours until next SLA breach");
//     a breach already past counts as less than any N. Tickets without a
//     running timer never match.
//   - sla_breached is true/false — a running timer of the ticket is past
//     its breach time (the breach job's "breached" event, for automations
//     and views).
//   - sla_event, sla_event_metric — the SLA event a trigger runs on (see
//     events.go).
//
// and one action: set_sla_policy (a policy id) gives the ticket that
// policy whatever the filters say (triggers), until the ticket or the
// policy is deleted.

// ActionSetPolicy is the trigger action that sets a ticket's SLA policy.
const ActionSetPolicy = "set_sla_policy"

// RegisterRules adds the SLA conditions and the set_sla_policy action to
// reg.
func (s *Service) RegisterRules(reg *rules.Registry) {
	registerEventConditions(reg)
	reg.AddAction(ActionSetPolicy, rules.ActionSpec{
		Title: "Set SLA policy", Kinds: []rules.Kind{rules.KindTrigger},
		Check: func(ctx context.Context, v any) error {
			n, ok := rules.Int(v)
			if !ok || n <= 0 {
				return errors.New("must be the id of an SLA policy")
			}
			q := rules.DB(ctx)
			if q == nil {
				return nil
			}
			_, err := policyByID(ctx, q, n)
			if desk.ErrorCode(err) == desk.ENOTFOUND {
				return fmt.Errorf("names no SLA policy %d", n)
			}
			return rules.LookupError(err)
		},
		Apply: func(ac *rules.ActionContext, _ string, v any) error {
			id, _ := rules.Int(v)
			if _, err := policyByID(ac.Ctx, ac.Tx, id); err != nil {
				if desk.ErrorCode(err) == desk.ENOTFOUND {
					return desk.Invalid("actions", fmt.Sprintf("SLA policy %d does not exist", id))
				}
				return err
			}
			// Recorded once the ticket is written (a new ticket has its id
			// then), before the SLA hook chooses the policy.
			ac.Later(func(ctx context.Context, tx *store.Tx, c *desk.TicketChange) error {
				return setOverride(ctx, tx, c.TicketID, id, store.Now())
			})
			return nil
		},
	})
	checkBool := func(_ context.Context, _, _ string, v any) error {
		if _, ok := rules.Bool(v); !ok {
			return errors.New("must be true or false")
		}
		return nil
	}
	within := func(now time.Time, v any) bool {
		want, _ := rules.Bool(v)
		in, err := s.WithinBusinessHours(context.Background(), now)
		if err != nil {
			// The store is unreachable; the change itself will fail too.
			return false
		}
		return in == want
	}
	reg.AddCondition("within_business_hours", rules.ConditionSpec{
		Title: "Within business hours", Kinds: []rules.Kind{rules.KindTrigger, rules.KindAutomation, rules.KindView},
		Operators: []string{rules.OpIs}, Values: []string{"true", "false"}, Check: checkBool,
		Match: func(sub *rules.Subject, _, _ string, v any) bool { return within(sub.Now, v) },
		SQL: func(b *rules.SQL, _, _ string, v any) (string, error) {
			if within(b.Now, v) {
				return "1=1", nil
			}
			return "1=0", nil
		},
	})
	reg.AddCondition("sla_next_breach_at", rules.ConditionSpec{
		Title: "Hours until next SLA breach", Kinds: []rules.Kind{rules.KindAutomation, rules.KindView},
		Operators: []string{rules.OpIs, rules.OpLessThan, rules.OpGreaterThan}, TimeBased: true,
		Check: func(_ context.Context, _, _ string, v any) error {
			if n, ok := rules.Int(v); !ok || n < 0 || n > 24*365*20 {
				return errors.New("must be a whole number of hours")
			}
			return nil
		},
		SQL: func(b *rules.SQL, _, op string, v any) (string, error) {
			n, _ := rules.Int(v)
			ahead := func(h int64) int64 { return b.Now.Add(time.Duration(h) * time.Hour).UnixMicro() }
			// next is the ticket's earliest running breach time (each use
			// binds its own argument).
			next := func() string {
				return "(SELECT MIN(ns.breach_at) FROM ticket_slas ns WHERE ns.ticket_id = t.id AND ns.stage = " + b.Arg(string(StageActive)) + " AND ns.breach_at > 0)"
			}
			switch op {
			case rules.OpLessThan:
				return next() + " < " + b.Arg(ahead(n)), nil
			case rules.OpGreaterThan:
				return next() + " > " + b.Arg(ahead(n)), nil
			case rules.OpIs: // within the n-th hour ahead
				q := next() + " >= " + b.Arg(ahead(n))
				return q + " AND " + next() + " < " + b.Arg(ahead(n+1)), nil
			}
			return "", rules.ErrNotSQL
		},
	})
	reg.AddCondition("sla_breached", rules.ConditionSpec{
		Title: "SLA breached", Kinds: []rules.Kind{rules.KindAutomation, rules.KindView},
		Operators: []string{rules.OpIs}, Values: []string{"true", "false"}, Check: checkBool,
		SQL: func(b *rules.SQL, _, _ string, v any) (string, error) {
			want, _ := rules.Bool(v)
			q := "EXISTS (SELECT 1 FROM ticket_slas bs WHERE bs.ticket_id = t.id AND bs.stage = " + b.Arg(string(StageActive)) +
				" AND bs.breach_at > 0 AND bs.breach_at <= " + b.Arg(b.Now.UnixMicro()) + ")"
			if !want {
				q = "NOT " + q
			}
			return q, nil
		},
	})
}

// setOverride records the policy a trigger set on a ticket.
func setOverride(ctx context.Context, tx *store.Tx, ticketID, policyID, now int64) error {
	res, err := tx.Exec(ctx, `UPDATE ticket_sla_policies SET policy_id = ?, set_at = ? WHERE ticket_id = ?`, policyID, now, ticketID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil
	}
	_, err = tx.Exec(ctx, `INSERT INTO ticket_sla_policies (ticket_id, policy_id, set_at) VALUES (?, ?, ?)`, ticketID, policyID, now)
	return err
}

// override is the policy a trigger set on the ticket (nil: none, or it was
// deleted since).
func override(ctx context.Context, tx *store.Tx, ticketID int64) (*Policy, error) {
	var id int64
	err := tx.QueryRow(ctx, `SELECT policy_id FROM ticket_sla_policies WHERE ticket_id = ?`, ticketID).Scan(&id)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil
		}
		return nil, err
	}
	p, err := policyByID(ctx, tx, id)
	if desk.ErrorCode(err) == desk.ENOTFOUND {
		return nil, nil
	}
	return p, err
}
