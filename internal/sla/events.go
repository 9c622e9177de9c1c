package sla

import (
	"context"
	"errors"
	"slices"

	"github.com/frontdesk/frontdesk/internal/rules"
	"github.com/frontdesk/frontdesk/internal/store"
)

// SLA events as trigger conditions. The breach check hands every event it
// records to OnEvent; the server sets OnEvent to TriggerHandler, which
// runs the triggers that test these fields on the ticket, inside the
// check's transaction (so the event, its recording and the triggers'
// changes commit together, once):
//
//   - sla_event is/is_not breached|approaching — the event being handled;
//   - sla_event_metric is/is_not <metric> — the metric of that event.
//
// Both are event fields (rules.ConditionSpec.Event): on ordinary ticket
// changes they never match, so such triggers fire only on SLA events.

// Subject.Values keys of an SLA event.
const (
	ValueEvent  = "sla_event"
	ValueMetric = "sla_event_metric"
)

// EventValue is the sla_event value of kind ("breached", "approaching").
func EventValue(kind EventKind) string {
	if kind == EventApproaching {
		return "approaching"
	}
	return "breached"
}

func registerEventConditions(reg *rules.Registry) {
	eventValue := func(field string) func(s *rules.Subject, _, op string, v any) bool {
		return func(s *rules.Subject, _, op string, v any) bool {
			got, _ := s.Values[field].(string)
			if got == "" {
				return false // not an SLA event
			}
			switch op {
			case rules.OpIs:
				return got == rules.String(v)
			case rules.OpIsNot:
				return got != rules.String(v)
			}
			return false
		}
	}
	oneOf := func(values []string, msg string) func(context.Context, string, string, any) error {
		return func(_ context.Context, _, _ string, v any) error {
			if !slices.Contains(values, rules.String(v)) {
				return errors.New(msg)
			}
			return nil
		}
	}
	kinds := []string{"breached", "approaching"}
	reg.AddCondition(ValueEvent, rules.ConditionSpec{
		Title: "SLA event", Kinds: []rules.Kind{rules.KindTrigger}, Event: true,
		Operators: []string{rules.OpIs, rules.OpIsNot}, Values: kinds,
		Check: oneOf(kinds, "must be breached or approaching"),
		Match: eventValue(ValueEvent),
	})
	metrics := make([]string, len(Metrics))
	for i, m := range Metrics {
		metrics[i] = string(m)
	}
	reg.AddCondition(ValueMetric, rules.ConditionSpec{
		Title: "SLA event metric", Kinds: []rules.Kind{rules.KindTrigger}, Event: true,
		Operators: []string{rules.OpIs, rules.OpIsNot}, Values: metrics,
		Check: oneOf(metrics, "must be an SLA metric"),
		Match: eventValue(ValueMetric),
	})
}

// EventTriggers runs the triggers for one SLA event.
type EventTriggers interface {
	RunTriggersForEvent(ctx context.Context, tx *store.Tx, id int64, values map[string]any) (*rules.EventOutcome, error)
}

// TriggerHandler returns an OnEvent that runs the SLA-event triggers of
// r on the event's ticket, as the system (ctx must carry it: the breach
// check runs as the system).
func TriggerHandler(r EventTriggers) func(ctx context.Context, tx *store.Tx, e Event) error {
	return func(ctx context.Context, tx *store.Tx, e Event) error {
		_, err := r.RunTriggersForEvent(ctx, tx, e.TicketID, map[string]any{
			ValueEvent: EventValue(e.Kind), ValueMetric: string(e.Metric),
		})
		return err
	}
}
