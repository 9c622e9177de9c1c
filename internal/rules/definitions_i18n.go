package rules

import "github.com/frontdesk/frontdesk/internal/locale"

// Titles of fields, actions and operators in a language. The registry
// carries English titles; the locale catalogue (internal/locale/catalog)
// holds each shipped one as "rules.cond.<field>", "rules.act.<field>" and
// "rules.op_<operator>", in every language. The API's definitions and the
// admin pages' builders both title them from there, so they cannot drift
// apart. A field some package registers without catalogue keys keeps its
// English title.

// Condition and action title key prefixes.
const (
	CondTitlePrefix   = "rules.cond."
	ActionTitlePrefix = "rules.act."
	opTitlePrefix     = "rules.op_"
)

// Translate looks a catalogue key up (a locale.Printer's or a page's T).
type Translate func(key string, args ...any) string

func title(t Translate, key, english string) string {
	if t == nil {
		return english
	}
	if out := t(key); !locale.IsMissing(key, out) {
		return out
	}
	return english
}

// LocalizeDefinitions returns copies of defs titled in t's language;
// prefix is CondTitlePrefix for conditions, ActionTitlePrefix for actions.
func LocalizeDefinitions(defs []Definition, prefix string, t Translate) []Definition {
	out := make([]Definition, len(defs))
	for i, d := range defs {
		d.Title = title(t, prefix+d.Subject, d.Title)
		if d.Operators != nil {
			ops := make([]DefOp, len(d.Operators))
			for j, o := range d.Operators {
				o.Title = title(t, opTitlePrefix+o.Value, o.Title)
				ops[j] = o
			}
			d.Operators = ops
		}
		out[i] = d
	}
	return out
}
