// Package bizhours is the calendar maths of business hours: is a moment
// within a schedule's hours, what moment lies N business minutes after
// another, and how many business minutes lie between two moments.
//
// A Schedule is a time zone, weekly intervals and holidays, in Zendesk's
// shape: an interval is [start, end) in minutes from Sunday 00:00 local
// time (0 … 10080); an interval may run past midnight (Monday 22:00 to
// Tuesday 06:00 is 2760 … 3240) and past the end of the week (Saturday
// 22:00 to Sunday 02:00 is 9960 … 10200), which wraps to Sunday. Holidays
// are whole local dates on which no hours count, even the part of an
// overnight interval that falls on them.
//
// Hours are wall-clock hours in the schedule's zone, so a day on which the
// clocks change has an hour more or less of business time: Monday to
// Friday 01:00–05:00 in Europe/Warsaw is three hours on the Sunday in
// March the clocks go forward and five on the one in October they go back
// (when the interval covers the weekend). Nothing here reads the clock:
// every function takes its moments as arguments.
package bizhours

import (
	"errors"
	"fmt"
	"slices"
	"time"
	_ "time/tzdata" // schedules name IANA zones; they must not depend on the host's zoneinfo
)

// Minutes in a day and a week.
const (
	DayMinutes  = 24 * 60
	WeekMinutes = 7 * DayMinutes
)

// Interval is [Start, End) in minutes from Sunday 00:00 local time.
type Interval struct {
	Start int `json:"start_time"`
	End   int `json:"end_time"`
}

// Date is a local calendar date.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf is t's local date in loc.
func DateOf(t time.Time, loc *time.Location) Date {
	y, m, d := t.In(loc).Date()
	return Date{y, m, d}
}

// ParseDate reads "2026-03-29".
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("%q is not a date (YYYY-MM-DD)", s)
	}
	y, m, d := t.Date()
	return Date{y, m, d}, nil
}

func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day) }

// AddDays is the date n days later.
func (d Date) AddDays(n int) Date {
	y, m, dd := time.Date(d.Year, d.Month, d.Day+n, 12, 0, 0, 0, time.UTC).Date()
	return Date{y, m, dd}
}

// Before reports whether d is an earlier date than o.
func (d Date) Before(o Date) bool { return d.Compare(o) < 0 }

// Compare is -1, 0 or +1 as d is before, equal to or after o.
func (d Date) Compare(o Date) int {
	switch {
	case d.Year != o.Year:
		return cmpInt(d.Year, o.Year)
	case d.Month != o.Month:
		return cmpInt(int(d.Month), int(o.Month))
	}
	return cmpInt(d.Day, o.Day)
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (d Date) weekday() time.Weekday {
	return time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC).Weekday()
}

// Holiday is the dates Start … End (inclusive) on which no hours count.
type Holiday struct {
	Start, End Date
}

// Schedule is a compiled business-hours schedule; build it with New.
type Schedule struct {
	loc *time.Location
	// days[w] are the windows of weekday w as [start, end) minutes of the
	// day (0 … 1440), sorted and disjoint.
	days     [7][][2]int
	holidays []Holiday // sorted by Start
}

// maxScanDays bounds every walk over the calendar: a schedule whose hours
// are all holidays for this long has, as far as anyone cares, no hours.
const maxScanDays = 20 * 366

// ErrNoHours is returned by Add when the schedule has no hours ahead.
var ErrNoHours = errors.New("bizhours: the schedule has no business hours ahead")

// Validate checks intervals: each within the week (an end up to a day past
// it wraps), non-empty, and none overlapping another.
func Validate(intervals []Interval) error {
	var week [WeekMinutes]bool
	for i, iv := range intervals {
		if iv.Start < 0 || iv.Start >= WeekMinutes || iv.End <= iv.Start || iv.End > WeekMinutes+DayMinutes || iv.End-iv.Start > WeekMinutes {
			return fmt.Errorf("interval %d (%d–%d) is not within the week", i+1, iv.Start, iv.End)
		}
		for m := iv.Start; m < iv.End; m++ {
			if week[m%WeekMinutes] {
				return fmt.Errorf("interval %d (%d–%d) overlaps another", i+1, iv.Start, iv.End)
			}
			week[m%WeekMinutes] = true
		}
	}
	return nil
}

// New compiles a schedule. loc nil is UTC.
func New(loc *time.Location, intervals []Interval, holidays []Holiday) (*Schedule, error) {
	if loc == nil {
		loc = time.UTC
	}
	if err := Validate(intervals); err != nil {
		return nil, err
	}
	s := &Schedule{loc: loc}
	for _, iv := range intervals {
		for start := iv.Start; start < iv.End; {
			day := start / DayMinutes
			end := min(iv.End, (day+1)*DayMinutes)
			w := day % 7
			s.days[w] = append(s.days[w], [2]int{start - day*DayMinutes, end - day*DayMinutes})
			start = end
		}
	}
	for w := range s.days {
		s.days[w] = mergeWindows(s.days[w])
	}
	for _, h := range holidays {
		if h.End.Before(h.Start) {
			return nil, fmt.Errorf("holiday %s–%s ends before it starts", h.Start, h.End)
		}
		s.holidays = append(s.holidays, h)
	}
	slices.SortFunc(s.holidays, func(a, b Holiday) int { return a.Start.Compare(b.Start) })
	return s, nil
}

