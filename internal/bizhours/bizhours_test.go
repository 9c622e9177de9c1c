package bizhours

import (
	"math/rand/v2"
	"testing"
	"time"
)

func warsaw(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Warsaw")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// weekdays is hours h1–h2 on Monday to Friday.
func weekdays(h1, h2 int) []Interval {
	var out []Interval
	for d := 1; d <= 5; d++ {
		out = append(out, Interval{d*DayMinutes + h1*60, d*DayMinutes + h2*60})
	}
	return out
}

// everyDay is hours h1–h2 on all seven days.
func everyDay(h1, h2 int) []Interval {
	var out []Interval
	for d := 0; d < 7; d++ {
		out = append(out, Interval{d*DayMinutes + h1*60, d*DayMinutes + h2*60})
	}
	return out
}

func mustNew(t testing.TB, loc *time.Location, iv []Interval, hol ...Holiday) *Schedule {
	t.Helper()
	s, err := New(loc, iv, hol)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func at(loc *time.Location, y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, loc)
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		iv   []Interval
		ok   bool
	}{
		{"none", nil, true},
		{"office", weekdays(9, 17), true},
		{"overnight", []Interval{{2760, 3240}}, true},
		{"wraps the week", []Interval{{9960, 10200}}, true},
		{"whole week", []Interval{{0, WeekMinutes}}, true},
		{"empty", []Interval{{600, 600}}, false},
		{"backwards", []Interval{{700, 600}}, false},
		{"negative", []Interval{{-1, 600}}, false},
		{"starts past the week", []Interval{{WeekMinutes, WeekMinutes + 10}}, false},
		{"ends too far", []Interval{{9000, WeekMinutes + DayMinutes + 1}}, false},
		{"overlap", []Interval{{600, 700}, {650, 800}}, false},
		{"wrap overlaps Sunday", []Interval{{9960, 10200}, {60, 200}}, false},
		{"touching", []Interval{{600, 700}, {700, 800}}, true},
	} {
		if err := Validate(tc.iv); (err == nil) != tc.ok {
			t.Errorf("%s: Validate = %v, want ok %v", tc.name, err, tc.ok)
		}
	}
	if _, err := New(nil, nil, []Holiday{{Date{2026, 5, 3}, Date{2026, 5, 1}}}); err == nil {
		t.Error("a holiday ending before it starts was accepted")
	}
}

func TestWithin(t *testing.T) {
	loc := warsaw(t)
	s := mustNew(t, loc, append(weekdays(9, 17), Interval{6*DayMinutes + 22*60, 7*DayMinutes + 2*60}),
		Holiday{Date{2026, 12, 24}, Date{2026, 12, 26}})
	for _, tc := range []struct {
		t    time.Time
		want bool
	}{
		{at(loc, 2026, 11, 30, 9, 0), true},   // Monday at opening
		{at(loc, 2026, 11, 30, 8, 59), false}, // before
		{at(loc, 2026, 11, 30, 16, 59), true},
		{at(loc, 2026, 11, 30, 17, 0), false}, // closing is outside
		{at(loc, 2026, 12, 5, 23, 0), true},   // Saturday night, wrapped interval
		{at(loc, 2026, 12, 6, 1, 30), true},   // Sunday small hours, its wrap
		{at(loc, 2026, 12, 6, 2, 0), false},
		{at(loc, 2026, 12, 24, 10, 0), false}, // Thursday, a holiday
		{at(loc, 2026, 12, 28, 10, 0), true},
		{at(time.UTC, 2026, 11, 30, 8, 30), true}, // 09:30 in Warsaw
	} {
		if got := s.Within(tc.t); got != tc.want {
			t.Errorf("Within(%v) = %v, want %v", tc.t, got, tc.want)
		}
	}
	if !(Calendar{}).Within(time.Time{}) {
		t.Error("calendar time is not always within")
	}
}

