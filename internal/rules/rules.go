// Package rules is Frontdesk's business-rule language and engine, shared by
// triggers, automations, views, macros and SLA policies.
//
// A rule is written in Zendesk's shape: conditions
//
//	{"all": [{"field": "status", "operator": "is", "value": "open"}], "any": []}
//
// and actions
//
//	[{"field": "status", "value": "solved"}, {"field": "notification_user", "value": ["requester_id", "Subject", "Body"]}]
//
// A Registry knows every field and action: which operators and values each
// allows, for which kinds of rule, how it matches a ticket change in memory
// (triggers), how it compiles to SQL over the tickets table (views,
// automations, SLA policy selection), and how an action changes a ticket
// through the ticket service's Edit appliers (the same code the API runs).
// Other packages extend a Registry (AddCondition, AddAction,
// AddPlaceholder) instead of editing this package.
package rules

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Kind is a kind of rule; each allows its own fields and actions.
type Kind string

// The kinds of rule.
const (
	KindTrigger    Kind = "trigger"
	KindAutomation Kind = "automation"
	KindView       Kind = "view"
	KindMacro      Kind = "macro"
	KindSLAPolicy  Kind = "sla_policy"
)

// AllKinds lists every kind of rule.
var AllKinds = []Kind{KindTrigger, KindAutomation, KindView, KindMacro, KindSLAPolicy}

// Condition operators, spelled as Zendesk spells them.
const (
	OpIs            = "is"
	OpIsNot         = "is_not"
	OpLessThan      = "less_than"
	OpGreaterThan   = "greater_than"
	OpChanged       = "changed"
	OpNotChanged    = "not_changed"
	OpValue         = "value"          // changed to
	OpValuePrevious = "value_previous" // changed from
	OpNotValue      = "not_value"      // not changed to
	OpNotValuePrev  = "not_value_previous"
	OpIncludes      = "includes"
	OpNotIncludes   = "not_includes"
	OpPresent       = "present"
	OpNotPresent    = "not_present"
)

// Condition is one test: field, operator and value (a string, number,
// boolean, null or, for some fields, a list).
type Condition struct {
	Field    string `json:"field"`
	Operator string `json:"operator"`
	Value    any    `json:"value"`
}

// Conditions holds the tests that must all hold and those of which at least
// one must hold (an empty Any list holds).
type Conditions struct {
	All []Condition `json:"all"`
	Any []Condition `json:"any"`
}

// Action is one change a rule makes: a field and a value (for
// notifications a list such as [recipient, subject, body]).
type Action struct {
	Field string `json:"field"`
	Value any    `json:"value"`
}

// Ref names the rule an action or an audit event comes from.
type Ref struct {
	Kind  Kind   `json:"rel"`
	ID    int64  `json:"id"`
	Title string `json:"title"`
}

// MaxConditions and MaxActions bound one rule.
const (
	MaxConditions = 100
	MaxActions    = 100
	maxValueLen   = 65536
)

// MarshalJSON writes empty lists as [] (never null), as Zendesk does.
func (c Conditions) MarshalJSON() ([]byte, error) {
	type plain struct {
		All []Condition `json:"all"`
		Any []Condition `json:"any"`
	}
	p := plain{All: c.All, Any: c.Any}
	if p.All == nil {
		p.All = []Condition{}
	}
	if p.Any == nil {
		p.Any = []Condition{}
	}
	return json.Marshal(p)
}

// Empty says whether there are no conditions at all.
func (c Conditions) Empty() bool { return len(c.All) == 0 && len(c.Any) == 0 }

// Each calls fn for every condition, all first.
func (c Conditions) Each(fn func(Condition)) {
	for _, x := range c.All {
		fn(x)
	}
	for _, x := range c.Any {
		fn(x)
	}
}

// DecodeConditions parses conditions JSON strictly (unknown keys refused),
// with numbers kept exact; null or empty input is no conditions.
func DecodeConditions(b []byte) (Conditions, error) {
	var c Conditions
	if len(bytes.TrimSpace(b)) == 0 || string(bytes.TrimSpace(b)) == "null" {
		return c, nil
	}
	if err := decodeStrict(b, &c); err != nil {
		return Conditions{}, err
	}
	normConds(c.All)
	normConds(c.Any)
	return c, nil
}

// DecodeActions parses actions JSON strictly.
func DecodeActions(b []byte) ([]Action, error) {
	var a []Action
	if len(bytes.TrimSpace(b)) == 0 || string(bytes.TrimSpace(b)) == "null" {
		return nil, nil
	}
	if err := decodeStrict(b, &a); err != nil {
		return nil, err
	}
	for i := range a {
		a[i].Value = normValue(a[i].Value)
	}
	return a, nil
}

func decodeStrict(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	d.UseNumber()
	if err := d.Decode(v); err != nil {
		return fmt.Errorf("rules: %w", err)
	}
	if d.More() {
		return fmt.Errorf("rules: trailing data after JSON value")
	}
	return nil
}

func normConds(cs []Condition) {
	for i := range cs {
		cs[i].Value = normValue(cs[i].Value)
	}
}

// normValue turns json.Number into int64 (when whole) or float64, in
// lists too, so rules stored and rules decoded compare the same.
func normValue(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		f, err := x.Float64()
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return x.String() // out of range: kept as written, refused by checks
		}
		return f
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return int64(x)
		}
		return x
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normValue(e)
		}
		return out
	}
	return v
}

// Normalize returns c with every value normalised as the decoders do (for
// rules built in Go rather than decoded).
func (c Conditions) Normalize() Conditions {
	out := Conditions{All: append([]Condition(nil), c.All...), Any: append([]Condition(nil), c.Any...)}
	normConds(out.All)
	normConds(out.Any)
	return out
}

// String renders a scalar value as rules compare it: "" for null, whole
// numbers without a decimal point, booleans as true/false.
func String(v any) string {
	switch x := normValue(v).(type) {
	case nil:
		return ""
	case string:
		return strings.TrimSpace(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case int:
		return strconv.Itoa(x)
	}
	return fmt.Sprint(v)
}

// Int reads a value as a whole number (numbers and numeric strings).
func Int(v any) (int64, bool) {
	switch x := normValue(v).(type) {
	case int64:
		return x, true
	case int:
		return int64(x), true
	case string:
		i, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
		return i, err == nil
	}
	return 0, false
}

// Bool reads a value as a boolean (true/false, "true"/"false", 1/0).
func Bool(v any) (bool, bool) {
	switch x := normValue(v).(type) {
	case bool:
		return x, true
	case string:
		b, err := strconv.ParseBool(strings.TrimSpace(x))
		return b, err == nil
	case int64:
		return x != 0, x == 0 || x == 1
	}
	return false, false
}

// List reads a list value ([]any); a scalar is a list of one.
func List(v any) []any {
	switch x := v.(type) {
	case []any:
		return x
	case []string:
		out := make([]any, len(x))
		for i, s := range x {
			out[i] = s
		}
		return out
	case nil:
		return nil
	}
	return []any{v}
}

// Words splits a tag or word list value (a space- or comma-separated string,
// or a list of strings) into lower-case words.
func Words(v any) []string {
	var out []string
	for _, e := range List(v) {
		for _, w := range strings.FieldsFunc(String(e), func(r rune) bool { return r == ' ' || r == ',' || r == '\t' || r == '\n' }) {
			out = append(out, strings.ToLower(w))
		}
	}
	return out
}
