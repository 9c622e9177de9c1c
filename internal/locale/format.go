package locale

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// patToken is one piece of a date pattern: a literal or a field letter
// repeated width times.
type patToken struct {
	field byte // 0 for a literal
	width int
	lit   string
}

// parsePattern parses the subset of CLDR date pattern syntax that the
// "locale.date", "locale.datetime" and "locale.time" keys use:
//
//	y    year (yy: two digits)      M  month (MM: 01–12, MMM: locale.month_short.N)
//	d    day (dd: 01–31)            H  hour 0–23 (HH: 00–23)
//	h    hour 1–12 (hh: 01–12)      m  minute (mm)     s  second (ss)
//	a    locale.am / locale.pm      'text'  literal text ('' is a quote)
//
// Any other ASCII letter is an error, so a typo fails the tests instead of
// printing garbage; every other character is literal.
func parsePattern(p string) ([]patToken, error) {
	var out []patToken
	lit := func(s string) {
		if n := len(out); n > 0 && out[n-1].field == 0 {
			out[n-1].lit += s
			return
		}
		out = append(out, patToken{lit: s})
	}
	for i := 0; i < len(p); {
		c := p[i]
		switch {
		case c == '\'':
			if i+1 < len(p) && p[i+1] == '\'' {
				lit("'")
				i += 2
				continue
			}
			// Quoted text up to the closing quote; '' inside it is a quote.
			var q strings.Builder
			for i++; ; i++ {
				if i >= len(p) {
					return nil, errors.New("unterminated quote")
				}
				if p[i] != '\'' {
					q.WriteByte(p[i])
					continue
				}
				if i+1 < len(p) && p[i+1] == '\'' {
					q.WriteByte('\'')
					i++
					continue
				}
				i++
				break
			}
			lit(q.String())
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			w := 1
			for i+w < len(p) && p[i+w] == c {
				w++
			}
			max := map[byte]int{'y': 4, 'M': 3, 'd': 2, 'H': 2, 'h': 2, 'm': 2, 's': 2, 'a': 1}[c]
			if max == 0 {
				return nil, fmt.Errorf("unsupported pattern letter %q", c)
			}
			if w > max {
				return nil, fmt.Errorf("%q repeated %d times; at most %d", c, w, max)
			}
			out = append(out, patToken{field: c, width: w})
			i += w
		default:
			lit(string(c))
			i++
		}
	}
	if len(out) == 0 {
		return nil, errors.New("empty pattern")
	}
	return out, nil
}

func (c *catalog) format(pat []patToken, t time.Time) string {
	var b strings.Builder
	num := func(n, width int) {
		s := strconv.Itoa(n)
		for k := len(s); k < width; k++ {
			b.WriteByte('0')
		}
		b.WriteString(s)
	}
	for _, tok := range pat {
		switch tok.field {
		case 0:
			b.WriteString(tok.lit)
		case 'y':
			if tok.width == 2 {
				num(t.Year()%100, 2)
			} else {
				num(t.Year(), tok.width)
			}
		case 'M':
			if tok.width == 3 {
				b.WriteString(c.months[t.Month()-1])
			} else {
				num(int(t.Month()), tok.width)
			}
		case 'd':
			num(t.Day(), tok.width)
		case 'H':
			num(t.Hour(), tok.width)
		case 'h':
			h := t.Hour() % 12
			if h == 0 {
				h = 12
			}
			num(h, tok.width)
		case 'm':
			num(t.Minute(), tok.width)
		case 's':
			num(t.Second(), tok.width)
		case 'a':
			if t.Hour() < 12 {
				b.WriteString(c.am)
			} else {
				b.WriteString(c.pm)
			}
		}
	}
	return b.String()
}

// Date formats t, converted to p.TZ, as the locale's date:
// en "Nov 25, 2026" (CLDR medium), pl "25.11.2026".
//
// Polish uses the numeric form everywhere (Date and DateTime alike): it is
// what Polish software shows in lists, it lines up in columns, and it avoids
// month-name declension ("25 listopada" but "listopad 2026").
func (p *Printer) Date(t time.Time) string {
	c, tz := p.state()
	return c.format(c.date, t.In(tz))
}

