// Package erase finds and blanks the strings that name a person being
// permanently deleted (their name and its words, addresses, phone) in
// free text and in JSON documents. The services that own text a person
// can appear in (tickets, outbox, webhooks) use one Matcher, built by
// package people from the person's record, so every table is redacted the
// same way.
package erase

import (
	"encoding/json"
	"html"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// MinTerm is the shortest term erased from free text: shorter ones
// (initials) would redact unrelated words.
const MinTerm = 3

// Mark replaces each rune of an erased term (Zendesk's redaction mark).
const Mark = "▇"

// Matcher matches any of a person's terms, case-insensitively. A nil
// Matcher matches nothing.
type Matcher struct {
	re    *regexp.Regexp
	terms []string
}

// New builds a Matcher of terms (and their HTML-escaped forms), longest
// first; nil when no term is at least MinTerm runes long.
func New(terms []string) *Matcher {
	var alts, kept []string
	for _, t := range terms {
		t = strings.TrimSpace(strings.ToValidUTF8(t, ""))
		if utf8.RuneCountInString(t) < MinTerm || strings.Contains(t, Mark) {
			continue
		}
		kept = append(kept, strings.ToLower(t))
		alts = append(alts, t)
		if esc := html.EscapeString(t); esc != t {
			alts = append(alts, esc)
		}
	}
	if len(alts) == 0 {
		return nil
	}
	slices.SortFunc(alts, func(a, b string) int { return len(b) - len(a) })
	alts = slices.Compact(alts)
	for i, a := range alts {
		alts[i] = regexp.QuoteMeta(a)
	}
	slices.Sort(kept)
	return &Matcher{re: regexp.MustCompile(`(?i)` + strings.Join(alts, "|")), terms: slices.Compact(kept)}
}

// Terms are the lower-cased terms m matches (for a coarse SQL prefilter).
func (m *Matcher) Terms() []string {
	if m == nil {
		return nil
	}
	return slices.Clone(m.terms)
}

// Match reports whether s holds a term.
func (m *Matcher) Match(s string) bool { return m != nil && m.re.MatchString(s) }

// String replaces every term in s by marks, one per rune.
func (m *Matcher) String(s string) string {
	if m == nil {
		return s
	}
	return m.re.ReplaceAllStringFunc(s, Marks)
}

// Marks is s with each rune replaced by Mark.
func Marks(s string) string { return strings.Repeat(Mark, utf8.RuneCountInString(s)) }

// JSON redacts the terms in every string (keys included) of a JSON
// document; a document holding no term (and no escape) comes back
// unchanged, byte for byte.
func (m *Matcher) JSON(doc string) (string, error) {
	if !m.Match(doc) && (m == nil || !strings.Contains(doc, `\`)) {
		return doc, nil // (a term can hide behind an escape: \u003c)
	}
	d := json.NewDecoder(strings.NewReader(doc))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return "", err
	}
	changed := false
	var walk func(any) any
	walk = func(x any) any {
		switch x := x.(type) {
		case string:
			y := m.String(x)
			changed = changed || y != x
			return y
		case []any:
			for i := range x {
				x[i] = walk(x[i])
			}
		case map[string]any:
			out := make(map[string]any, len(x))
			for k, v := range x {
				k2 := m.String(k)
				changed = changed || k2 != k
				out[k2] = walk(v)
			}
			return out
		}
		return x
	}
	v = walk(v)
	if !changed {
		return doc, nil
	}
	b, err := json.Marshal(v)
	return string(b), err
}

// LikePattern is a SQL LIKE pattern (with ESCAPE '\') matching any text
// that holds term, for a prefilter on LOWER(column).
func LikePattern(term string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(strings.ToLower(term)) + "%"
}
