package ticket

import (
	"context"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/sanitize"
	"github.com/frontdesk/frontdesk/internal/settings"
	"github.com/frontdesk/frontdesk/internal/store"
)

// Payment-card numbers in incoming messages (issue 12): with the setting
// tickets.redact_card_numbers on, a comment from an end-user has every
// card number in it redacted before it is stored, so the number never
// reaches the database, the search index or a notification.

// Card numbers have 13 to 19 digits (ISO/IEC 7812), written together or in
// groups separated by single spaces or dashes.
const minCardDigits, maxCardDigits = 13, 19

// FindCardNumbers returns the card numbers in s as they are written there
// (separators included), in order: runs of 13–19 digits, optionally
// grouped by single spaces or dashes, not starting with 0, passing the Luhn
// check, and not part of a longer run of digits or a word.
func FindCardNumbers(s string) []string {
	var out []string
	for i := 0; i < len(s); {
		r, w := utf8.DecodeRuneInString(s[i:])
		if !isASCIIDigit(r) || (i > 0 && joined(lastRune(s[:i]))) {
			i += w
			continue
		}
		end, digits := scanDigitRun(s, i)
		if n := len(digits); n >= minCardDigits && n <= maxCardDigits && digits[0] != '0' && luhn(digits) &&
			(end == len(s) || !joined(firstRune(s[end:]))) {
			out = append(out, s[i:end])
		}
		i = end
	}
	return out
}

// RedactCardNumbers replaces every card number in s with RedactionMark
// characters, and reports whether it found any.
func RedactCardNumbers(s string) (string, bool) {
	found := FindCardNumbers(s)
	for _, n := range found {
		s = strings.ReplaceAll(s, n, marks(n))
	}
	return s, len(found) > 0
}

// scanDigitRun reads digits from s[i] (a digit), allowing one space or
// dash between two digits; it returns where the run ends and its digits.
func scanDigitRun(s string, i int) (end int, digits string) {
	var b strings.Builder
	for i < len(s) {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			b.WriteByte(c)
			i++
			continue
		case (c == ' ' || c == '-') && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9':
			i++
			continue
		}
		break
	}
	return i, b.String()
}

// joined reports whether r, next to a digit, makes it part of a word or
// a longer number.
func joined(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_'
}

func isASCIIDigit(r rune) bool { return r >= '0' && r <= '9' }

func lastRune(s string) rune {
	r, _ := utf8.DecodeLastRuneInString(s)
	return r
}

func firstRune(s string) rune {
	r, _ := utf8.DecodeRuneInString(s)
	return r
}

// luhn reports whether the digits pass the Luhn (mod 10) check.
func luhn(digits string) bool {
	sum := 0
	double := false
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i] - '0')
		if double {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}

// redactIncomingCards redacts card numbers in a new comment whose author
// is an end-user, when the setting is on.
func (s *Service) redactIncomingCards(ctx context.Context, tx *store.Tx, p *desk.Principal, nc *newComment) error {
	if len(FindCardNumbers(nc.body)) == 0 && len(FindCardNumbers(nc.html)) == 0 {
		return nil
	}
	on, err := settings.RedactCardNumbers.GetIn(ctx, s.settingsSvc(), tx)
	if err != nil || !on {
		return err
	}
	if nc.authorID == p.UserID && p.IsStaff() {
		return nil
	}
	if nc.authorID != p.UserID || p.System {
		role, _, _, err := people.UserRoleTx(ctx, tx, nc.authorID)
		if err != nil && !isNoRows(err) {
			return err
		}
		if err == nil && role != desk.RoleEndUser {
			return nil
		}
	}
	nc.body, _ = RedactCardNumbers(nc.body)
	nc.html, _ = RedactCardNumbers(nc.html)
	if len(FindCardNumbers(sanitize.PlainText(nc.html))) > 0 {
		// A number split by markup: keep the redacted text, not the markup.
		nc.html = sanitize.TextToHTML(nc.body)
	}
	return nil
}