func TestAddAndBetween(t *testing.T) {
	loc := warsaw(t)
	office := mustNew(t, loc, weekdays(9, 17))
	holidays := mustNew(t, loc, weekdays(9, 17), Holiday{Date{2026, 12, 24}, Date{2026, 12, 25}}, Holiday{Date{2026, 12, 31}, Date{2027, 1, 1}})
	overnight := mustNew(t, loc, []Interval{{DayMinutes + 22*60, 2*DayMinutes + 6*60}}) // Monday 22:00 – Tuesday 06:00
	// The clocks change at 02:00 → 03:00 on 29 March 2026 and at
	// 03:00 → 02:00 on 25 October 2026, both Sundays.
	nights := mustNew(t, loc, everyDay(1, 5))
	for _, tc := range []struct {
		name     string
		s        *Schedule
		from     time.Time
		minutes  int
		want     time.Time
		measured int // Between(from, want), when it differs from minutes (from outside hours adds nothing)
	}{
		{"within a day", office, at(loc, 2026, 11, 30, 10, 0), 60, at(loc, 2026, 11, 30, 11, 0), 60},
		{"up to closing", office, at(loc, 2026, 11, 30, 16, 0), 60, at(loc, 2026, 11, 30, 17, 0), 60},
		{"over the night", office, at(loc, 2026, 11, 30, 16, 0), 61, at(loc, 2026, 12, 1, 9, 1), 61},
		{"from before opening", office, at(loc, 2026, 11, 30, 7, 0), 30, at(loc, 2026, 11, 30, 9, 30), 30},
		{"over the weekend", office, at(loc, 2026, 12, 4, 16, 30), 60, at(loc, 2026, 12, 7, 9, 30), 60},
		{"from Saturday", office, at(loc, 2026, 12, 5, 12, 0), 8 * 60, at(loc, 2026, 12, 7, 17, 0), 8 * 60},
		{"a week of hours", office, at(loc, 2026, 11, 30, 9, 0), 40 * 60, at(loc, 2026, 12, 4, 17, 0), 40 * 60},
		{"zero", office, at(loc, 2026, 12, 5, 12, 0), 0, at(loc, 2026, 12, 5, 12, 0), 0},
		{"over Christmas", holidays, at(loc, 2026, 12, 23, 16, 0), 120, at(loc, 2026, 12, 28, 10, 0), 120},
		{"over New Year", holidays, at(loc, 2026, 12, 30, 12, 0), 8 * 60, at(loc, 2027, 1, 4, 12, 0), 8 * 60},
		{"overnight interval", overnight, at(loc, 2026, 11, 30, 23, 0), 5 * 60, at(loc, 2026, 12, 1, 4, 0), 5 * 60},
		{"overnight to next week", overnight, at(loc, 2026, 12, 1, 5, 0), 120, at(loc, 2026, 12, 7, 23, 0), 120},
		// Spring forward: the night of 29 March has 3 business hours (01–05
		// less the skipped 02–03).
		{"spring night", nights, at(loc, 2026, 3, 29, 1, 0), 3 * 60, at(loc, 2026, 3, 29, 5, 0), 3 * 60},
		{"spring night, one more minute", nights, at(loc, 2026, 3, 29, 1, 0), 3*60 + 1, at(loc, 2026, 3, 30, 1, 1), 3*60 + 1},
		{"spring, across the gap", nights, at(loc, 2026, 3, 29, 1, 30), 60, at(loc, 2026, 3, 29, 3, 30), 60},
		// Fall back: 5 business hours that night (02–03 happens twice).
		{"autumn night", nights, at(loc, 2026, 10, 25, 1, 0), 5 * 60, at(loc, 2026, 10, 25, 5, 0), 5 * 60},
		{"autumn night, four hours", nights, at(loc, 2026, 10, 25, 1, 0), 4 * 60, at(loc, 2026, 10, 25, 4, 0), 4 * 60},
		{"autumn, one hour in", nights, at(loc, 2026, 10, 25, 1, 0), 2 * 60, time.Date(2026, 10, 25, 1, 0, 0, 0, time.UTC), 2 * 60}, // 02:00 CET, the second 02:00
	} {
		got, err := tc.s.Add(tc.from, time.Duration(tc.minutes)*time.Minute)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if !got.Equal(tc.want) {
			t.Errorf("%s: Add(%v, %d min) = %v, want %v", tc.name, tc.from, tc.minutes, got.In(loc), tc.want)
		}
		if b := tc.s.Between(tc.from, tc.want); b != time.Duration(tc.measured)*time.Minute {
			t.Errorf("%s: Between = %v, want %d min", tc.name, b, tc.measured)
		}
	}
}

