package web

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"time"

	"github.com/frontdesk/frontdesk/internal/locale"
)

// The web UI's own strings live in i18n/<locale>.json, an overlay over the
// shared catalogues of package locale (same format: "key": "text" or a
// plural object of CLDR categories). A key is looked up in the overlay
// first, then in the shared catalogue.

type overlayEntry struct {
	text  string
	forms map[string]string // plural forms by CLDR category
}

type overlay map[string]map[string]overlayEntry // locale → key → entry

func loadOverlay(fsys fs.FS) (overlay, error) {
	names, err := fs.Glob(fsys, "i18n/*.json")
	if err != nil {
		return nil, err
	}
	out := overlay{}
	for _, name := range names {
		loc := strings.TrimSuffix(path.Base(name), ".json")
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(data, &raw); err != nil {
			return nil, fmt.Errorf("web: %s: %w", name, err)
		}
		m := map[string]overlayEntry{}
		for k, v := range raw {
			var s string
			if err := json.Unmarshal(v, &s); err == nil {
				m[k] = overlayEntry{text: s}
				continue
			}
			var forms map[string]string
			if err := json.Unmarshal(v, &forms); err != nil || forms["other"] == "" {
				return nil, fmt.Errorf("web: %s: key %q: want a string or plural forms with \"other\"", name, k)
			}
			m[k] = overlayEntry{forms: forms}
		}
		out[loc] = m
	}
	if out["en"] == nil {
		return nil, fmt.Errorf("web: no i18n/en.json overlay")
	}
	return out, nil
}

// translator is a locale.Printer with the overlay in front of it.
type translator struct {
	locale string
	p      *locale.Printer
	own    map[string]overlayEntry
	en     map[string]overlayEntry
}

func (s *Server) translator(loc string, tz *time.Location) *translator {
	p := s.bundle.Printer(loc, tz)
	return &translator{locale: p.Locale, p: p, own: s.overlay[p.Locale], en: s.overlay["en"]}
}

func (t *translator) entry(key string) (overlayEntry, bool) {
	if e, ok := t.own[key]; ok {
		return e, true
	}
	if e, ok := t.en[key]; ok && t.own == nil {
		return e, true
	}
	return overlayEntry{}, false
}

// T translates key with name/value placeholder arguments.
func (t *translator) T(key string, args ...any) string {
	if e, ok := t.entry(key); ok {
		text := e.text
		if e.forms != nil {
			text = e.forms["other"]
		}
		return fill(text, args, "")
	}
	return t.p.T(key, args...)
}

// N translates a plural key for count ({count} is the formatted number).
func (t *translator) N(key string, count int, args ...any) string {
	if e, ok := t.entry(key); ok {
		text := e.text
		if e.forms != nil {
			text = e.forms[locale.PluralCategory(t.locale, int64(count))]
			if text == "" {
				text = e.forms["other"]
			}
		}
		return fill(text, args, t.p.Number(int64(count)))
	}
	return t.p.N(key, count, args...)
}

// fill replaces {name} placeholders with the matching name/value argument
// (and {count} with count when given). Unknown placeholders stay as written.
func fill(text string, args []any, count string) string {
	if !strings.Contains(text, "{") {
		return text
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(text, '{')
		if i < 0 {
			b.WriteString(text)
			break
		}
		j := strings.IndexByte(text[i:], '}')
		if j < 0 {
			b.WriteString(text)
			break
		}
		name := text[i+1 : i+j]
		b.WriteString(text[:i])
		if v, ok := lookupArg(name, args, count); ok {
			b.WriteString(v)
		} else {
			b.WriteString(text[i : i+j+1])
		}
		text = text[i+j+1:]
	}
	return b.String()
}

func lookupArg(name string, args []any, count string) (string, bool) {
	if name == "count" && count != "" {
		return count, true
	}
	for k := 0; k+1 < len(args); k += 2 {
		if n, _ := args[k].(string); n == name {
			return fmt.Sprint(args[k+1]), true
		}
	}
	return "", false
}
