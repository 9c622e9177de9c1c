package password

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/frontdesk/frontdesk/internal/textfold"
)

// minPart is the shortest name part or email local part a password may not
// contain. Shorter parts ("Al", "Wu", "jo@…") would reject ordinary words
// for no gain: a password that merely includes them is no easier to guess.
const minPart = 4

// personalParts returns the folded pieces of a user's names and email
// addresses that a password must not contain: each name, whole and word by
// word; each email address whole, and its local part whole and word by
// word ("anna.kowalska@…" gives "anna.kowalska", "annakowalska", "anna" and
// "kowalska"). The domain's words are not personal: everyone at a company
// shares them.
func personalParts(names, emails []string) []string {
	var parts []string
	add := func(s string) {
		if utf8.RuneCountInString(s) >= minPart {
			parts = append(parts, s)
		}
	}
	addAll := func(s string) {
		s = textfold.Fold(strings.TrimSpace(s))
		add(s)
		words := strings.FieldsFunc(s, notAlnum)
		if len(words) > 1 {
			add(strings.Join(words, ""))
		}
		for _, w := range words {
			add(w)
		}
	}
	for _, n := range names {
		addAll(n)
	}
	for _, e := range emails {
		if i := strings.LastIndexByte(e, '@'); i >= 0 {
			add(textfold.Fold(strings.TrimSpace(e))) // the whole address, but not the domain's words
			e = e[:i]
		}
		addAll(e)
	}
	return parts
}

func notAlnum(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) }

// containsPersonal reports whether pw, folded (and also with everything but
// letters and digits removed), contains one of parts.
func containsPersonal(pw string, parts []string) bool {
	if len(parts) == 0 {
		return false
	}
	folded := textfold.Fold(pw)
	squeezed := strings.Join(strings.FieldsFunc(folded, notAlnum), "")
	for _, p := range parts {
		if strings.Contains(folded, p) || strings.Contains(squeezed, p) {
			return true
		}
	}
	return false
}
