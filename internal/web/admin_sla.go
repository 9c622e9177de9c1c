package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/frontdesk/frontdesk/internal/bizhours"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/rules"
	"github.com/frontdesk/frontdesk/internal/sla"
)

// Business hours and SLA policies (p8-sla): the sla service decides who
// may (staff read schedules; manage_business_rules changes them and reads
// and changes policies). The pages need no script: weekly hours are one
// opening and closing time per day (a closing time at or before the
// opening runs overnight), a policy's filter is rows of field, operator
// and value, and its targets a table of minutes per metric and priority.

func (s *Server) registerSLAAdmin(h func(string, access, handlerFunc)) {
	if s.d.SLA == nil {
		return
	}
	h("GET /agent/admin/schedules", staff, s.adminSchedules)
	h("POST /agent/admin/schedules", staff, s.adminCreateSchedule)
	h("GET /agent/admin/schedules/{id}", staff, s.adminSchedule)
	h("POST /agent/admin/schedules/{id}", staff, s.adminSaveSchedule)
	h("POST /agent/admin/schedules/{id}/delete", staff, s.adminDeleteSchedule)
	h("POST /agent/admin/schedules/{id}/holidays", staff, s.adminAddHoliday)
	h("POST /agent/admin/schedules/{id}/holidays/{holiday_id}/delete", staff, s.adminDeleteHoliday)
	h("GET /agent/admin/slas", staff, s.adminSLAs)
	h("GET /agent/admin/slas/new", staff, s.adminNewSLA)
	h("POST /agent/admin/slas", staff, s.adminCreateSLA)
	h("GET /agent/admin/slas/{id}", staff, s.adminSLA)
	h("POST /agent/admin/slas/{id}", staff, s.adminSaveSLA)
	h("POST /agent/admin/slas/{id}/delete", staff, s.adminDeleteSLA)
	h("POST /agent/admin/slas/{id}/move", staff, s.adminMoveSLA)
}

// Schedules.

// weekDays are the days of the hours form, Monday first; Day is the
// offset from Sunday in Zendesk's minutes of the week.
var weekDays = []struct {
	Day int
	Key string
}{{1, "sla.day_mon"}, {2, "sla.day_tue"}, {3, "sla.day_wed"}, {4, "sla.day_thu"}, {5, "sla.day_fri"}, {6, "sla.day_sat"}, {0, "sla.day_sun"}}

type scheduleDay struct {
	Day         int
	Key         string
	Open, Close string // "HH:MM", "" when closed
}

type adminSchedulesData struct {
	Schedules []*sla.Schedule
}

type adminScheduleData struct {
	Schedule *sla.Schedule
	Days     []scheduleDay
	Holidays []*sla.Holiday
	// Extra says the schedule has more than one interval on some day
	// (set through the API); the form edits one per day.
	Extra bool
}

func (s *Server) adminSchedules(w http.ResponseWriter, r *http.Request) error {
	return s.showAdminSchedules(w, r, http.StatusOK, "", nil)
}

func (s *Server) showAdminSchedules(w http.ResponseWriter, r *http.Request, status int, msg string, fe map[string][]string) error {
	list, err := s.d.SLA.Schedules(r.Context())
	if err != nil {
		return err
	}
	pg := s.adminPage(r, "sla.schedules", "schedules")
	pg.Error, pg.FieldErrors = msg, fe
	pg.Form.Set("name", r.PostFormValue("name"))
	pg.Form.Set("time_zone", r.PostFormValue("time_zone"))
	pg.Data = adminSchedulesData{Schedules: list}
	return s.render(w, status, "admin_schedules", pg)
}

