package locale

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// entry is one catalogue value: plain text, or plural forms by category.
type entry struct {
	text  string            // when forms == nil
	forms map[string]string // CLDR category → text
}

// catalog is one parsed language file plus the formatting data read from
// its "locale.*" keys.
type catalog struct {
	locale  string
	rule    pluralRule
	entries map[string]entry

	name        string
	date        []patToken
	dateTime    []patToken
	timeOfDay   []patToken
	months      [12]string
	am, pm      string
	group       string
	minGrouping int
}

// Formatting keys every catalogue must define; see the package documentation.
const (
	keyName        = "locale.name"
	keyDate        = "locale.date"
	keyDateTime    = "locale.datetime"
	keyTime        = "locale.time"
	keyAM          = "locale.am"
	keyPM          = "locale.pm"
	keyGroup       = "locale.number_group"
	keyMinGrouping = "locale.number_min_grouping"
	keyMonthPrefix = "locale.month_short." // 1 … 12
)

// parseCatalog decodes and validates one catalogue file.
func parseCatalog(loc string, data []byte) (*catalog, error) {
	entries, err := decodeEntries(data)
	if err != nil {
		return nil, err
	}
	c := &catalog{locale: loc, rule: ruleFor(loc), entries: entries}
	for key, e := range entries {
		if !validKey(key) {
			return nil, fmt.Errorf("key %q: keys are lower-case dotted names of [a-z0-9_-]", key)
		}
		if e.forms == nil {
			continue
		}
		for cat := range e.forms {
			if !validCategory(cat) {
				return nil, fmt.Errorf("key %q: %q is not a CLDR plural category (zero, one, two, few, many, other)", key, cat)
			}
		}
		if _, ok := e.forms[Other]; !ok {
			return nil, fmt.Errorf("key %q: plural entry without an \"other\" form", key)
		}
		for _, cat := range c.rule.categories {
			if _, ok := e.forms[cat]; !ok {
				return nil, fmt.Errorf("key %q: plural entry lacks the %q form that %s needs", key, cat, loc)
			}
		}
	}
	text := func(key string) (string, error) {
		e, ok := entries[key]
		if !ok || e.forms != nil {
			return "", fmt.Errorf("formatting key %q missing or not plain text", key)
		}
		return e.text, nil
	}
	var errs []error
	must := func(key string) string {
		s, err := text(key)
		if err != nil {
			errs = append(errs, err)
		}
		return s
	}
	pattern := func(key string) []patToken {
		p, err := parsePattern(must(key))
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", key, err))
		}
		return p
	}
	c.name = must(keyName)
	c.date = pattern(keyDate)
	c.dateTime = pattern(keyDateTime)
	c.timeOfDay = pattern(keyTime)
	c.am, c.pm = must(keyAM), must(keyPM)
	c.group = must(keyGroup)
	for m := range c.months {
		c.months[m] = must(keyMonthPrefix + strconv.Itoa(m+1))
	}
	if s := must(keyMinGrouping); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 4 {
			errs = append(errs, fmt.Errorf("%s: want 1 … 4, got %q", keyMinGrouping, s))
		}
		c.minGrouping = n
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return c, nil
}

// decodeEntries decodes {"key": "text" | {"category": "text", …}, …},
// rejecting duplicate keys (which encoding/json would silently merge),
// other JSON types, invalid UTF-8 and trailing data.
func decodeEntries(data []byte) (map[string]entry, error) {
	if !utf8.Valid(data) {
		return nil, errors.New("not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := expectDelim(dec, '{'); err != nil {
		return nil, err
	}
	entries := map[string]entry{}
	for dec.More() {
		key, err := stringToken(dec)
		if err != nil {
			return nil, err
		}
		if _, dup := entries[key]; dup {
			return nil, fmt.Errorf("duplicate key %q", key)
		}
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("key %q: %w", key, err)
		}
		switch v := tok.(type) {
		case string:
			entries[key] = entry{text: v}
		case json.Delim:
			if v != '{' {
				return nil, fmt.Errorf("key %q: want a string or a plural object", key)
			}
			forms := map[string]string{}
			for dec.More() {
				cat, err := stringToken(dec)
				if err != nil {
					return nil, fmt.Errorf("key %q: %w", key, err)
				}
				if _, dup := forms[cat]; dup {
					return nil, fmt.Errorf("key %q: duplicate plural form %q", key, cat)
				}
				s, err := stringToken(dec)
				if err != nil {
					return nil, fmt.Errorf("key %q, form %q: want a string", key, cat)
				}
				forms[cat] = s
			}
			if err := expectDelim(dec, '}'); err != nil {
				return nil, err
			}
			entries[key] = entry{forms: forms}
		default:
			return nil, fmt.Errorf("key %q: want a string or a plural object", key)
		}
	}
	if err := expectDelim(dec, '}'); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the catalogue object")
	}
	return entries, nil
}

func expectDelim(dec *json.Decoder, d json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok != d {
		return fmt.Errorf("want %q, got %v", d, tok)
	}
	return nil
}

func stringToken(dec *json.Decoder) (string, error) {
	tok, err := dec.Token()
	if err != nil {
		return "", err
	}
	s, ok := tok.(string)
	if !ok {
		return "", fmt.Errorf("want a string, got %v", tok)
	}
	return s, nil
}

// validKey accepts dotted lower-case names such as "ticket.submit_as" or
// "admin.role.end-user".
func validKey(k string) bool {
	if k == "" || k[0] == '.' || k[len(k)-1] == '.' || strings.Contains(k, "..") {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// placeholders returns the set of {name} placeholders in s.
func placeholders(s string) map[string]bool {
	out := map[string]bool{}
	for {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			return out
		}
		s = s[i+1:]
		j := strings.IndexByte(s, '}')
		if j < 0 {
			return out
		}
		if validName(s[:j]) {
			out[s[:j]] = true
			s = s[j+1:]
		}
	}
}

// validName reports whether s can be a placeholder name: [a-z_][a-z0-9_]*.
func validName(s string) bool {
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// interpolate replaces each {name} in s, in one pass, with lookup(name);
// values are inserted verbatim and never rescanned. A placeholder that
// lookup does not know, and any brace that is not part of a placeholder,
// is kept as written.
func interpolate(s string, lookup func(string) (string, bool)) string {
	if strings.IndexByte(s, '{') < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		s = s[i:]
		j := strings.IndexByte(s, '}')
		if j < 0 {
			b.WriteString(s)
			return b.String()
		}
		name := s[1:j]
		if validName(name) {
			if v, ok := lookup(name); ok {
				b.WriteString(v)
				s = s[j+1:]
				continue
			}
		}
		// Not a known placeholder: emit the "{" and rescan after it, so
		// "{{name}" still substitutes the inner placeholder.
		b.WriteByte('{')
		s = s[1:]
	}
}