// DateTime formats t, converted to p.TZ, as date and time:
// en "Nov 25, 2026, 3:04 PM", pl "25.11.2026, 15:04".
func (p *Printer) DateTime(t time.Time) string {
	c, tz := p.state()
	return c.format(c.dateTime, t.In(tz))
}

// Time formats the time of day of t in p.TZ: en "3:04 PM", pl "15:04".
func (p *Printer) Time(t time.Time) string {
	c, tz := p.state()
	return c.format(c.timeOfDay, t.In(tz))
}

// Relative describes t as seen at now, in p.TZ, through the time.* keys:
//
//	|now-t| < 1 minute            time.just_now      "just now" / "przed chwilą"
//	< 1 hour                      time.minutes_ago   "5 minutes ago" / "5 minut temu"
//	same calendar day             time.hours_ago     "3 hours ago"
//	previous calendar day         time.yesterday     "yesterday" / "wczoraj"
//	2–6 calendar days ago         time.days_ago      "3 days ago" / "3 dni temu"
//	older                         Date(t)
//
// and symmetrically for the future (time.in_minutes, time.in_hours,
// time.tomorrow, time.in_days), so a due date reads "in 2 days".
// Calendar days are counted in p.TZ, so DST changes do not shift them.
func (p *Printer) Relative(t, now time.Time) string {
	_, tz := p.state()
	t, now = t.In(tz), now.In(tz)
	// Sub saturates, so take the difference in the direction that is
	// positive: negating a saturated minimum Duration would overflow.
	future := t.After(now)
	d := now.Sub(t)
	if future {
		d = t.Sub(now)
	}
	days := calendarDays(t, now) // > 0 when t is before now
	if future {
		days = -days
	}
	switch {
	case d < time.Minute:
		return p.T("time.just_now")
	case d < time.Hour:
		return p.pick(future, "time.in_minutes", "time.minutes_ago", int(d/time.Minute))
	case days == 0:
		return p.pick(future, "time.in_hours", "time.hours_ago", int(d/time.Hour))
	case days == 1 && future:
		return p.T("time.tomorrow")
	case days == 1:
		return p.T("time.yesterday")
	case days < 7:
		return p.pick(future, "time.in_days", "time.days_ago", days)
	}
	return p.Date(t)
}

func (p *Printer) pick(future bool, futureKey, pastKey string, n int) string {
	if future {
		return p.N(futureKey, n)
	}
	return p.N(pastKey, n)
}

// calendarDays returns the number of calendar days from a's date to b's
// date, both read in their own (equal) location.
func calendarDays(a, b time.Time) int {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	da := time.Date(ay, am, ad, 0, 0, 0, 0, time.UTC)
	db := time.Date(by, bm, bd, 0, 0, 0, 0, time.UTC)
	return int(db.Sub(da) / (24 * time.Hour))
}

// Number formats an integer with the locale's digit grouping: en
// "1,234,567", pl "1 234 567" with U+00A0 NO-BREAK SPACE between groups.
// Following CLDR's minimumGroupingDigits (locale.number_min_grouping), Polish
// leaves four-digit numbers ungrouped: "1234" but "12 345".
func (p *Printer) Number(n int64) string {
	c, _ := p.state()
	return c.number(n)
}

func (c *catalog) number(n int64) string {
	digits := strconv.FormatUint(absU(n), 10)
	var b strings.Builder
	if n < 0 {
		b.WriteByte('-')
	}
	if len(digits) < 3+c.minGrouping {
		b.WriteString(digits)
		return b.String()
	}
	first := len(digits) % 3
	if first == 0 {
		first = 3
	}
	b.WriteString(digits[:first])
	for k := first; k < len(digits); k += 3 {
		b.WriteString(c.group)
		b.WriteString(digits[k : k+3])
	}
	return b.String()
}

// Name returns the language's name in itself ("English", "Polski"), for a
// language picker.
func (p *Printer) Name() string {
	c, _ := p.state()
	return c.name
}
