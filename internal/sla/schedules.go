package sla

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/frontdesk/frontdesk/internal/bizhours"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
)

// Business-hours schedules, Zendesk's /business_hours/schedules: a name,
// an IANA time zone, weekly intervals and holidays. The schedule with the
// lowest id is the default, the one SLA targets in business hours count
// with. Staff read schedules; roles with manage_business_rules change them.

// Schedule is one business-hours schedule.
type Schedule struct {
	ID        int64               `json:"id"`
	URL       string              `json:"url,omitempty"`
	Name      string              `json:"name"`
	TimeZone  string              `json:"time_zone"`
	Intervals []bizhours.Interval `json:"intervals"`
	// Default is true for the schedule SLA targets use.
	Default   bool      `json:"default"`
	CreatedAt desk.Time `json:"created_at"`
	UpdatedAt desk.Time `json:"updated_at"`
}

// Holiday is a schedule's holiday: dates start … end, inclusive.
type Holiday struct {
	ID         int64     `json:"id"`
	ScheduleID int64     `json:"-"`
	Name       string    `json:"name"`
	StartDate  string    `json:"start_date"`
	EndDate    string    `json:"end_date"`
	CreatedAt  desk.Time `json:"created_at"`
	UpdatedAt  desk.Time `json:"updated_at"`
}

// ScheduleInput creates or changes a schedule; absent properties stay.
type ScheduleInput struct {
	Name      *string              `json:"name"`
	TimeZone  *string              `json:"time_zone"`
	Intervals *[]bizhours.Interval `json:"intervals"`
}

// HolidayInput creates or changes a holiday; absent properties stay.
type HolidayInput struct {
	Name      *string `json:"name"`
	StartDate *string `json:"start_date"`
	EndDate   *string `json:"end_date"`
}

// Limits.
const (
	maxSchedules     = 100
	maxIntervals     = 7 * 8
	maxHolidays      = 1000
	maxHolidayDays   = 366
	maxNameLength    = 255
	maxDescLength    = 4000
	scheduleColumns  = `id, name, time_zone, intervals, created_at, updated_at`
	holidayColumns   = `id, schedule_id, name, start_date, end_date, created_at, updated_at`
	defaultTimeZone  = "UTC"
	defaultSchedName = "Business hours"
)

type scanner interface{ Scan(...any) error }

type querier interface {
	QueryRow(ctx context.Context, q string, args ...any) *sql.Row
	Query(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

func scanSchedule(row scanner) (*Schedule, error) {
	var s Schedule
	var iv string
	var created, updated int64
	if err := row.Scan(&s.ID, &s.Name, &s.TimeZone, &iv, &created, &updated); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(iv), &s.Intervals); err != nil {
		return nil, fmt.Errorf("sla: schedule %d intervals: %w", s.ID, err)
	}
	if s.Intervals == nil {
		s.Intervals = []bizhours.Interval{}
	}
	s.CreatedAt, s.UpdatedAt = desk.TimeFromMicros(created), desk.TimeFromMicros(updated)
	return &s, nil
}

func scanHoliday(row scanner) (*Holiday, error) {
	var h Holiday
	var created, updated int64
	if err := row.Scan(&h.ID, &h.ScheduleID, &h.Name, &h.StartDate, &h.EndDate, &created, &updated); err != nil {
		return nil, err
	}
	h.CreatedAt, h.UpdatedAt = desk.TimeFromMicros(created), desk.TimeFromMicros(updated)
	return &h, nil
}

// requireStaff lets staff read schedules.
func requireStaff(ctx context.Context) error {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return err
	}
	if !p.IsStaff() {
		return desk.Forbidden("Only agents and admins see business rules")
	}
	return nil
}

// requireManager lets roles with manage_business_rules change (and, for
// policies, read) business rules.
func requireManager(ctx context.Context) error {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return err
	}
	if !p.IsStaff() || !p.Can().ManageBusinessRules {
		return desk.Forbidden("Your role does not allow managing business rules")
	}
	return nil
}

// Schedules lists every schedule, the default first.
func (s *Service) Schedules(ctx context.Context) ([]*Schedule, error) {
	if err := requireStaff(ctx); err != nil {
		return nil, err
	}
	return listSchedules(ctx, s.DB)
}

