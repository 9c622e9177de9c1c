package rules

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
)

// ConditionSpec describes one condition field.
type ConditionSpec struct {
	// Title is a short English label for builders and /definitions.
	Title string
	// Kinds lists the kinds of rule that may use the field.
	Kinds []Kind
	// Operators lists the operators the field takes.
	Operators []string
	// Values lists the allowed values (for builders and validation); empty
	// means any value Check accepts.
	Values []string
	// Check validates a value for op (nil: any value); return a short
	// English reason. ctx carries the saving transaction (DB) when there
	// is one, for checks of references.
	Check func(ctx context.Context, field, op string, v any) error
	// Match tests a ticket change in memory (triggers); nil when the field
	// cannot be tested that way (it is then refused for triggers).
	Match func(s *Subject, field, op string, v any) bool
	// SQL compiles the condition over the tickets table t; nil when it
	// cannot (refused for views, automations and SLA policies).
	SQL func(b *SQL, field, op string, v any) (string, error)
	// TimeBased marks the hours-since fields automations need.
	TimeBased bool
	// Event marks a field that tests an event handed to
	// Service.RunTriggersForEvent (e.g. an SLA breach) rather than the
	// ticket change: a trigger using one runs only on such events, never
	// on ordinary ticket changes.
	Event bool
}

// ActionSpec describes one action field.
type ActionSpec struct {
	Title string
	Kinds []Kind
	// Values lists the allowed values for builders (may be empty).
	Values []string
	// Check validates a value (nil: any); ctx as for ConditionSpec.Check.
	// A reference to a record that does not exist is refused here, when
	// the rule is saved, and again by Apply when it fires.
	Check func(ctx context.Context, v any) error
	// Apply makes the change (through ac.Edit) or queues the side effect.
	Apply func(ac *ActionContext, field string, v any) error
	// Nullifies says whether the action, once applied, makes condition c
	// false (automations must include such a condition).
	Nullifies func(field string, v any, c Condition) bool
}

// Registry holds the fields, actions and placeholders rules may use. It is
// safe for concurrent use; extend it while wiring, before serving.
type Registry struct {
	mu           sync.RWMutex
	conds        map[string]*ConditionSpec
	condPrefix   map[string]*ConditionSpec // "custom_fields_" → spec for custom_fields_<id>
	actions      map[string]*ActionSpec
	actionPrefix map[string]*ActionSpec
	placeholders map[string]PlaceholderFunc
	mailer       Mailer
	baseURL      string
}

// NewRegistry returns a registry with Frontdesk's built-in fields, actions
// and placeholders.
func NewRegistry() *Registry {
	r := &Registry{conds: map[string]*ConditionSpec{}, condPrefix: map[string]*ConditionSpec{},
		actions: map[string]*ActionSpec{}, actionPrefix: map[string]*ActionSpec{}, placeholders: map[string]PlaceholderFunc{}}
	registerConditions(r)
	registerActions(r)
	registerPlaceholders(r)
	return r
}

// AddCondition adds (or replaces) a condition field. A field ending in "_"
// (e.g. "custom_fields_") is a prefix: it serves every field that starts
// with it followed by a number.
func (r *Registry) AddCondition(field string, spec ConditionSpec) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := spec
	if strings.HasSuffix(field, "_") {
		r.condPrefix[field] = &s
		return
	}
	r.conds[field] = &s
}

// AddAction adds (or replaces) an action field; a trailing "_" makes a
// prefix as for AddCondition.
func (r *Registry) AddAction(field string, spec ActionSpec) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := spec
	if strings.HasSuffix(field, "_") {
		r.actionPrefix[field] = &s
		return
	}
	r.actions[field] = &s
}

// Condition returns the spec serving field.
func (r *Registry) Condition(field string) (*ConditionSpec, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if s, ok := r.conds[field]; ok {
		return s, true
	}
	if p, ok := prefixOf(field); ok {
		s, ok := r.condPrefix[p]
		return s, ok
	}
	return nil, false
}

// Action returns the spec serving field.
func (r *Registry) Action(field string) (*ActionSpec, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if s, ok := r.actions[field]; ok {
		return s, true
	}
	if p, ok := prefixOf(field); ok {
		s, ok := r.actionPrefix[p]
		return s, ok
	}
	return nil, false
}

