package locale

import (
	"fmt"
	"time"
)

// Printer renders catalogue text and formats dates and numbers for one
// locale and time zone. Get one from Bundle.Printer. Locale and TZ may be
// read freely; a Printer built as a literal (or a nil *Printer) uses the
// Default bundle, with "en" for an unknown locale and UTC for a nil TZ.
// A Printer is safe for concurrent use.
//
// Everything a Printer returns is plain text, not HTML: placeholder values
// are inserted verbatim, and escaping is the job of the template that prints
// the result (html/template does it).
type Printer struct {
	Locale string         // a supported locale, e.g. "en", "pl"
	TZ     *time.Location // dates are shown in this zone

	b *Bundle
}

// state returns the catalogue and time zone to use.
func (p *Printer) state() (*catalog, *time.Location) {
	if p == nil {
		return Default().cats[DefaultLocale], time.UTC
	}
	b := p.b
	if b == nil {
		b = Default()
	}
	c := b.cats[p.Locale]
	if c == nil {
		c = b.cats[b.Match(p.Locale)]
	}
	tz := p.TZ
	if tz == nil {
		tz = time.UTC
	}
	return c, tz
}

// lookup finds key in the printer's catalogue, falling back to "en". A key
// the printer's catalogue lacks is recorded for MissingKeys either way.
func (p *Printer) lookup(key string) (*catalog, entry, bool) {
	c, _ := p.state()
	if e, ok := c.entries[key]; ok {
		return c, e, true
	}
	recordMissing(key)
	if c.locale != DefaultLocale {
		b := Default()
		if p != nil && p.b != nil {
			b = p.b
		}
		en := b.cats[DefaultLocale]
		if e, ok := en.entries[key]; ok {
			return en, e, true
		}
	}
	return nil, entry{}, false
}

// marker is what T and N return for a key no catalogue has.
func marker(key string) string { return "⟦" + key + "⟧" }

// T returns the text of key with its {placeholders} filled from args, which
// are name/value pairs: T("auth.verification_sent", "email", addr). Values
// are formatted with fmt.Sprint and inserted verbatim (pass p.Number(n) for
// a grouped number); a placeholder without a value is left as written.
//
// A key missing from the locale's catalogue is recorded (see MissingKeys)
// and taken from "en"; a key missing there too yields "⟦key⟧".
//
// Given a plural key, T uses the form for a "count" argument if it has an
// integer one, and the "other" form otherwise; prefer N.
func (p *Printer) T(key string, args ...any) string {
	c, e, ok := p.lookup(key)
	if !ok {
		return marker(key)
	}
	if e.forms == nil {
		return interpolate(e.text, argLookup(args))
	}
	for k := 0; k+1 < len(args); k += 2 {
		if name, _ := args[k].(string); name == "count" {
			if n, ok := asInt64(args[k+1]); ok {
				return p.plural(c, e, n, args)
			}
		}
	}
	return interpolate(e.forms[Other], argLookup(args))
}

// N returns the plural form of key that the locale's CLDR rule picks for
// count, with {count} set to count formatted by Number and the other
// placeholders filled from args as in T: N("ticket.count", 5) → "5 tickets",
// in Polish "5 zgłoszeń". Given a non-plural key, N behaves like T with an
// extra count argument.
func (p *Printer) N(key string, count int, args ...any) string {
	c, e, ok := p.lookup(key)
	if !ok {
		return marker(key)
	}
	return p.plural(c, e, int64(count), args)
}

func (p *Printer) plural(c *catalog, e entry, n int64, args []any) string {
	text := e.text
	if e.forms != nil {
		// The rule of the catalogue the entry came from: after a fallback to
		// "en" the Polish rule could ask for a form "en" does not have.
		var ok bool
		if text, ok = e.forms[c.rule.choose(absU(n), 0)]; !ok {
			text = e.forms[Other]
		}
	}
	pc, _ := p.state()
	count := pc.number(n)
	rest := argLookup(args)
	return interpolate(text, func(name string) (string, bool) {
		if name == "count" {
			return count, true
		}
		return rest(name)
	})
}

// argLookup resolves a placeholder from name/value pairs; the first pair
// with the name wins and a trailing name without a value is ignored.
func argLookup(args []any) func(string) (string, bool) {
	return func(name string) (string, bool) {
		for k := 0; k+1 < len(args); k += 2 {
			n, ok := args[k].(string)
			if !ok {
				n = fmt.Sprint(args[k])
			}
			if n != name {
				continue
			}
			if s, ok := args[k+1].(string); ok {
				return s, true
			}
			return fmt.Sprint(args[k+1]), true
		}
		return "", false
	}
}

func asInt64(v any) (int64, bool) {
	switch n := v.(type) {
	case int:
		return int64(n), true
	case int8:
		return int64(n), true
	case int16:
		return int64(n), true
	case int32:
		return int64(n), true
	case int64:
		return n, true
	case uint:
		return int64(n), n <= 1<<63-1
	case uint8:
		return int64(n), true
	case uint16:
		return int64(n), true
	case uint32:
		return int64(n), true
	case uint64:
		return int64(n), n <= 1<<63-1
	}
	return 0, false
}

// IsMissing reports whether s is what T returned for key because no
// catalogue has it, so callers can fall back to a text of their own.
func IsMissing(key, s string) bool { return s == marker(key) }
