package locale

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/text/language"
)

//go:embed catalog/*.json
var embedded embed.FS

// DefaultLocale is the locale used when nothing better matches. Its catalogue
// must exist, and it is the fallback for a key missing from another one.
const DefaultLocale = "en"

// Bundle holds every loaded catalogue. It is immutable once loaded and safe
// for concurrent use.
type Bundle struct {
	cats    map[string]*catalog
	locales []string // sorted, DefaultLocale first
	matcher language.Matcher
	// ids remembers ID's answers: matching a tag costs more than the rest
	// of a user's JSON (every user of a sideload asks). The tags are users'
	// stored locales, so few distinct ones; maxIDs bounds the map anyway.
	ids  sync.Map // tag → int
	nIDs atomic.Int32
}

// maxIDs is how many tags Bundle.ID remembers.
const maxIDs = 1024

var defaultBundle = sync.OnceValue(func() *Bundle {
	sub, err := fs.Sub(embedded, "catalog")
	if err != nil {
		panic("locale: " + err.Error())
	}
	b, err := Load(sub)
	if err != nil {
		panic("locale: embedded catalogue: " + err.Error())
	}
	return b
})

// Default returns the bundle of the catalogues embedded from
// internal/locale/catalog, loading them on first use. A malformed embedded
// catalogue panics; the package tests load it, so that never ships.
func Default() *Bundle { return defaultBundle() }