func (s *Server) adminCreateSchedule(w http.ResponseWriter, r *http.Request) error {
	sc, err := s.d.SLA.SaveSchedule(r.Context(), 0, sla.ScheduleInput{Name: formText(r, "name"), TimeZone: formText(r, "time_zone")})
	if err != nil {
		return s.adminForm(w, r, err, func(st int, msg string, fe map[string][]string) error {
			return s.showAdminSchedules(w, r, st, msg, fe)
		})
	}
	return redirect(w, r, withMsg("/agent/admin/schedules/"+strconv.FormatInt(sc.ID, 10), "created"))
}

func (s *Server) adminSchedule(w http.ResponseWriter, r *http.Request) error {
	return s.showAdminSchedule(w, r, http.StatusOK, "", nil)
}

func (s *Server) showAdminSchedule(w http.ResponseWriter, r *http.Request, status int, msg string, fe map[string][]string) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	sc, err := s.d.SLA.Schedule(r.Context(), id)
	if err != nil {
		return err
	}
	d := adminScheduleData{Schedule: sc}
	if d.Holidays, err = s.d.SLA.Holidays(r.Context(), id); err != nil {
		return err
	}
	byDay := map[int]bizhours.Interval{}
	for _, iv := range sc.Intervals {
		day := iv.Start / bizhours.DayMinutes % 7
		if _, ok := byDay[day]; ok {
			d.Extra = true
			continue
		}
		byDay[day] = iv
	}
	pg := s.adminPage(r, "sla.schedule", "schedules")
	pg.Title = sc.Name
	pg.Error, pg.FieldErrors = msg, fe
	posted := r.Method == http.MethodPost && msg != ""
	for _, wd := range weekDays {
		sd := scheduleDay{Day: wd.Day, Key: wd.Key}
		if posted {
			sd.Open, sd.Close = r.PostFormValue(fmt.Sprintf("open_%d", wd.Day)), r.PostFormValue(fmt.Sprintf("close_%d", wd.Day))
		} else if iv, ok := byDay[wd.Day]; ok {
			sd.Open, sd.Close = clock(iv.Start%bizhours.DayMinutes), clock(iv.End%bizhours.DayMinutes)
		}
		d.Days = append(d.Days, sd)
	}
	for _, k := range []string{"name", "time_zone", "holiday_name", "start_date", "end_date"} {
		pg.Form.Set(k, r.PostFormValue(k))
	}
	if !posted || r.PostFormValue("name") == "" && r.PostFormValue("time_zone") == "" {
		pg.Form.Set("name", sc.Name)
		pg.Form.Set("time_zone", sc.TimeZone)
	}
	pg.Data = d
	return s.render(w, status, "admin_schedule", pg)
}

// clock renders minutes of a day as "HH:MM".
func clock(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }

// parseClock reads "HH:MM" (24:00 is the end of the day).
func parseClock(v string) (int, bool) {
	t, err := time.Parse("15:04", strings.TrimSpace(v))
	if err != nil {
		if strings.TrimSpace(v) == "24:00" {
			return bizhours.DayMinutes, true
		}
		return 0, false
	}
	return t.Hour()*60 + t.Minute(), true
}

// workweekForm reads the hours form: per day an opening and a closing
// time, both blank for a closed day; a closing time at or before the
// opening runs past midnight.
func workweekForm(r *http.Request) ([]bizhours.Interval, error) {
	out := []bizhours.Interval{}
	for _, wd := range weekDays {
		o, c := r.PostFormValue(fmt.Sprintf("open_%d", wd.Day)), r.PostFormValue(fmt.Sprintf("close_%d", wd.Day))
		if strings.TrimSpace(o) == "" && strings.TrimSpace(c) == "" {
			continue
		}
		open, ok1 := parseClock(o)
		cl, ok2 := parseClock(c)
		if !ok1 || !ok2 || open >= bizhours.DayMinutes {
			return nil, desk.Invalid("intervals", "each open day needs an opening and a closing time (HH:MM)")
		}
		start := wd.Day*bizhours.DayMinutes + open
		end := wd.Day*bizhours.DayMinutes + cl
		if cl <= open {
			end += bizhours.DayMinutes
		}
		out = append(out, bizhours.Interval{Start: start, End: end})
	}
	return out, nil
}