func listSchedules(ctx context.Context, q querier) ([]*Schedule, error) {
	rows, err := q.Query(ctx, `SELECT `+scheduleColumns+` FROM business_schedules ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("sla: list schedules: %w", err)
	}
	defer rows.Close()
	out := []*Schedule{}
	for rows.Next() {
		sc, err := scanSchedule(rows)
		if err != nil {
			return nil, err
		}
		sc.Default = len(out) == 0
		out = append(out, sc)
	}
	return out, rows.Err()
}

// Schedule returns one schedule.
func (s *Service) Schedule(ctx context.Context, id int64) (*Schedule, error) {
	if err := requireStaff(ctx); err != nil {
		return nil, err
	}
	return scheduleByID(ctx, s.DB, id)
}

func scheduleByID(ctx context.Context, q querier, id int64) (*Schedule, error) {
	sc, err := scanSchedule(q.QueryRow(ctx, `SELECT `+scheduleColumns+` FROM business_schedules WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, desk.NotFound()
	}
	if err != nil {
		return nil, fmt.Errorf("sla: schedule %d: %w", id, err)
	}
	var first int64
	if err := q.QueryRow(ctx, `SELECT MIN(id) FROM business_schedules`).Scan(&first); err != nil {
		return nil, err
	}
	sc.Default = first == sc.ID
	return sc, nil
}

