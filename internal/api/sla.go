package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/frontdesk/frontdesk/internal/bizhours"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/rules"
	"github.com/frontdesk/frontdesk/internal/sla"
)

// Business-hours schedules and SLA policies, as in
// https://developer.zendesk.com/api-reference/ticketing/ticket-management/schedules/
// and .../business-rules/sla_policies/. The sla service decides who may
// do what (staff read schedules; manage_business_rules changes them and
// reads and changes policies).

func (s *Server) registerSLA(mux *http.ServeMux) {
	s.handle(mux, "GET /api/v2/business_hours/schedules", s.listSchedules)
	s.handle(mux, "POST /api/v2/business_hours/schedules", s.saveSchedule)
	s.handle(mux, "GET /api/v2/business_hours/schedules/{id}", s.showSchedule)
	s.handle(mux, "PUT /api/v2/business_hours/schedules/{id}", s.saveSchedule)
	s.handle(mux, "DELETE /api/v2/business_hours/schedules/{id}", deleteByID(s.SLA.DeleteSchedule))
	s.handle(mux, "PUT /api/v2/business_hours/schedules/{id}/workweek", s.setWorkweek)
	s.handle(mux, "GET /api/v2/business_hours/schedules/{id}/holidays", s.listHolidays)
	s.handle(mux, "POST /api/v2/business_hours/schedules/{id}/holidays", s.saveHoliday)
	s.handle(mux, "GET /api/v2/business_hours/schedules/{id}/holidays/{holiday_id}", s.showHoliday)
	s.handle(mux, "PUT /api/v2/business_hours/schedules/{id}/holidays/{holiday_id}", s.saveHoliday)
	s.handle(mux, "DELETE /api/v2/business_hours/schedules/{id}/holidays/{holiday_id}", s.deleteHoliday)
	s.handle(mux, "GET /api/v2/slas/policies", s.listSLAPolicies)
	s.handle(mux, "POST /api/v2/slas/policies", s.saveSLAPolicy)
	s.handle(mux, "PUT /api/v2/slas/policies/reorder", s.reorderSLAPolicies)
	s.handle(mux, "GET /api/v2/slas/policies/definitions", s.slaDefinitions)
	s.handle(mux, "GET /api/v2/slas/policies/{id}", s.showSLAPolicy)
	s.handle(mux, "PUT /api/v2/slas/policies/{id}", s.saveSLAPolicy)
	s.handle(mux, "DELETE /api/v2/slas/policies/{id}", deleteByID(s.SLA.DeletePolicy))
}

func withScheduleURLs(r *http.Request, ss ...*sla.Schedule) {
	base := baseURL(r)
	for _, sc := range ss {
		sc.URL = base + "/api/v2/business_hours/schedules/" + itoa(sc.ID) + ".json"
	}
}

func withPolicyURLs(r *http.Request, ps ...*sla.Policy) {
	base := baseURL(r)
	for _, p := range ps {
		p.URL = base + "/api/v2/slas/policies/" + itoa(p.ID) + ".json"
	}
}

func (s *Server) listSchedules(w http.ResponseWriter, r *http.Request) error {
	list, err := s.SLA.Schedules(r.Context())
	if err != nil {
		return err
	}
	withScheduleURLs(r, list...)
	return writeJSON(w, http.StatusOK, map[string]any{"schedules": list, "next_page": nil, "previous_page": nil, "count": len(list)})
}

func (s *Server) showSchedule(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	sc, err := s.SLA.Schedule(r.Context(), id)
	if err != nil {
		return err
	}
	withScheduleURLs(r, sc)
	return writeJSON(w, http.StatusOK, map[string]any{"schedule": sc})
}

// saveSchedule creates (POST, 201) or updates (PUT, 200) a schedule.
func (s *Server) saveSchedule(w http.ResponseWriter, r *http.Request) error {
	id, err := optionalPathID(r, "id")
	if err != nil {
		return err
	}
	var env struct {
		Schedule *sla.ScheduleInput `json:"schedule"`
	}
	if err := decode(r, &env); err != nil {
		return err
	}
	if env.Schedule == nil {
		return desk.Invalid("schedule", "is required")
	}
	sc, err := s.SLA.SaveSchedule(r.Context(), id, *env.Schedule)
	if err != nil {
		return err
	}
	withScheduleURLs(r, sc)
	if id == 0 {
		return created(w, sc.URL, map[string]any{"schedule": sc})
	}
	return writeJSON(w, http.StatusOK, map[string]any{"schedule": sc})
}

// setWorkweek is PUT /schedules/{id}/workweek:
// {"workweek": {"intervals": [...]}}.
func (s *Server) setWorkweek(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var env struct {
		Workweek *struct {
			Intervals []bizhours.Interval `json:"intervals"`
		} `json:"workweek"`
	}
	if err := decode(r, &env); err != nil {
		return err
	}
	if env.Workweek == nil || env.Workweek.Intervals == nil {
		return desk.Invalid("workweek", "needs intervals")
	}
	sc, err := s.SLA.SetWorkweek(r.Context(), id, env.Workweek.Intervals)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"workweek": map[string]any{"intervals": sc.Intervals}})
}

func (s *Server) listHolidays(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	list, err := s.SLA.Holidays(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"holidays": list})
}

func (s *Server) showHoliday(w http.ResponseWriter, r *http.Request) error {
	id, hid, err := scheduleHolidayIDs(r)
	if err != nil {
		return err
	}
	h, err := s.SLA.Holiday(r.Context(), id, hid)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"holiday": h})
}

