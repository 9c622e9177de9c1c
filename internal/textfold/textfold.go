// Package textfold folds text for search so that what a user types without
// diacritics still finds what was written with them ("zgloszenie" finds
// "Zgłoszenie", "Muller" finds "Müller"). Documents and queries go through
// the same Fold, so both stores match identically.
package textfold

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// special covers letters that carry no combining mark in Unicode, so NFD
// decomposition alone would leave them alone.
var special = map[rune]string{
	'ł': "l", 'Ł': "l", 'ø': "o", 'Ø': "o", 'đ': "d", 'Đ': "d", 'ð': "d", 'Ð': "d",
	'ß': "ss", 'æ': "ae", 'Æ': "ae", 'œ': "oe", 'Œ': "oe", 'þ': "th", 'Þ': "th",
	'ı': "i", 'ħ': "h", 'Ħ': "h", 'ŀ': "l", 'Ŀ': "l",
}

// Fold lower-cases s, strips diacritics and maps special letters to ASCII
// look-alikes. Invalid UTF-8 bytes are dropped.
func Fold(s string) string {
	if isASCIILower(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range norm.NFD.String(strings.ToValidUTF8(s, " ")) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		if rep, ok := special[r]; ok {
			b.WriteString(rep)
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

func isASCIILower(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf || (c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// Words splits folded text into search words: runs of letters and digits.
// The stores' tokenizers split the same way, so a query word never spans
// two document words.
func Words(s string) []string {
	return strings.FieldsFunc(Fold(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}
