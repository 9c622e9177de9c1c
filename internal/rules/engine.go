package rules

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// Rule is a rule ready to run: who it is, its conditions and its actions.
type Rule struct {
	Ref
	Conditions Conditions
	Actions    []Action
}

// MaxPasses bounds trigger re-runs: after this many passes in which some
// trigger still fired, the rule set is taken to loop and evaluation stops.
const MaxPasses = 10

// Outcome says what a trigger run did.
type Outcome struct {
	// Fired lists the triggers that fired, in firing order.
	Fired []Ref
	// Passes lists, for each pass in which some trigger matched, the
	// triggers that fired in it (a matching trigger whose actions failed
	// is in Failed instead).
	Passes [][]Ref
	// Failed lists triggers whose actions could not apply (their changes
	// were undone), with the reason.
	Failed []Failure
	// Looped is set when triggers still fired after MaxPasses passes;
	// Loop then lists the triggers of the last pass (and the one that
	// would have fired again). The change carries an Error event saying so.
	Looped bool
	Loop   []Ref
	// Later are the side effects to run once the change is written.
	Later []SideEffect
}

// Failure is a trigger whose actions failed.
type Failure struct {
	Rule  Ref    `json:"trigger"`
	Error string `json:"error"`
}

// RunTriggers evaluates rules (in order) against the change e holds and
// applies the actions of each that matches: each rule fires at most once;
// after a pass in which any fired, the rest are tested again against the
// change as it now stands, until a pass fires none (or MaxPasses, which
// marks Looped). A rule whose actions fail validation is undone and
// reported in Failed; other errors stop the run.
func (r *Registry) RunTriggers(ctx context.Context, tx *store.Tx, e *ticket.Edit, list []Rule, now time.Time, log *slog.Logger) (*Outcome, error) {
	return r.RunTriggersWith(ctx, tx, e, list, now, log, nil)
}

// RunTriggersWith is RunTriggers with extension values in the subject
// (Subject.Values), such as the SLA event a breach check passes.
func (r *Registry) RunTriggersWith(ctx context.Context, tx *store.Tx, e *ticket.Edit, list []Rule, now time.Time, log *slog.Logger, values map[string]any) (*Outcome, error) {
	out := &Outcome{}
	if len(list) == 0 {
		return out, nil
	}
	fired := make([]bool, len(list))
	s := editSubject(ctx, tx, e, now, values)
	var lastPass []Ref // the triggers that fired in the previous pass
	for pass := 0; ; pass++ {
		s.Change = e.Change()
		any := false
		var thisPass []Ref
		for i, rule := range list {
			if fired[i] {
				continue
			}
			if !r.Match(s, rule.Conditions) {
				continue
			}
			if pass >= MaxPasses {
				out.Looped = true
				out.Loop = appendRef(lastPass, rule.Ref)
				if log != nil {
					log.Error("triggers: the rule set keeps firing; stopped", "passes", MaxPasses, "ticket_id", e.Ticket().ID, "trigger_id", rule.ID, "trigger", rule.Title)
				}
				titles := make([]string, len(out.Loop))
				for j, ref := range out.Loop {
					titles[j] = ref.Title
				}
				v := RuleVia(rule.Ref)
				e.NoteError(ErrorTriggerLoop, LoopMessage(MaxPasses, titles), titles, &v)
				return out, nil
			}
			fired[i], any = true, true
			var later []SideEffect
			ac := &ActionContext{Ctx: ctx, Tx: tx, Edit: e, Rule: rule.Ref, Actor: s.Actor, Registry: r, Later: func(f SideEffect) { later = append(later, f) }}
			from := e.EventCount()
			err := e.Try(func() error { return r.Apply(ac, rule.Actions) })
			if err != nil {
				if desk.ErrorCode(err) != desk.EINVALID && desk.ErrorCode(err) != desk.EFORBIDDEN {
					return nil, fmt.Errorf("rules: trigger %d: %w", rule.ID, err)
				}
				out.Failed = append(out.Failed, Failure{Rule: rule.Ref, Error: failureText(err)})
				if log != nil {
					log.Warn("triggers: actions failed; trigger skipped", "ticket_id", e.Ticket().ID, "trigger_id", rule.ID, "err", failureText(err))
				}
				continue
			}
			e.MarkEvents(from, RuleVia(rule.Ref))
			out.Fired = append(out.Fired, rule.Ref)
			thisPass = append(thisPass, rule.Ref)
			out.Later = append(out.Later, later...)
			s.Change = e.Change()
		}
		if !any {
			return out, nil
		}
		out.Passes = append(out.Passes, thisPass)
		lastPass = thisPass
	}
}

// editSubject is the subject rules test on the change e holds (the caller
// sets its Change); the requester's locale is loaded once, when a
// condition asks for it.
func editSubject(ctx context.Context, tx *store.Tx, e *ticket.Edit, now time.Time, values map[string]any) *Subject {
	var locale *string
	s := &Subject{Actor: e.Actor(), Now: now, Values: values}
	s.RequesterLocale = func() string {
		if locale == nil {
			l := ""
			if p, err := LoadPerson(ctx, tx, e.Ticket().RequesterID); err == nil && p != nil {
				l = p.Locale
			}
			locale = &l
		}
		return *locale
	}
	return s
}

// ErrorTriggerLoop is the audit Error event code of a stopped trigger loop
// (desk.AuditEvent.ErrorCode; its Value lists the triggers' titles).
const ErrorTriggerLoop = "trigger_loop"

// LoopMessage is the English text of a stopped trigger loop.
func LoopMessage(passes int, titles []string) string {
	return fmt.Sprintf("Trigger loop stopped after %d passes: triggers %s", passes, strings.Join(titles, ", "))
}

func appendRef(list []Ref, ref Ref) []Ref {
	out := slices.Clone(list)
	if !slices.ContainsFunc(out, func(x Ref) bool { return x.ID == ref.ID }) {
		out = append(out, ref)
	}
	return out
}

// RuleVia is the via Zendesk gives changes a rule made.
func RuleVia(ref Ref) desk.Via {
	v := desk.NewVia("rule")
	v.Source.From = map[string]any{"id": ref.ID, "title": ref.Title, "deleted": false}
	rel := string(ref.Kind)
	v.Source.Rel = &rel
	return v
}

func failureText(err error) string {
	var e *desk.Error
	if !errors.As(err, &e) {
		return desk.ErrorMessage(err)
	}
	msg := e.Message
	for f, list := range e.Details {
		for _, fe := range list {
			msg += "; " + f + ": " + fe.Description
		}
	}
	return msg
}