// SaveSchedule creates (id 0) or changes a schedule.
func (s *Service) SaveSchedule(ctx context.Context, id int64, in ScheduleInput) (*Schedule, error) {
	if err := requireManager(ctx); err != nil {
		return nil, err
	}
	var out *Schedule
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		sc := &Schedule{TimeZone: defaultTimeZone, Intervals: defaultIntervals()}
		if id != 0 {
			var err error
			if sc, err = scheduleByID(ctx, tx, id); err != nil {
				return err
			}
		} else {
			var n int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM business_schedules`).Scan(&n); err != nil {
				return err
			}
			if n >= maxSchedules {
				return desk.Invalid("base", fmt.Sprintf("an account has at most %d schedules", maxSchedules))
			}
		}
		if err := applySchedule(sc, in); err != nil {
			return err
		}
		ivs, _ := json.Marshal(sc.Intervals)
		now := store.Now()
		if id == 0 {
			newID, err := tx.InsertID(ctx, `INSERT INTO business_schedules (name, time_zone, intervals, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`,
				sc.Name, sc.TimeZone, string(ivs), now, now)
			if err != nil {
				return err
			}
			sc.ID, sc.CreatedAt = newID, desk.TimeFromMicros(now)
		} else if _, err := tx.Exec(ctx, `UPDATE business_schedules SET name = ?, time_zone = ?, intervals = ?, updated_at = ? WHERE id = ?`,
			sc.Name, sc.TimeZone, string(ivs), now, sc.ID); err != nil {
			return err
		}
		sc.UpdatedAt = desk.TimeFromMicros(now)
		var err error
		out, err = scheduleByID(ctx, tx, sc.ID)
		return err
	})
	if err != nil {
		return nil, wrapf(err, "sla: save schedule")
	}
	return out, nil
}

// SetWorkweek replaces a schedule's intervals (Zendesk's PUT
// /schedules/{id}/workweek).
func (s *Service) SetWorkweek(ctx context.Context, id int64, intervals []bizhours.Interval) (*Schedule, error) {
	if intervals == nil {
		return nil, desk.Invalid("workweek", "needs intervals")
	}
	return s.SaveSchedule(ctx, id, ScheduleInput{Intervals: &intervals})
}

// defaultIntervals is Monday to Friday, 09:00–17:00 (Zendesk's default).
func defaultIntervals() []bizhours.Interval {
	var out []bizhours.Interval
	for d := 1; d <= 5; d++ {
		out = append(out, bizhours.Interval{Start: d*bizhours.DayMinutes + 9*60, End: d*bizhours.DayMinutes + 17*60})
	}
	return out
}

func validName(s string, max int) bool {
	return s != "" && len(s) <= max && utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}

func applySchedule(sc *Schedule, in ScheduleInput) error {
	var v desk.Validation
	if in.Name != nil {
		sc.Name = strings.TrimSpace(*in.Name)
	}
	if sc.Name == "" && in.Name == nil {
		sc.Name = defaultSchedName
	}
	if !validName(sc.Name, maxNameLength) {
		v.Add("name", "cannot be blank")
	}
	if in.TimeZone != nil {
		sc.TimeZone = strings.TrimSpace(*in.TimeZone)
	}
	if _, err := LoadZone(sc.TimeZone); err != nil {
		v.Add("time_zone", "is not a valid time zone (an IANA name such as Europe/Warsaw)")
	}
	if in.Intervals != nil {
		sc.Intervals = slices.Clone(*in.Intervals)
		if sc.Intervals == nil {
			sc.Intervals = []bizhours.Interval{}
		}
		if len(sc.Intervals) > maxIntervals {
			v.Add("intervals", fmt.Sprintf("takes at most %d intervals", maxIntervals))
		} else if err := bizhours.Validate(sc.Intervals); err != nil {
			v.Add("intervals", err.Error())
		}
		slices.SortFunc(sc.Intervals, func(a, b bizhours.Interval) int { return a.Start - b.Start })
	}
	return v.Err()
}

// LoadZone loads an IANA zone; "Local" and "" are refused (a schedule's
// hours never depend on the server's zone).
func LoadZone(name string) (*time.Location, error) {
	if name == "" || name == "Local" || len(name) > 64 {
		return nil, errors.New("not a time zone")
	}
	return time.LoadLocation(name)
}

// DeleteSchedule removes a schedule and its holidays. The next schedule
// becomes the default.
func (s *Service) DeleteSchedule(ctx context.Context, id int64) error {
	if err := requireManager(ctx); err != nil {
		return err
	}
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		if _, err := scheduleByID(ctx, tx, id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM business_holidays WHERE schedule_id = ?`, id); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM business_schedules WHERE id = ?`, id)
		return err
	})
	if err != nil {
		return wrapf(err, "sla: delete schedule %d", id)
	}
	return nil
}

// Holidays lists a schedule's holidays by start date.
func (s *Service) Holidays(ctx context.Context, scheduleID int64) ([]*Holiday, error) {
	if err := requireStaff(ctx); err != nil {
		return nil, err
	}
	if _, err := scheduleByID(ctx, s.DB, scheduleID); err != nil {
		return nil, err
	}
	return listHolidays(ctx, s.DB, scheduleID)
}

func listHolidays(ctx context.Context, q querier, scheduleID int64) ([]*Holiday, error) {
	rows, err := q.Query(ctx, `SELECT `+holidayColumns+` FROM business_holidays WHERE schedule_id = ? ORDER BY start_date, id`, scheduleID)
	if err != nil {
		return nil, fmt.Errorf("sla: list holidays: %w", err)
	}
	defer rows.Close()
	out := []*Holiday{}
	for rows.Next() {
		h, err := scanHoliday(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// Holiday returns one holiday of a schedule.
func (s *Service) Holiday(ctx context.Context, scheduleID, id int64) (*Holiday, error) {
	if err := requireStaff(ctx); err != nil {
		return nil, err
	}
	return holidayByID(ctx, s.DB, scheduleID, id)
}

func holidayByID(ctx context.Context, q querier, scheduleID, id int64) (*Holiday, error) {
	h, err := scanHoliday(q.QueryRow(ctx, `SELECT `+holidayColumns+` FROM business_holidays WHERE id = ? AND schedule_id = ?`, id, scheduleID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, desk.NotFound()
	}
	if err != nil {
		return nil, fmt.Errorf("sla: holiday %d: %w", id, err)
	}
	return h, nil
}

// SaveHoliday creates (id 0) or changes a holiday of a schedule.
func (s *Service) SaveHoliday(ctx context.Context, scheduleID, id int64, in HolidayInput) (*Holiday, error) {
	if err := requireManager(ctx); err != nil {
		return nil, err
	}
	var out *Holiday
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		if _, err := scheduleByID(ctx, tx, scheduleID); err != nil {
			return err
		}
		h := &Holiday{ScheduleID: scheduleID}
		if id != 0 {
			var err error
			if h, err = holidayByID(ctx, tx, scheduleID, id); err != nil {
				return err
			}
		} else {
			var n int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM business_holidays WHERE schedule_id = ?`, scheduleID).Scan(&n); err != nil {
				return err
			}
			if n >= maxHolidays {
				return desk.Invalid("base", fmt.Sprintf("a schedule has at most %d holidays", maxHolidays))
			}
		}
		if err := applyHoliday(h, in); err != nil {
			return err
		}
		now := store.Now()
		if id == 0 {
			newID, err := tx.InsertID(ctx, `INSERT INTO business_holidays (schedule_id, name, start_date, end_date, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
				scheduleID, h.Name, h.StartDate, h.EndDate, now, now)
			if err != nil {
				return err
			}
			h.ID = newID
		} else if _, err := tx.Exec(ctx, `UPDATE business_holidays SET name = ?, start_date = ?, end_date = ?, updated_at = ? WHERE id = ?`,
			h.Name, h.StartDate, h.EndDate, now, h.ID); err != nil {
			return err
		}
		var err error
		out, err = holidayByID(ctx, tx, scheduleID, h.ID)
		return err
	})
	if err != nil {
		return nil, wrapf(err, "sla: save holiday")
	}
	return out, nil
}

func applyHoliday(h *Holiday, in HolidayInput) error {
	var v desk.Validation
	if in.Name != nil {
		h.Name = strings.TrimSpace(*in.Name)
	}
	if !validName(h.Name, maxNameLength) {
		v.Add("name", "cannot be blank")
	}
	if in.StartDate != nil {
		h.StartDate = strings.TrimSpace(*in.StartDate)
	}
	if in.EndDate != nil {
		h.EndDate = strings.TrimSpace(*in.EndDate)
	} else if h.EndDate == "" {
		h.EndDate = h.StartDate
	}
	start, err1 := bizhours.ParseDate(h.StartDate)
	if err1 != nil {
		v.Add("start_date", "must be a date (YYYY-MM-DD)")
	}
	end, err2 := bizhours.ParseDate(h.EndDate)
	if err2 != nil {
		v.Add("end_date", "must be a date (YYYY-MM-DD)")
	}
	if err1 == nil && err2 == nil {
		switch {
		case end.Before(start):
			v.Add("end_date", "cannot be before start_date")
		case start.AddDays(maxHolidayDays).Before(end):
			v.Add("end_date", fmt.Sprintf("a holiday lasts at most %d days", maxHolidayDays))
		}
	}
	return v.Err()
}

// DeleteHoliday removes a holiday.
func (s *Service) DeleteHoliday(ctx context.Context, scheduleID, id int64) error {
	if err := requireManager(ctx); err != nil {
		return err
	}
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		if _, err := holidayByID(ctx, tx, scheduleID, id); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM business_holidays WHERE id = ?`, id)
		return err
	})
	if err != nil {
		return wrapf(err, "sla: delete holiday %d", id)
	}
	return nil
}