// prefixOf splits "custom_fields_123" into "custom_fields_".
func prefixOf(field string) (string, bool) {
	i := strings.LastIndexByte(field, '_')
	if i < 0 || i == len(field)-1 {
		return "", false
	}
	for _, c := range field[i+1:] {
		if c < '0' || c > '9' {
			return "", false
		}
	}
	return field[:i+1], true
}

// FieldID returns the number after a prefix field ("custom_fields_123" → 123).
func FieldID(field string) int64 {
	p, ok := prefixOf(field)
	if !ok {
		return 0
	}
	id, _ := Int(field[len(p):])
	return id
}

// Definition is one field or action as GET /triggers/definitions lists it.
type Definition struct {
	Subject    string   `json:"subject"`
	Title      string   `json:"title"`
	Type       string   `json:"type"`
	Group      string   `json:"group"`
	Nullable   bool     `json:"nullable"`
	Repeatable bool     `json:"repeatable"`
	Operators  []DefOp  `json:"operators,omitempty"`
	Values     []DefVal `json:"values,omitempty"`
}

// DefOp and DefVal are Zendesk's {value, title} pairs.
type DefOp struct {
	Value    string `json:"value"`
	Title    string `json:"title"`
	Terminal bool   `json:"terminal"`
}

// DefVal is one allowed value.
type DefVal struct {
	Value   string `json:"value"`
	Title   string `json:"title"`
	Enabled bool   `json:"enabled"`
}

// Definitions lists the condition fields and actions kind may use, sorted
// by name (prefix fields appear with their prefix, e.g. "custom_fields_").
func (r *Registry) Definitions(kind Kind) (conditions, actions []Definition) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	addC := func(name string, s *ConditionSpec) {
		if !slices.Contains(s.Kinds, kind) {
			return
		}
		d := Definition{Subject: name, Title: s.Title, Type: "list", Group: "ticket", Nullable: false, Repeatable: true}
		if len(s.Values) == 0 {
			d.Type = "text"
		}
		for _, op := range s.Operators {
			d.Operators = append(d.Operators, DefOp{Value: op, Title: opTitle(op), Terminal: op == OpChanged || op == OpNotChanged || op == OpPresent || op == OpNotPresent})
		}
		for _, v := range s.Values {
			d.Values = append(d.Values, DefVal{Value: v, Title: v, Enabled: true})
		}
		conditions = append(conditions, d)
	}
	for n, s := range r.conds {
		addC(n, s)
	}
	for n, s := range r.condPrefix {
		addC(n, s)
	}
	addA := func(name string, s *ActionSpec) {
		if !slices.Contains(s.Kinds, kind) {
			return
		}
		d := Definition{Subject: name, Title: s.Title, Type: "list", Group: "ticket", Repeatable: true}
		if len(s.Values) == 0 {
			d.Type = "text"
		}
		for _, v := range s.Values {
			d.Values = append(d.Values, DefVal{Value: v, Title: v, Enabled: true})
		}
		actions = append(actions, d)
	}
	for n, s := range r.actions {
		addA(n, s)
	}
	for n, s := range r.actionPrefix {
		addA(n, s)
	}
	slices.SortFunc(conditions, func(a, b Definition) int { return strings.Compare(a.Subject, b.Subject) })
	slices.SortFunc(actions, func(a, b Definition) int { return strings.Compare(a.Subject, b.Subject) })
	return conditions, actions
}

func opTitle(op string) string {
	switch op {
	case OpIs:
		return "Is"
	case OpIsNot:
		return "Is not"
	case OpLessThan:
		return "Less than"
	case OpGreaterThan:
		return "Greater than"
	case OpChanged:
		return "Changed"
	case OpNotChanged:
		return "Not changed"
	case OpValue:
		return "Changed to"
	case OpValuePrevious:
		return "Changed from"
	case OpNotValue:
		return "Not changed to"
	case OpNotValuePrev:
		return "Not changed from"
	case OpIncludes:
		return "Contains at least one of the following"
	case OpNotIncludes:
		return "Contains none of the following"
	case OpPresent:
		return "Present"
	case OpNotPresent:
		return "Not present"
	}
	return op
}