func TestBetweenAcrossDST(t *testing.T) {
	loc := warsaw(t)
	full := mustNew(t, loc, []Interval{{0, WeekMinutes}}) // every minute is a business minute
	for _, tc := range []struct {
		day  Date
		want time.Duration
	}{
		{Date{2026, 3, 28}, 24 * time.Hour},
		{Date{2026, 3, 29}, 23 * time.Hour},
		{Date{2026, 10, 25}, 25 * time.Hour},
		{Date{2027, 3, 28}, 23 * time.Hour},
		{Date{2027, 10, 31}, 25 * time.Hour},
	} {
		a := time.Date(tc.day.Year, tc.day.Month, tc.day.Day, 0, 0, 0, 0, loc)
		b := time.Date(tc.day.Year, tc.day.Month, tc.day.Day+1, 0, 0, 0, 0, loc)
		if got := full.Between(a, b); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.day, got, tc.want)
		}
	}
	if got := full.Between(at(loc, 2026, 5, 1, 0, 0), at(loc, 2026, 4, 1, 0, 0)); got != 0 {
		t.Errorf("backwards span = %v", got)
	}
}

func TestEmptySchedule(t *testing.T) {
	loc := warsaw(t)
	empty := mustNew(t, loc, nil)
	now := at(loc, 2026, 11, 30, 10, 0)
	if !empty.Empty() || empty.Within(now) {
		t.Error("an empty schedule has hours")
	}
	if _, err := empty.Add(now, time.Minute); err != ErrNoHours {
		t.Errorf("Add on an empty schedule: %v", err)
	}
	if got, err := empty.Add(now, 0); err != nil || !got.Equal(now) {
		t.Errorf("Add 0 = %v, %v", got, err)
	}
	if empty.Between(now, now.Add(1000*time.Hour)) != 0 {
		t.Error("an empty schedule counts time")
	}
	// All hours are holidays for longer than anyone waits.
	forever := mustNew(t, loc, weekdays(9, 17), Holiday{Date{2000, 1, 1}, Date{2100, 1, 1}})
	if _, err := forever.Add(now, time.Minute); err != ErrNoHours {
		t.Errorf("Add through endless holidays: %v", err)
	}
	if (Calendar{}).Between(now, now.Add(-time.Hour)) != 0 {
		t.Error("calendar counts backwards")
	}
	if got, _ := (Calendar{}).Add(now, time.Hour); !got.Equal(now.Add(time.Hour)) {
		t.Error("calendar add")
	}
}

func TestDates(t *testing.T) {
	d, err := ParseDate("2026-02-28")
	if err != nil || d.AddDays(1) != (Date{2026, 3, 1}) || d.String() != "2026-02-28" {
		t.Errorf("ParseDate/AddDays: %v %v", d, err)
	}
	for _, bad := range []string{"", "2026-13-01", "2026-02-30", "28.02.2026", "2026-2-3"} {
		if _, err := ParseDate(bad); err == nil {
			t.Errorf("ParseDate(%q) accepted", bad)
		}
	}
}