func (s *Server) adminSaveSchedule(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	intervals, err := workweekForm(r)
	if err == nil {
		_, err = s.d.SLA.SaveSchedule(r.Context(), id, sla.ScheduleInput{Name: formText(r, "name"), TimeZone: formText(r, "time_zone"), Intervals: &intervals})
	}
	if err != nil {
		return s.adminForm(w, r, err, func(st int, msg string, fe map[string][]string) error {
			return s.showAdminSchedule(w, r, st, msg, fe)
		})
	}
	return redirect(w, r, withMsg("/agent/admin/schedules/"+strconv.FormatInt(id, 10), "updated"))
}

func (s *Server) adminDeleteSchedule(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.d.SLA.DeleteSchedule(r.Context(), id); err != nil {
		return err
	}
	return redirect(w, r, withMsg("/agent/admin/schedules", "deleted"))
}

func (s *Server) adminAddHoliday(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	end := formText(r, "end_date")
	_, err = s.d.SLA.SaveHoliday(r.Context(), id, 0, sla.HolidayInput{Name: ptrOr(formText(r, "holiday_name")), StartDate: ptrOr(formText(r, "start_date")), EndDate: end})
	if err != nil {
		return s.adminForm(w, r, err, func(st int, msg string, fe map[string][]string) error {
			return s.showAdminSchedule(w, r, st, msg, fe)
		})
	}
	return redirect(w, r, withMsg("/agent/admin/schedules/"+strconv.FormatInt(id, 10), "created"))
}

// ptrOr turns an absent form value into "" (the service names the field).
func ptrOr(p *string) *string {
	if p == nil {
		empty := ""
		return &empty
	}
	return p
}

func (s *Server) adminDeleteHoliday(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	hid, err := pathID(r, "holiday_id")
	if err != nil {
		return err
	}
	if err := s.d.SLA.DeleteHoliday(r.Context(), id, hid); err != nil {
		return err
	}
	return redirect(w, r, withMsg("/agent/admin/schedules/"+strconv.FormatInt(id, 10), "deleted"))
}

// SLA policies.

// Rows of the filter builder.
const (
	filterAllRows = 4
	filterAnyRows = 3
)

type conditionRow struct {
	Index int
	Name  string // form key prefix, e.g. "all_0"
}

// conditionPart is the all or the any rows, with their legend.
type conditionPart struct {
	Legend string
	Rows   []conditionRow
}

type adminSLAsData struct {
	Policies []*sla.Policy
}

type adminSLAData struct {
	Policy     *sla.Policy // nil: a new policy
	Fields     []rules.Definition
	Operators  []rules.DefOp
	Parts      []conditionPart
	Metrics    []sla.Metric
	Priorities []string
}

func (s *Server) adminSLAs(w http.ResponseWriter, r *http.Request) error {
	list, err := s.d.SLA.Policies(r.Context())
	if err != nil {
		return err
	}
	pg := s.adminPage(r, "sla.policies", "slas")
	pg.Data = adminSLAsData{Policies: list}
	return s.render(w, http.StatusOK, "admin_slas", pg)
}

func (s *Server) adminNewSLA(w http.ResponseWriter, r *http.Request) error {
	// Reading the list checks the caller may manage policies.
	if _, err := s.d.SLA.Policies(r.Context()); err != nil {
		return err
	}
	return s.showAdminSLA(w, r, http.StatusOK, "", nil, nil)
}

func (s *Server) adminSLA(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p, err := s.d.SLA.Policy(r.Context(), id)
	if err != nil {
		return err
	}
	return s.showAdminSLA(w, r, http.StatusOK, "", nil, p)
}