// ValidateConditions checks every condition for kind, adding problems to v
// under key (e.g. "conditions"). A trigger's conditions may not be empty.
func (r *Registry) ValidateConditions(ctx context.Context, v *desk.Validation, key string, kind Kind, c Conditions) error {
	n := len(c.All) + len(c.Any)
	if n > MaxConditions {
		v.Add(key, fmt.Sprintf("has more than %d conditions", MaxConditions))
		return nil
	}
	var failed error
	check := func(list string, i int, cd Condition) {
		where := fmt.Sprintf("%s %d", list, i+1)
		spec, ok := r.Condition(cd.Field)
		if !ok || !slices.Contains(spec.Kinds, kind) {
			v.Add(key, fmt.Sprintf("%s: %q is not a valid condition field for a %s", where, trimFor(cd.Field), kind))
			return
		}
		if !slices.Contains(spec.Operators, cd.Operator) {
			v.Add(key, fmt.Sprintf("%s: %q is not a valid operator for %s", where, trimFor(cd.Operator), cd.Field))
			return
		}
		if kind == KindTrigger && spec.Match == nil || kind != KindTrigger && kind != KindMacro && spec.SQL == nil {
			v.Add(key, fmt.Sprintf("%s: %s cannot be used in a %s", where, cd.Field, kind))
			return
		}
		if err := checkValueSize(cd.Value); err != nil {
			v.Add(key, fmt.Sprintf("%s: %v", where, err))
			return
		}
		if len(spec.Values) > 0 && needsValue(cd.Operator) && !slices.Contains(spec.Values, String(cd.Value)) {
			v.Add(key, fmt.Sprintf("%s: %q is not a valid value for %s", where, trimFor(String(cd.Value)), cd.Field))
			return
		}
		if spec.Check != nil {
			if err := spec.Check(ctx, cd.Field, cd.Operator, cd.Value); err != nil {
				if le := (*lookupError)(nil); errors.As(err, &le) {
					failed = err
					return
				}
				v.Add(key, fmt.Sprintf("%s: %s %v", where, cd.Field, err))
				return
			}
		}
		if kind == KindAutomation || kind == KindView || kind == KindSLAPolicy {
			b := &SQL{Now: time.Now()}
			if kind == KindView {
				b.CurrentUserID = 1
			}
			if _, err := spec.SQL(b, cd.Field, cd.Operator, cd.Value); err != nil {
				v.Add(key, fmt.Sprintf("%s: %s %s %v in a %s", where, cd.Field, cd.Operator, err, kind))
			}
		}
	}
	for i, cd := range c.All {
		check("all", i, cd)
	}
	for i, cd := range c.Any {
		check("any", i, cd)
	}
	return failed
}

// ValidateActions checks every action for kind, adding problems under key.
func (r *Registry) ValidateActions(ctx context.Context, v *desk.Validation, key string, kind Kind, actions []Action) error {
	if len(actions) > MaxActions {
		v.Add(key, fmt.Sprintf("has more than %d actions", MaxActions))
		return nil
	}
	for i, a := range actions {
		where := fmt.Sprintf("action %d", i+1)
		spec, ok := r.Action(a.Field)
		if !ok || !slices.Contains(spec.Kinds, kind) {
			v.Add(key, fmt.Sprintf("%s: %q is not a valid action for a %s", where, trimFor(a.Field), kind))
			continue
		}
		if err := checkValueSize(a.Value); err != nil {
			v.Add(key, fmt.Sprintf("%s: %v", where, err))
			continue
		}
		if len(spec.Values) > 0 && !slices.Contains(spec.Values, String(a.Value)) {
			v.Add(key, fmt.Sprintf("%s: %q is not a valid value for %s", where, trimFor(String(a.Value)), a.Field))
			continue
		}
		if spec.Check != nil {
			if err := spec.Check(ctx, a.Value); err != nil {
				if le := (*lookupError)(nil); errors.As(err, &le) {
					return err
				}
				v.Add(key, fmt.Sprintf("%s: %s %v", where, a.Field, err))
			}
		}
	}
	return nil
}