func scheduleHolidayIDs(r *http.Request) (int64, int64, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return 0, 0, err
	}
	hid, err := optionalPathID(r, "holiday_id")
	return id, hid, err
}

func (s *Server) saveHoliday(w http.ResponseWriter, r *http.Request) error {
	id, hid, err := scheduleHolidayIDs(r)
	if err != nil {
		return err
	}
	var env struct {
		Holiday *sla.HolidayInput `json:"holiday"`
	}
	if err := decode(r, &env); err != nil {
		return err
	}
	if env.Holiday == nil {
		return desk.Invalid("holiday", "is required")
	}
	h, err := s.SLA.SaveHoliday(r.Context(), id, hid, *env.Holiday)
	if err != nil {
		return err
	}
	if hid == 0 {
		return created(w, baseURL(r)+"/api/v2/business_hours/schedules/"+itoa(id)+"/holidays/"+itoa(h.ID)+".json", map[string]any{"holiday": h})
	}
	return writeJSON(w, http.StatusOK, map[string]any{"holiday": h})
}

func (s *Server) deleteHoliday(w http.ResponseWriter, r *http.Request) error {
	id, hid, err := scheduleHolidayIDs(r)
	if err != nil {
		return err
	}
	if hid == 0 {
		return desk.NotFound()
	}
	if err := s.SLA.DeleteHoliday(r.Context(), id, hid); err != nil {
		return err
	}
	return noContent(w)
}

func (s *Server) listSLAPolicies(w http.ResponseWriter, r *http.Request) error {
	list, err := s.SLA.Policies(r.Context())
	if err != nil {
		return err
	}
	withPolicyURLs(r, list...)
	return writeJSON(w, http.StatusOK, map[string]any{"sla_policies": list, "next_page": nil, "previous_page": nil, "count": len(list)})
}

func (s *Server) showSLAPolicy(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p, err := s.SLA.Policy(r.Context(), id)
	if err != nil {
		return err
	}
	withPolicyURLs(r, p)
	return writeJSON(w, http.StatusOK, map[string]any{"sla_policy": p})
}

// saveSLAPolicy creates (POST, 201) or updates (PUT, 200) a policy.
func (s *Server) saveSLAPolicy(w http.ResponseWriter, r *http.Request) error {
	id, err := optionalPathID(r, "id")
	if err != nil {
		return err
	}
	var env struct {
		Policy *sla.PolicyInput `json:"sla_policy"`
	}
	if err := decode(r, &env); err != nil {
		return err
	}
	if env.Policy == nil {
		return desk.Invalid("sla_policy", "is required")
	}
	p, err := s.SLA.SavePolicy(r.Context(), id, *env.Policy)
	if err != nil {
		return err
	}
	withPolicyURLs(r, p)
	if id == 0 {
		return created(w, p.URL, map[string]any{"sla_policy": p})
	}
	return writeJSON(w, http.StatusOK, map[string]any{"sla_policy": p})
}

// reorderSLAPolicies is PUT /slas/policies/reorder with the ids in the body
// ({"sla_policy_ids": [...]}) or, as Zendesk documents it, in the query.
func (s *Server) reorderSLAPolicies(w http.ResponseWriter, r *http.Request) error {
	var env struct {
		IDs []int64 `json:"sla_policy_ids"`
	}
	q := r.URL.Query()
	if list := q["sla_policy_ids[]"]; len(list) > 0 || q.Get("sla_policy_ids") != "" {
		joined := q.Get("sla_policy_ids")
		if len(list) > 0 {
			joined = strings.Join(list, ",")
		}
		ids, err := idList(joined)
		if err != nil {
			return err
		}
		env.IDs = ids
	} else if err := decode(r, &env); err != nil {
		return err
	}
	list, err := s.SLA.ReorderPolicies(r.Context(), env.IDs)
	if err != nil {
		return err
	}
	withPolicyURLs(r, list...)
	return writeJSON(w, http.StatusOK, map[string]any{"sla_policies": list, "count": len(list)})
}

// slaDefinitions is GET /slas/policies/definitions: the fields, operators
// and values a policy filter may use.
func (s *Server) slaDefinitions(w http.ResponseWriter, r *http.Request) error {
	defs, err := s.SLA.Definitions(r.Context())
	if err != nil {
		return err
	}
	p, err := s.callerPrinter(r)
	if err != nil {
		return err
	}
	defs = rules.LocalizeDefinitions(defs, rules.CondTitlePrefix, p.T)
	return writeJSON(w, http.StatusOK, map[string]any{"definitions": map[string]any{"all": defs, "any": defs}})
}

// ticketSLAs fills the slas of tickets the caller was allowed to load
// (?include=slas).
func (s *Server) ticketSLAs(r *http.Request, ts []*desk.Ticket) error {
	if s.SLA == nil || len(ts) == 0 {
		return nil
	}
	ids := make([]int64, len(ts))
	for i, t := range ts {
		ids[i] = t.ID
	}
	got, err := s.SLA.ForTickets(r.Context(), ids, time.Now())
	if err != nil {
		return err
	}
	for _, t := range ts {
		if sl := got[t.ID]; sl != nil {
			t.SLAs = sl
		} else {
			t.SLAs = &desk.TicketSLAs{PolicyMetrics: []desk.SLAMetric{}}
		}
	}
	return nil
}