// compile builds the calendar of a stored schedule.
func compile(ctx context.Context, q querier, sc *Schedule) (*bizhours.Schedule, error) {
	loc, err := LoadZone(sc.TimeZone)
	if err != nil {
		return nil, fmt.Errorf("sla: schedule %d zone %q: %w", sc.ID, sc.TimeZone, err)
	}
	hs, err := listHolidays(ctx, q, sc.ID)
	if err != nil {
		return nil, err
	}
	var hol []bizhours.Holiday
	for _, h := range hs {
		start, err1 := bizhours.ParseDate(h.StartDate)
		end, err2 := bizhours.ParseDate(h.EndDate)
		if err1 != nil || err2 != nil {
			continue // validated on the way in
		}
		hol = append(hol, bizhours.Holiday{Start: start, End: end})
	}
	return bizhours.New(loc, sc.Intervals, hol)
}

// defaultCalendar is the default schedule's calendar, nil when there is
// no schedule (business-hours targets then count calendar time). It is read
// afresh each time (in the caller's transaction when q is one), so every
// instance measures with the schedule as it stands.
func (s *Service) defaultCalendar(ctx context.Context, q querier) (*bizhours.Schedule, error) {
	sc, err := scanSchedule(q.QueryRow(ctx, `SELECT `+scheduleColumns+` FROM business_schedules ORDER BY id LIMIT 1`))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return compile(ctx, q, sc)
}

// WithinBusinessHours reports whether t is within the default schedule's
// hours (always true without a schedule, as Zendesk treats an account
// without one). It is the engine's within_business_hours condition.
func (s *Service) WithinBusinessHours(ctx context.Context, t time.Time) (bool, error) {
	cal, err := s.defaultCalendar(ctx, s.DB)
	if err != nil {
		return false, err
	}
	if cal == nil {
		return true, nil
	}
	return cal.Within(t), nil
}