// Properties over random schedules, moments and amounts, across the DST
// changes of several years: adding then measuring gives back the amount,
// adding is monotonic and composes, and a moment reached by adding a
// positive amount from outside hours is never before the next opening.
func TestProperties(t *testing.T) {
	loc := warsaw(t)
	r := rand.New(rand.NewPCG(11, 36))
	schedules := []*Schedule{
		mustNew(t, loc, weekdays(9, 17)),
		mustNew(t, loc, everyDay(1, 5)),
		mustNew(t, loc, everyDay(0, 24)),
		mustNew(t, loc, []Interval{{DayMinutes + 22*60, 2*DayMinutes + 6*60}, {6*DayMinutes + 20*60, 7*DayMinutes + 3*60}}),
		mustNew(t, loc, weekdays(8, 16), Holiday{Date{2026, 3, 27}, Date{2026, 3, 31}}, Holiday{Date{2026, 10, 26}, Date{2026, 10, 26}}),
		mustNew(t, time.UTC, weekdays(9, 17)),
		mustNew(t, mustLoad(t, "America/New_York"), []Interval{{0, WeekMinutes}}),
	}
	base := time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC)
	for i := range 3000 {
		s := schedules[i%len(schedules)]
		from := base.Add(time.Duration(r.Int64N(int64(2 * 365 * 24 * time.Hour))))
		d1 := time.Duration(r.Int64N(int64(60*time.Hour))) + time.Second
		d2 := time.Duration(r.Int64N(int64(10 * time.Hour)))
		to, err := s.Add(from, d1)
		if err != nil {
			t.Fatal(err)
		}
		if got := s.Between(from, to); got != d1 {
			t.Fatalf("schedule %d: Between(%v, Add(·, %v)=%v) = %v", i%len(schedules), from, d1, to, got)
		}
		if !to.After(from) {
			t.Fatalf("Add went backwards: %v + %v = %v", from, d1, to)
		}
		if !s.Within(to.Add(-time.Nanosecond)) {
			t.Fatalf("the last business nanosecond before %v is outside hours", to)
		}
		both, _ := s.Add(from, d1+d2)
		step, _ := s.Add(to, d2)
		if d2 > 0 && !both.Equal(step) {
			t.Fatalf("Add(%v, %v+%v) = %v but stepwise %v", from, d1, d2, both, step)
		}
		mid := from.Add(time.Duration(r.Int64N(int64(to.Sub(from)) + 1)))
		if s.Between(from, mid)+s.Between(mid, to) != d1 {
			t.Fatalf("Between does not split at %v", mid)
		}
	}
}

func mustLoad(t testing.TB, name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func BenchmarkAdd(b *testing.B) {
	loc := warsaw(b)
	s := mustNew(b, loc, weekdays(9, 17), Holiday{Date{2026, 12, 24}, Date{2026, 12, 26}})
	from := at(loc, 2026, 11, 30, 10, 0)
	for b.Loop() {
		if _, err := s.Add(from, 24*time.Hour); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzSchedule builds schedules from arbitrary intervals and checks that
// whatever New accepts measures consistently: adding then measuring gives
// back the amount, and Within agrees with a positive measure of the next
// minute.
func FuzzSchedule(f *testing.F) {
	f.Add(1*DayMinutes+540, 1*DayMinutes+1020, 5*DayMinutes+1320, 6*DayMinutes+120, int64(1774600000), int64(90), "Europe/Warsaw")
	f.Add(9960, 10200, 0, 0, int64(1792000000), int64(600), "Europe/Warsaw")
	f.Add(0, WeekMinutes, 0, 0, int64(1761350400), int64(1500), "America/New_York")
	f.Add(60, 300, 60, 300, int64(0), int64(1), "UTC")
	f.Fuzz(func(t *testing.T, s1, e1, s2, e2 int, at, minutes int64, zone string) {
		loc, err := time.LoadLocation(zone)
		if err != nil || zone == "Local" {
			return
		}
		iv := []Interval{{s1, e1}}
		if s2 != 0 || e2 != 0 {
			iv = append(iv, Interval{s2, e2})
		}
		s, err := New(loc, iv, []Holiday{{Date{2026, 12, 24}, Date{2026, 12, 26}}})
		if err != nil {
			if Validate(iv) == nil {
				t.Fatalf("New refused valid intervals %v: %v", iv, err)
			}
			return
		}
		if at < 0 || at > 4102444800 || minutes < 0 || minutes > 60*24*30 {
			return
		}
		from := time.Unix(at, 0)
		d := time.Duration(minutes) * time.Minute
		to, err := s.Add(from, d)
		if err != nil {
			if !s.Empty() && d > 0 {
				t.Fatalf("Add(%v, %v) on %v: %v", from, d, iv, err)
			}
			return
		}
		if got := s.Between(from, to); got != d {
			t.Fatalf("%v: Between(%v, Add(·, %v) = %v) = %v", iv, from, d, to, got)
		}
		if s.Within(from) != (s.Between(from, from.Add(time.Nanosecond)) > 0) {
			t.Fatalf("%v: Within(%v) disagrees with Between", iv, from)
		}
	})
}
