package locale

// CLDR plural categories. A plural entry in a catalogue is a JSON object whose
// keys are some of these names; "other" is always required.
const (
	Zero  = "zero"
	One   = "one"
	Two   = "two"
	Few   = "few"
	Many  = "many"
	Other = "other"
)

// validCategory reports whether c is one of the six CLDR category names.
func validCategory(c string) bool {
	switch c {
	case Zero, One, Two, Few, Many, Other:
		return true
	}
	return false
}

// pluralRule is one language's CLDR cardinal rule, written out by hand from
// https://cldr.unicode.org/ (plurals.xml) rather than taken from
// golang.org/x/text/feature/plural, whose API is built for message selectors
// and hides the rule behind a matcher.
//
// The rule sees the CLDR operands of the absolute value of the number:
//
//	i  the integer digits  (1.50 → 1)
//	v  the number of visible fraction digits (1.50 → 2, 1 → 0)
//
// Printer.N only passes integers (v == 0); v exists so that a rule keeps its
// CLDR shape and "other" stays the category of fractions ("1,5 zgłoszenia").
type pluralRule struct {
	// categories the rule can return; every plural entry of a catalogue in a
	// language using this rule must provide each of them.
	categories []string
	choose     func(i uint64, v int) string
}

// oneOther is the CLDR rule of English, German, Dutch, Swedish, Spanish,
// Italian (apart from its "many" for millions) and many others:
// one → i = 1 and v = 0; other → everything else.
//
// It is the default for a language missing from pluralRules, so adding such
// a language needs nothing but its catalogue file.
var oneOther = pluralRule{
	categories: []string{One, Other},
	choose: func(i uint64, v int) string {
		if i == 1 && v == 0 {
			return One
		}
		return Other
	},
}

// polish is the CLDR rule for pl:
//
//	one   i = 1 and v = 0                                  1
//	few   v = 0 and i % 10 = 2..4 and i % 100 != 12..14     2–4, 22–24, 32–34, 102 …
//	many  v = 0 and i != 1 and i % 10 = 0..1                0, 5–21, 25–31, 100, 101, 111 …
//	      or v = 0 and i % 10 = 5..9
//	      or v = 0 and i % 100 = 12..14
//	other everything else (fractions)                       1,5
var polish = pluralRule{
	categories: []string{One, Few, Many, Other},
	choose: func(i uint64, v int) string {
		if v != 0 {
			return Other
		}
		if i == 1 {
			return One
		}
		m10, m100 := i%10, i%100
		if m10 >= 2 && m10 <= 4 && (m100 < 12 || m100 > 14) {
			return Few
		}
		return Many
	},
}

// french is the CLDR rule for fr (and, without "many", close to pt):
// one → i = 0,1 (so "0 ticket", "1,5 ticket"); many → exact millions
// ("1 000 000 de tickets"); other → everything else. It is here, unused by
// the shipped catalogues, because French is the usual example of a language
// that is NOT one/other: a fr.json must give one, many and other forms.
var french = pluralRule{
	categories: []string{One, Many, Other},
	choose: func(i uint64, v int) string {
		if i == 0 || i == 1 {
			return One
		}
		if v == 0 && i%1000000 == 0 {
			return Many
		}
		return Other
	},
}

// pluralRules maps a base language (the part of the locale before any "-")
// to its cardinal rule. A language that is not listed uses oneOther.
//
// To support a language with other rules (fr, cs, ru, uk, ar, …), add a
// pluralRule above, copied from CLDR's plurals.xml, and list it here; the
// tests then insist that its catalogue gives every category the rule returns.
var pluralRules = map[string]pluralRule{
	"en": oneOther,
	"pl": polish,
	"fr": french,
}

// ruleFor returns the plural rule of a locale such as "pl" or "pt-BR".
func ruleFor(locale string) pluralRule {
	base := locale
	for k := 0; k < len(base); k++ {
		if base[k] == '-' {
			base = base[:k]
			break
		}
	}
	if r, ok := pluralRules[base]; ok {
		return r
	}
	return oneOther
}

// PluralCategory returns the CLDR cardinal plural category ("one", "few",
// "many", "other", …) of the integer n in locale. Negative numbers are
// treated as their absolute value, as CLDR does.
func PluralCategory(locale string, n int64) string {
	return ruleFor(locale).choose(absU(n), 0)
}

// absU returns |n| without overflowing on math.MinInt64.
func absU(n int64) uint64 {
	if n < 0 {
		return uint64(-(n + 1)) + 1
	}
	return uint64(n)
}