// Validate checks a whole rule of kind: its conditions and actions, and the
// rules of the kind (a trigger needs a condition and an action; an
// automation needs a time-based condition and a condition its actions
// nullify; a view needs a condition; a macro has no conditions). It returns
// a desk validation error (422) or nil. With a DB in ctx (WithDB) the
// references rules make (users, groups, webhooks, SLA policies) must exist;
// an error of the store itself comes back as it is.
func (r *Registry) Validate(ctx context.Context, kind Kind, c Conditions, actions []Action) error {
	var v desk.Validation
	if err := r.ValidateConditions(ctx, &v, "conditions", kind, c); err != nil {
		return err
	}
	if err := r.ValidateActions(ctx, &v, "actions", kind, actions); err != nil {
		return err
	}
	if err := v.Err(); err != nil {
		return err
	}
	switch kind {
	case KindTrigger:
		if len(c.All) == 0 && len(c.Any) == 0 {
			v.Add("conditions", "a trigger needs at least one condition")
		}
		if len(actions) == 0 {
			v.Add("actions", "a trigger needs at least one action")
		}
	case KindAutomation:
		if len(actions) == 0 {
			v.Add("actions", "an automation needs at least one action")
		}
		timed := false
		for _, cd := range c.All {
			if s, ok := r.Condition(cd.Field); ok && s.TimeBased {
				timed = true
			}
		}
		if !timed {
			v.Add("conditions", "an automation needs a time-based condition (hours since …) under all")
		} else if !r.nullified(c, actions) {
			v.Add("conditions", "an automation needs a condition under all that its actions nullify (for example status is pending with the action status solved), so it cannot fire again and again")
		}
	case KindView, KindSLAPolicy:
		if kind == KindView && len(c.All) == 0 && len(c.Any) == 0 {
			v.Add("conditions", "a view needs at least one condition")
		}
	case KindMacro:
		if !c.Empty() {
			v.Add("conditions", "a macro has no conditions")
		}
		if len(actions) == 0 {
			v.Add("actions", "a macro needs at least one action")
		}
	}
	return v.Err()
}

// nullified reports whether some action makes some "all" condition false.
func (r *Registry) nullified(c Conditions, actions []Action) bool {
	for _, a := range actions {
		spec, ok := r.Action(a.Field)
		if !ok || spec.Nullifies == nil {
			continue
		}
		for _, cd := range c.All {
			if spec.Nullifies(a.Field, a.Value, cd) {
				return true
			}
		}
	}
	return false
}

func needsValue(op string) bool {
	switch op {
	case OpChanged, OpNotChanged, OpPresent, OpNotPresent:
		return false
	}
	return true
}

func checkValueSize(v any) error {
	n := 0
	for _, e := range List(v) {
		if _, ok := e.([]any); ok {
			return fmt.Errorf("nested lists are not allowed")
		}
		if _, ok := e.(map[string]any); ok {
			return fmt.Errorf("objects are not allowed as values")
		}
		n += len(String(e))
	}
	if _, ok := v.(map[string]any); ok {
		return fmt.Errorf("objects are not allowed as values")
	}
	if n > maxValueLen {
		return fmt.Errorf("value is too long")
	}
	return nil
}

func trimFor(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

// Match reports whether the change s satisfies c: every All condition and,
// when Any is not empty, at least one Any condition. A field the registry
// does not know (or cannot test in memory) does not match.
func (r *Registry) Match(s *Subject, c Conditions) bool {
	for _, cd := range c.All {
		if !r.matchOne(s, cd) {
			return false
		}
	}
	if len(c.Any) == 0 {
		return true
	}
	for _, cd := range c.Any {
		if r.matchOne(s, cd) {
			return true
		}
	}
	return false
}

// UsesEvent says whether c tests an event field (ConditionSpec.Event).
func (r *Registry) UsesEvent(c Conditions) bool {
	for _, list := range [][]Condition{c.All, c.Any} {
		for _, cd := range list {
			if spec, ok := r.Condition(cd.Field); ok && spec.Event {
				return true
			}
		}
	}
	return false
}

func (r *Registry) matchOne(s *Subject, cd Condition) bool {
	spec, ok := r.Condition(cd.Field)
	if !ok || spec.Match == nil {
		return false
	}
	return spec.Match(s, cd.Field, cd.Operator, cd.Value)
}
