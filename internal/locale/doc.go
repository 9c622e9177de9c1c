// Package locale holds Frontdesk's translation catalogues and the
// locale-aware formatting used by the web UI (agent workspace, customer
// portal, help center) and by emails.
//
// # Catalogues
//
// Each language is one JSON file in internal/locale/catalog, named by its
// BCP 47 tag (en.json, pl.json, pt-BR.json) and embedded into the binary.
// A file is a flat object of dotted keys grouped by prefix (app.*, nav.*,
// auth.*, views.*, ticket.*, status.*, priority.*, type.*, portal.*,
// search.*, admin.*, shortcuts.*, errors.*, time.*, email.*, common.*):
//
//	"auth.verification_sent": "We have sent a verification link to {email}.",
//	"ticket.count": {"one": "{count} ticket", "other": "{count} tickets"}
//
// A value is a string, or for a plural an object whose keys are CLDR plural
// categories (zero, one, two, few, many, other). Text holds {name}
// placeholders filled from the name/value arguments of Printer.T; in a plural
// {count} is the count, formatted for the locale. Anything in braces that is
// not a lower-case name, or that no argument fills, is printed as written.
//
// The "locale.*" keys are not UI text but the language's formatting data:
// its own name (locale.name), date patterns (locale.date, locale.datetime,
// locale.time) in a subset of CLDR pattern syntax (y, yy, M, MM, MMM, d, dd,
// H, HH, h, hh, m, mm, s, ss, a and 'quoted text'), abbreviated month names (locale.month_short.1 … 12), AM/PM markers, the
// digit group separator and CLDR's minimum grouping digits.
//
// Loading rejects duplicate keys, values of other JSON types, unknown plural
// categories, plural entries without "other" or without a form the
// language's plural rule can pick, and bad formatting data. The package tests
// also insist that every catalogue has exactly the keys of en.json, with the
// same plural or non-plural shape and the same set of placeholders, so a
// missing or misspelt translation fails the build.
//
// # Output is plain text
//
// Printer.T and Printer.N return plain text and insert placeholder values
// verbatim: "<b>" stays "<b>". Escaping is the job of the template that
// prints it (html/template escapes by context); never mark the result as
// template.HTML.
//
// # Missing keys
//
// A key absent from the printer's catalogue is taken from en.json; a key
// absent there too renders as "⟦key⟧". Either way it is recorded, and
// MissingKeys lists such keys, so template tests can render every page and
// then fail if MissingKeys is not empty.
//
// # Adding a language
//
//  1. Copy catalog/en.json to catalog/xx.json, where xx is the language's
//     canonical BCP 47 tag (de, fr, pt-BR).
//  2. Translate every value. Keep the keys and the {placeholders} exactly;
//     set the locale.* formatting keys (locale.name in the language itself,
//     date patterns, month abbreviations, number grouping).
//  3. Plurals: English has the forms "one" and "other". If the language's
//     CLDR cardinal rule has only those too (de, es, it, nl, sv, …), nothing
//     else is needed: one/other is the default rule. Otherwise (fr, cs, ru,
//     uk, ar, …) add its rule in plural.go, from CLDR's plurals.xml, to the
//     pluralRules table, and give each plural entry every form the rule
//     returns. French already has its rule there (one for 0 and 1, many for
//     exact millions, other), so a fr.json needs one, many and other forms.
//  4. Run go test ./internal/locale/: the tests report any key, form or
//     placeholder that does not match en.json.
//
// The new language then appears in Bundle.Locales and is chosen by
// Bundle.Match for users and browsers that prefer it.
package locale
