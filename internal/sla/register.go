package sla

import (
	"context"
	"errors"
	"time"

	"github.com/frontdesk/frontdesk/internal/rules"
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

// RegisterRules adds the SLA conditions to reg.
func (s *Service) RegisterRules(reg *rules.Registry) {
	checkBool := func(_ string, v any) error {
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
		Check: func(_ string, v any) error {
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