// mergeWindows sorts windows and joins touching ones (Monday's part of an
// overnight interval ending at 24:00 and another starting at 00:00 never
// meet, but two intervals on one day may touch).
func mergeWindows(ws [][2]int) [][2]int {
	slices.SortFunc(ws, func(a, b [2]int) int { return a[0] - b[0] })
	var out [][2]int
	for _, w := range ws {
		if n := len(out); n > 0 && out[n-1][1] >= w[0] {
			out[n-1][1] = max(out[n-1][1], w[1])
			continue
		}
		out = append(out, w)
	}
	return out
}

// Location is the schedule's time zone.
func (s *Schedule) Location() *time.Location { return s.loc }

// Empty reports whether the schedule has no weekly hours at all.
func (s *Schedule) Empty() bool {
	for _, d := range s.days {
		if len(d) > 0 {
			return false
		}
	}
	return true
}

func (s *Schedule) holiday(d Date) bool {
	for _, h := range s.holidays {
		if d.Before(h.Start) {
			return false
		}
		if !h.End.Before(d) {
			return true
		}
	}
	return false
}

// window is one stretch of business time as absolute moments.
type window struct{ from, to time.Time }

// windows are date d's business hours as absolute moments.
func (s *Schedule) windows(d Date) []window {
	spec := s.days[d.weekday()]
	if len(spec) == 0 || s.holiday(d) {
		return nil
	}
	out := make([]window, 0, len(spec))
	for _, w := range spec {
		from := time.Date(d.Year, d.Month, d.Day, w[0]/60, w[0]%60, 0, 0, s.loc)
		to := time.Date(d.Year, d.Month, d.Day, w[1]/60, w[1]%60, 0, 0, s.loc)
		// A wall-clock time the clocks skip (02:30 on the spring-forward
		// night) normalizes to after the gap; a window that falls wholly
		// in the gap is empty.
		if to.After(from) {
			out = append(out, window{from, to})
		}
	}
	return out
}

// Within reports whether t is within business hours.
func (s *Schedule) Within(t time.Time) bool {
	for _, w := range s.windows(DateOf(t, s.loc)) {
		if !t.Before(w.from) && t.Before(w.to) {
			return true
		}
	}
	return false
}

// Add returns the moment d of business time after t: t itself when d ≤ 0;
// otherwise the end of the d-th business nanosecond after t (so a target
// that ends with a window ends at that window's close, not at the next
// opening). It fails with ErrNoHours when no such moment comes within
// twenty years.
func (s *Schedule) Add(t time.Time, d time.Duration) (time.Time, error) {
	if d <= 0 {
		return t, nil
	}
	day := DateOf(t, s.loc)
	for range maxScanDays {
		for _, w := range s.windows(day) {
			if !w.to.After(t) {
				continue
			}
			from := w.from
			if t.After(from) {
				from = t
			}
			if avail := w.to.Sub(from); d <= avail {
				return from.Add(d), nil
			} else {
				d -= avail
			}
		}
		day = day.AddDays(1)
	}
	return time.Time{}, ErrNoHours
}

// Between is the business time from a to b (zero when b is not after a).
func (s *Schedule) Between(a, b time.Time) time.Duration {
	if !b.After(a) {
		return 0
	}
	var total time.Duration
	last := DateOf(b, s.loc)
	for day := DateOf(a, s.loc); !last.Before(day); day = day.AddDays(1) {
		for _, w := range s.windows(day) {
			from, to := w.from, w.to
			if a.After(from) {
				from = a
			}
			if b.Before(to) {
				to = b
			}
			if to.After(from) {
				total += to.Sub(from)
			}
		}
	}
	return total
}

// Calendar is the clock that counts every minute (targets in calendar
// hours, or a ticket without a schedule).
type Calendar struct{}

// Add is t + d.
func (Calendar) Add(t time.Time, d time.Duration) (time.Time, error) {
	if d <= 0 {
		return t, nil
	}
	return t.Add(d), nil
}

// Between is b − a, or zero.
func (Calendar) Between(a, b time.Time) time.Duration {
	if !b.After(a) {
		return 0
	}
	return b.Sub(a)
}

// Within is always true.
func (Calendar) Within(time.Time) bool { return true }

// Clock is what SLA timers measure with: a Schedule or the Calendar.
type Clock interface {
	Add(t time.Time, d time.Duration) (time.Time, error)
	Between(a, b time.Time) time.Duration
	Within(t time.Time) bool
}

var (
	_ Clock = (*Schedule)(nil)
	_ Clock = Calendar{}
)