// Load reads every "*.json" file at the root of fsys as a catalogue named by
// the file ("en.json" → "en", "pt-BR.json" → "pt-BR"). The name must be a
// canonical BCP 47 tag, an "en" catalogue must be present, and each file must
// pass the checks described in the package documentation.
func Load(fsys fs.FS) (*Bundle, error) {
	names, err := fs.Glob(fsys, "*.json")
	if err != nil {
		return nil, err
	}
	b := &Bundle{cats: make(map[string]*catalog, len(names))}
	for _, name := range names {
		loc := strings.TrimSuffix(path.Base(name), ".json")
		tag, err := language.Parse(loc)
		if err != nil || tag.String() != loc {
			return nil, fmt.Errorf("%s: file name is not a canonical language tag (want e.g. %q)", name, tag.String())
		}
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		c, err := parseCatalog(loc, data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		b.cats[loc] = c
		b.locales = append(b.locales, loc)
	}
	if b.cats[DefaultLocale] == nil {
		return nil, fmt.Errorf("no %s.json catalogue", DefaultLocale)
	}
	sort.Slice(b.locales, func(i, j int) bool {
		li, lj := b.locales[i], b.locales[j]
		if (li == DefaultLocale) != (lj == DefaultLocale) {
			return li == DefaultLocale
		}
		return li < lj
	})
	tags := make([]language.Tag, len(b.locales))
	for i, l := range b.locales {
		tags[i] = language.Make(l)
	}
	b.matcher = language.NewMatcher(tags)
	return b, nil
}

// Locales returns the supported locales, sorted, with "en" first.
func (b *Bundle) Locales() []string { return slices.Clone(b.locales) }

// maxPreferences bounds the work Match does for a hostile header.
const maxPreferences = 32

// Match returns the supported locale that best fits the preferences, most
// preferred first. Each argument is a user's locale setting ("pl", "pl-PL",
// "en_US"), a whole Accept-Language header value ("pl-PL,pl;q=0.9,en;q=0.8")
// or a site default; empty and unparsable values are skipped. Typical use:
//
//	b.Match(user.Locale, r.Header.Get("Accept-Language"), settings.DefaultLocale)
//
// Matching is golang.org/x/text/language's, so "pl-PL" → "pl" and
// "en-GB" → "en". When nothing matches the result is "en".
func (b *Bundle) Match(preferred ...string) string {
	var tags []language.Tag
	for _, p := range preferred {
		if len(tags) >= maxPreferences {
			break
		}
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if strings.ContainsAny(p, ",;") {
			for _, s := range ParseAcceptLanguage(p) {
				tags = append(tags, language.Make(s))
			}
			continue
		}
		if t, ok := parseTag(p); ok {
			tags = append(tags, t)
		}
	}
	if len(tags) > maxPreferences {
		tags = tags[:maxPreferences]
	}
	if len(tags) == 0 {
		return DefaultLocale
	}
	_, idx, conf := b.matcher.Match(tags...)
	if conf == language.No || idx < 0 || idx >= len(b.locales) {
		return DefaultLocale
	}
	return b.locales[idx]
}

// maxTagLen is longer than any tag a browser or user setting sends; longer
// input is garbage and is not handed to the parser.
const maxTagLen = 64

// parseTag parses one language tag, accepting "_" for "-" as user settings
// often have it. "*" and "und" are not preferences.
func parseTag(s string) (language.Tag, bool) {
	if s == "" || len(s) > maxTagLen || s == "*" {
		return language.Und, false
	}
	t, err := language.Parse(strings.ReplaceAll(s, "_", "-"))
	if err != nil || t == language.Und {
		return language.Und, false
	}
	return t, true
}

// ParseAcceptLanguage returns the language tags of an Accept-Language header
// value in canonical form, most preferred (highest q) first, ties in header
// order. Entries with q=0, "*", unparsable tags or malformed q values are
// dropped, duplicates keep their first occurrence, and at most 32 entries of
// the header are considered. It never fails: garbage yields an empty result.
func ParseAcceptLanguage(h string) []string {
	type pref struct {
		tag string
		q   float64
	}
	var prefs []pref
	seen := map[string]bool{}
	for n := 0; h != "" && n < maxPreferences; n++ {
		var part string
		part, h, _ = strings.Cut(h, ",")
		tagPart, params, _ := strings.Cut(part, ";")
		q, ok := parseQ(params)
		if !ok || q == 0 {
			continue
		}
		t, ok := parseTag(strings.TrimSpace(tagPart))
		if !ok {
			continue
		}
		s := t.String()
		if seen[s] {
			continue
		}
		seen[s] = true
		prefs = append(prefs, pref{s, q})
	}
	sort.SliceStable(prefs, func(i, j int) bool { return prefs[i].q > prefs[j].q })
	out := make([]string, len(prefs))
	for i, p := range prefs {
		out[i] = p.tag
	}
	return out
}

// parseQ reads the q parameter from the ";"-separated parameters of one
// Accept-Language entry; without one, q is 1.
func parseQ(params string) (float64, bool) {
	q := 1.0
	for params != "" {
		var p string
		p, params, _ = strings.Cut(params, ";")
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok {
			if strings.TrimSpace(p) == "" {
				continue
			}
			return 0, false
		}
		if !strings.EqualFold(strings.TrimSpace(k), "q") {
			continue // an extension parameter; ignore it
		}
		v = strings.TrimSpace(v)
		if len(v) == 0 || len(v) > 5 || (v[0] != '0' && v[0] != '1') {
			return 0, false // RFC 9110: "0" ["." 0*3DIGIT] / "1" ["." 0*3("0")]
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f < 0 || f > 1 {
			return 0, false
		}
		q = f
	}
	return q, true
}

// Printer returns a printer for the supported locale best matching locale
// (see Match; "" or an unknown locale gives "en") and the time zone tz
// (nil means UTC).
func (b *Bundle) Printer(locale string, tz *time.Location) *Printer {
	if tz == nil {
		tz = time.UTC
	}
	loc := locale
	if b.cats[loc] == nil {
		loc = b.Match(locale)
	}
	return &Printer{Locale: loc, TZ: tz, b: b}
}

// missing records keys looked up but not found, for MissingKeys.
var missing struct {
	sync.Mutex
	keys map[string]struct{}
}

// maxMissing bounds the record, in case a template builds keys from data.
const maxMissing = 1000

func recordMissing(key string) {
	missing.Lock()
	defer missing.Unlock()
	if missing.keys == nil {
		missing.keys = map[string]struct{}{}
	}
	if len(missing.keys) < maxMissing {
		missing.keys[key] = struct{}{}
	}
}

// MissingKeys returns, sorted, every key that a Printer was asked for and
// did not find in its locale's catalogue since the program started (or since
// ResetMissingKeys). Tests of templates call it to fail on a typo.
func MissingKeys() []string {
	missing.Lock()
	defer missing.Unlock()
	out := make([]string, 0, len(missing.keys))
	for k := range missing.keys {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// ResetMissingKeys forgets the keys MissingKeys reports.
func ResetMissingKeys() {
	missing.Lock()
	defer missing.Unlock()
	missing.keys = nil
}

// ID is the id the API gives the UI language that tag matches (GET
// /api/v2/locales, users' locale_id): the catalogue's position in Locales(),
// from 1.
func (b *Bundle) ID(tag string) int {
	if id, ok := b.ids.Load(tag); ok {
		return id.(int)
	}
	id := 1
	m := b.Match(tag)
	for i, t := range b.locales {
		if t == m {
			id = i + 1
			break
		}
	}
	if b.nIDs.Load() < maxIDs {
		if _, loaded := b.ids.LoadOrStore(tag, id); !loaded {
			b.nIDs.Add(1)
		}
	}
	return id
}