func (s *Server) showAdminSLA(w http.ResponseWriter, r *http.Request, status int, msg string, fe map[string][]string, p *sla.Policy) error {
	d := adminSLAData{Policy: p, Metrics: sla.Metrics, Priorities: sla.Priorities}
	conds, _ := s.d.SLA.Rules.Definitions(rules.KindSLAPolicy)
	conds = localDefs(rcFrom(r), "rules.cond.", conds)
	d.Fields = conds
	seen := map[string]bool{}
	for _, c := range conds {
		for _, op := range c.Operators {
			if !seen[op.Value] {
				seen[op.Value] = true
				d.Operators = append(d.Operators, op)
			}
		}
	}
	for _, part := range []struct {
		list, legend string
		n            int
	}{{"all", "sla.filter_all", filterAllRows}, {"any", "sla.filter_any", filterAnyRows}} {
		cp := conditionPart{Legend: part.legend}
		for i := range part.n {
			cp.Rows = append(cp.Rows, conditionRow{i, fmt.Sprintf("%s_%d", part.list, i)})
		}
		d.Parts = append(d.Parts, cp)
	}
	title := "sla.new_policy"
	if p != nil {
		title = "sla.policy"
	}
	pg := s.adminPage(r, title, "slas")
	if p != nil {
		pg.Title = p.Title
	}
	pg.Error, pg.FieldErrors = msg, fe
	if msg != "" {
		pg.Form = r.PostForm
	} else if p != nil {
		pg.Form = slaPolicyForm(p)
	}
	pg.Data = d
	return s.render(w, status, "admin_sla", pg)
}

// slaPolicyForm fills the policy form from a stored policy.
func slaPolicyForm(p *sla.Policy) map[string][]string {
	f := map[string][]string{"title": {p.Title}, "description": {p.Description}}
	rows := func(list string, cs []sla.Condition) {
		for i, c := range cs {
			k := fmt.Sprintf("%s_%d", list, i)
			f["field_"+k], f["op_"+k], f["value_"+k] = []string{c.Field}, []string{c.Operator}, []string{rules.String(c.Value)}
		}
	}
	rows("all", p.Filter.All)
	rows("any", p.Filter.Any)
	for _, m := range p.PolicyMetrics {
		f["t_"+string(m.Metric)+"_"+m.Priority] = []string{strconv.Itoa(m.Target)}
		if m.BusinessHours {
			f["bh_"+string(m.Metric)] = []string{"1"}
		}
	}
	return f
}

// slaForm reads the policy form.
func slaForm(r *http.Request) (sla.PolicyInput, error) {
	in := sla.PolicyInput{Title: ptrOr(formText(r, "title"))}
	desc := strings.TrimSpace(r.PostFormValue("description"))
	in.Description = &desc
	filter := sla.Filter{All: []sla.Condition{}, Any: []sla.Condition{}}
	read := func(list string, n int) []sla.Condition {
		out := []sla.Condition{}
		for i := range n {
			k := fmt.Sprintf("%s_%d", list, i)
			field := strings.TrimSpace(r.PostFormValue("field_" + k))
			if field == "" {
				continue
			}
			out = append(out, sla.Condition{Field: field, Operator: strings.TrimSpace(r.PostFormValue("op_" + k)), Value: strings.TrimSpace(r.PostFormValue("value_" + k))})
		}
		return out
	}
	filter.All, filter.Any = read("all", filterAllRows), read("any", filterAnyRows)
	in.Filter = &filter
	metrics := []sla.PolicyMetric{}
	for _, m := range sla.Metrics {
		bh := r.PostFormValue("bh_"+string(m)) == "1"
		for _, p := range sla.Priorities {
			v := strings.TrimSpace(r.PostFormValue("t_" + string(m) + "_" + p))
			if v == "" {
				continue
			}
			n, err := strconv.Atoi(v)
			if err != nil {
				return in, desk.Invalid("policy_metrics", fmt.Sprintf("%s (%s): %q is not a number of minutes", m, p, v))
			}
			metrics = append(metrics, sla.PolicyMetric{Priority: p, Metric: m, Target: n, BusinessHours: bh})
		}
	}
	in.PolicyMetrics = &metrics
	return in, nil
}

func (s *Server) adminCreateSLA(w http.ResponseWriter, r *http.Request) error {
	in, err := slaForm(r)
	var p *sla.Policy
	if err == nil {
		p, err = s.d.SLA.SavePolicy(r.Context(), 0, in)
	}
	if err != nil {
		return s.adminForm(w, r, err, func(st int, msg string, fe map[string][]string) error {
			return s.showAdminSLA(w, r, st, msg, fe, nil)
		})
	}
	return redirect(w, r, withMsg("/agent/admin/slas/"+strconv.FormatInt(p.ID, 10), "created"))
}

func (s *Server) adminSaveSLA(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	cur, err := s.d.SLA.Policy(r.Context(), id)
	if err != nil {
		return err
	}
	in, err := slaForm(r)
	if err == nil {
		_, err = s.d.SLA.SavePolicy(r.Context(), id, in)
	}
	if err != nil {
		return s.adminForm(w, r, err, func(st int, msg string, fe map[string][]string) error {
			return s.showAdminSLA(w, r, st, msg, fe, cur)
		})
	}
	return redirect(w, r, withMsg("/agent/admin/slas/"+strconv.FormatInt(id, 10), "updated"))
}

func (s *Server) adminDeleteSLA(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.d.SLA.DeletePolicy(r.Context(), id); err != nil {
		return err
	}
	return redirect(w, r, withMsg("/agent/admin/slas", "deleted"))
}

// adminMoveSLA moves a policy one place up or down the order.
func (s *Server) adminMoveSLA(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	list, err := s.d.SLA.Policies(r.Context())
	if err != nil {
		return err
	}
	ids := make([]int64, len(list))
	at := -1
	for i, p := range list {
		ids[i] = p.ID
		if p.ID == id {
			at = i
		}
	}
	if at < 0 {
		return desk.NotFound()
	}
	to := at - 1
	if r.PostFormValue("dir") == "down" {
		to = at + 1
	}
	if to >= 0 && to < len(ids) {
		ids[at], ids[to] = ids[to], ids[at]
		if _, err := s.d.SLA.ReorderPolicies(r.Context(), ids); err != nil {
			return err
		}
	}
	return redirect(w, r, withMsg("/agent/admin/slas", "updated"))
}

// The ticket page's SLA badges.

type slaBadge struct {
	Metric   string
	Stage    string
	Breached bool
	// Left is the time to the breach (negative once breached), for
	// running targets.
	Left time.Duration
}

// ticketSLA returns the badges of a ticket's SLA targets (none for
// end-users or tickets without a policy).
func (s *Server) ticketSLA(r *http.Request, id int64) ([]slaBadge, error) {
	if s.d.SLA == nil {
		return nil, nil
	}
	now := time.Now()
	got, err := s.d.SLA.ForTickets(r.Context(), []int64{id}, now)
	if err != nil || got[id] == nil {
		return nil, err
	}
	var out []slaBadge
	for _, m := range got[id].PolicyMetrics {
		b := slaBadge{Metric: m.Metric, Stage: m.Stage, Breached: m.Breached}
		if m.Stage == string(sla.StageActive) && !m.BreachAt.IsZero() {
			b.Left = m.BreachAt.Sub(now)
		}
		out = append(out, b)
	}
	return out, nil
}

// SLATime renders a duration as "2 h 5 min" (its absolute value, rounded
// down to the minute) in the page's language.
func (p *page) SLATime(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	mins := int(d / time.Minute)
	if mins < 60 {
		return p.T("sla.minutes", "m", mins)
	}
	return p.T("sla.hours_minutes", "h", mins/60, "m", mins%60)
}
