package api

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/sla"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// The business hours and SLA rows of the permission matrix (p8-sla): staff
// read schedules; manage_business_rules (admins here) changes them and
// reads and changes SLA policies, as Zendesk allows admins only.
func init() { matrix = append(matrix, slaMatrix...) }

func (m *mx) newSchedule(t *testing.T) int64 {
	t.Helper()
	sc, err := m.a.srv.SLA.SaveSchedule(m.sys, 0, sla.ScheduleInput{Name: ptrTo(m.uniq("Hours "))})
	if err != nil {
		t.Fatal(err)
	}
	return sc.ID
}

// newHoliday returns a fresh schedule's id and a holiday of it.
func (m *mx) newHoliday(t *testing.T) (int64, int64) {
	t.Helper()
	id := m.newSchedule(t)
	h, err := m.a.srv.SLA.SaveHoliday(m.sys, id, 0, sla.HolidayInput{Name: ptrTo("Święto"), StartDate: ptrTo("2026-11-11")})
	if err != nil {
		t.Fatal(err)
	}
	return id, h.ID
}

func (m *mx) newSLAPolicy(t *testing.T) int64 {
	t.Helper()
	p, err := m.a.srv.SLA.SavePolicy(m.sys, 0, sla.PolicyInput{Title: ptrTo(m.uniq("Policy ")), Filter: &sla.Filter{}})
	if err != nil {
		t.Fatal(err)
	}
	return p.ID
}

func holidayPath(format string, body any) func(*testing.T, *mx, string) (string, any) {
	return func(t *testing.T, m *mx, _ string) (string, any) {
		id, hid := m.newHoliday(t)
		return fmt.Sprintf(format, id, hid), body
	}
}

var slaMatrix = []mcase{
	{route: "GET /api/v2/business_hours/schedules", want: staffOK, req: path("/api/v2/business_hours/schedules")},
	{route: "POST /api/v2/business_hours/schedules", want: adminCreate, req: func(_ *testing.T, m *mx, _ string) (string, any) {
		return "/api/v2/business_hours/schedules", map[string]any{"schedule": map[string]any{"name": m.uniq("Hours "), "time_zone": "Europe/Warsaw"}}
	}},
	{route: "GET /api/v2/business_hours/schedules/{id}", want: staffOK, req: idPath("/api/v2/business_hours/schedules/%d", fresh((*mx).newSchedule), nil)},
	{route: "PUT /api/v2/business_hours/schedules/{id}", want: adminOnly, req: idPath("/api/v2/business_hours/schedules/%d", fresh((*mx).newSchedule),
		map[string]any{"schedule": map[string]any{"name": "Renamed"}})},
	{route: "DELETE /api/v2/business_hours/schedules/{id}", want: adminDelete, req: idPath("/api/v2/business_hours/schedules/%d", fresh((*mx).newSchedule), nil)},
	{route: "PUT /api/v2/business_hours/schedules/{id}/workweek", want: adminOnly, req: idPath("/api/v2/business_hours/schedules/%d/workweek", fresh((*mx).newSchedule),
		map[string]any{"workweek": map[string]any{"intervals": []any{map[string]any{"start_time": 1980, "end_time": 2460}}}})},
	{route: "GET /api/v2/business_hours/schedules/{id}/holidays", want: staffOK, req: idPath("/api/v2/business_hours/schedules/%d/holidays", fresh((*mx).newSchedule), nil)},
	{route: "POST /api/v2/business_hours/schedules/{id}/holidays", want: adminCreate, req: idPath("/api/v2/business_hours/schedules/%d/holidays", fresh((*mx).newSchedule),
		map[string]any{"holiday": map[string]any{"name": "Boże Narodzenie", "start_date": "2026-12-25", "end_date": "2026-12-26"}})},
	{route: "GET /api/v2/business_hours/schedules/{id}/holidays/{holiday_id}", want: staffOK, req: holidayPath("/api/v2/business_hours/schedules/%d/holidays/%d", nil)},
	{route: "PUT /api/v2/business_hours/schedules/{id}/holidays/{holiday_id}", want: adminOnly, req: holidayPath("/api/v2/business_hours/schedules/%d/holidays/%d",
		map[string]any{"holiday": map[string]any{"end_date": "2026-11-12"}})},
	{route: "DELETE /api/v2/business_hours/schedules/{id}/holidays/{holiday_id}", want: adminDelete, req: holidayPath("/api/v2/business_hours/schedules/%d/holidays/%d", nil)},
	{route: "GET /api/v2/slas/policies", want: adminOnly, req: path("/api/v2/slas/policies")},
	{route: "POST /api/v2/slas/policies", want: adminCreate, req: func(_ *testing.T, m *mx, _ string) (string, any) {
		return "/api/v2/slas/policies", map[string]any{"sla_policy": map[string]any{"title": m.uniq("Policy "),
			"filter":         map[string]any{"all": []any{map[string]any{"field": "type", "operator": "is", "value": "incident"}}, "any": []any{}},
			"policy_metrics": []any{map[string]any{"priority": "high", "metric": "first_reply_time", "target": 60, "business_hours": false}}}}
	}},
	{route: "PUT /api/v2/slas/policies/reorder", want: adminOnly, req: func(t *testing.T, m *mx, _ string) (string, any) {
		ps, err := m.a.srv.SLA.Policies(m.sys)
		if err != nil {
			t.Fatal(err)
		}
		ids := []int64{}
		for i := len(ps) - 1; i >= 0; i-- {
			ids = append(ids, ps[i].ID)
		}
		return "/api/v2/slas/policies/reorder", map[string]any{"sla_policy_ids": ids}
	}},
	{route: "GET /api/v2/slas/policies/definitions", want: adminOnly, req: path("/api/v2/slas/policies/definitions"),
		check: func(t *testing.T, _ *mx, role string, body map[string]any) {
			if role != "owner" && role != "admin" {
				return
			}
			all, _ := body["definitions"].(map[string]any)["all"].([]any)
			found := false
			for _, d := range all {
				if d.(map[string]any)["subject"] == "priority" {
					found = true
				}
			}
			if !found {
				t.Errorf("definitions lack priority: %v", body)
			}
		}},
	{route: "GET /api/v2/slas/policies/{id}", want: adminOnly, req: idPath("/api/v2/slas/policies/%d", fresh((*mx).newSLAPolicy), nil)},
	{route: "PUT /api/v2/slas/policies/{id}", want: adminOnly, req: idPath("/api/v2/slas/policies/%d", fresh((*mx).newSLAPolicy),
		map[string]any{"sla_policy": map[string]any{"description": "Changed"}})},
	{route: "DELETE /api/v2/slas/policies/{id}", want: adminDelete, req: idPath("/api/v2/slas/policies/%d", fresh((*mx).newSLAPolicy), nil)},
}

// TestSLAOverTheAPI drives schedules, policies and a ticket's
// ?include=slas through HTTP, in Zendesk's shapes.
func TestSLAOverTheAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		code, body := a.do(t, a.Admin, "POST", "/api/v2/business_hours/schedules.json", map[string]any{"schedule": map[string]any{
			"name": "Warszawa", "time_zone": "Europe/Warsaw",
			"intervals": []any{map[string]any{"start_time": 1980, "end_time": 2460}}}})
		if code != http.StatusCreated {
			t.Fatalf("create schedule: %d %v", code, body)
		}
		sc := body["schedule"].(map[string]any)
		id := int64(pNum(sc, "id"))
		if sc["time_zone"] != "Europe/Warsaw" || sc["default"] != true || len(sc["intervals"].([]any)) != 1 {
			t.Fatalf("schedule %v", sc)
		}
		for _, bad := range []map[string]any{
			{"schedule": map[string]any{"name": "x", "time_zone": "Nowhere/City"}},
			{"schedule": map[string]any{"intervals": []any{map[string]any{"start_time": 100, "end_time": 50}}}},
			{"schedule": map[string]any{"intervals": "monday"}},
			{"schedule": nil},
		} {
			if code, body := a.do(t, a.Admin, "PUT", fmt.Sprintf("/api/v2/business_hours/schedules/%d", id), bad); code != http.StatusUnprocessableEntity || body["error"] != "RecordInvalid" {
				t.Errorf("%v: %d %v", bad, code, body)
			}
		}
		code, body = a.do(t, a.Admin, "PUT", fmt.Sprintf("/api/v2/business_hours/schedules/%d/workweek", id), map[string]any{"workweek": map[string]any{
			"intervals": []any{map[string]any{"start_time": 1980, "end_time": 2460}, map[string]any{"start_time": 3420, "end_time": 3900}}}})
		if code != http.StatusOK || len(body["workweek"].(map[string]any)["intervals"].([]any)) != 2 {
			t.Fatalf("workweek: %d %v", code, body)
		}
		code, body = a.do(t, a.Admin, "POST", fmt.Sprintf("/api/v2/business_hours/schedules/%d/holidays", id), map[string]any{"holiday": map[string]any{
			"name": "Wszystkich Świętych", "start_date": "2026-11-01", "end_date": "2026-11-01"}})
		if code != http.StatusCreated || body["holiday"].(map[string]any)["start_date"] != "2026-11-01" {
			t.Fatalf("holiday: %d %v", code, body)
		}
		if code, body := a.do(t, a.Admin, "POST", fmt.Sprintf("/api/v2/business_hours/schedules/%d/holidays", id), map[string]any{"holiday": map[string]any{
			"name": "x", "start_date": "soon"}}); code != http.StatusUnprocessableEntity {
			t.Fatalf("bad holiday: %d %v", code, body)
		}

		code, body = a.do(t, a.Admin, "POST", "/api/v2/slas/policies", map[string]any{"sla_policy": map[string]any{
			"title":  "Urgent",
			"filter": map[string]any{"all": []any{map[string]any{"field": "priority", "operator": "is", "value": "urgent"}}},
			"policy_metrics": []any{
				map[string]any{"priority": "urgent", "metric": "first_reply_time", "target": 30, "business_hours": false},
				map[string]any{"priority": "urgent", "metric": "agent_work_time", "target": 240, "business_hours": false}}}})
		if code != http.StatusCreated {
			t.Fatalf("create policy: %d %v", code, body)
		}
		pol := body["sla_policy"].(map[string]any)
		pm := pol["policy_metrics"].([]any)[0].(map[string]any)
		if pm["target_in_seconds"] != float64(1800) || pol["filter"].(map[string]any)["any"] == nil {
			t.Fatalf("policy %v", pol)
		}
		for _, bad := range []map[string]any{
			{"sla_policy": map[string]any{"title": "x", "filter": map[string]any{"all": []any{map[string]any{"field": "status", "operator": "changed"}}}}},
			{"sla_policy": map[string]any{"title": "x", "filter": map[string]any{}, "policy_metrics": []any{map[string]any{"priority": "urgent", "metric": "speed", "target": 5}}}},
			{"sla_policy": map[string]any{"title": "x", "filter": map[string]any{}, "policy_metrics": []any{map[string]any{"priority": "urgent", "metric": "first_reply_time", "target": -5}}}},
			{"sla_policy": map[string]any{"title": "", "filter": map[string]any{}}},
		} {
			if code, body := a.do(t, a.Admin, "POST", "/api/v2/slas/policies", bad); code != http.StatusUnprocessableEntity {
				t.Errorf("%v: %d %v", bad, code, body)
			}
		}
		if code, _ := a.do(t, a.Admin, "PUT", "/api/v2/slas/policies/reorder", map[string]any{"sla_policy_ids": []int64{999}}); code != http.StatusUnprocessableEntity {
			t.Fatalf("reorder with an unknown id: %d", code)
		}
		if code, _ := a.do(t, a.Admin, "PUT", fmt.Sprintf("/api/v2/slas/policies/reorder?sla_policy_ids=%d", int64(pNum(pol, "id"))), nil); code != http.StatusOK {
			t.Fatalf("reorder in the query: %d", code)
		}

		// An urgent ticket carries its targets with ?include=slas.
		code, body = a.do(t, a.EndUser, "POST", "/api/v2/requests", map[string]any{"request": map[string]any{"subject": "Down", "comment": map[string]any{"body": "All down"}}})
		if code != http.StatusCreated {
			t.Fatalf("request: %d %v", code, body)
		}
		tid := int64(pNum(body["request"].(map[string]any), "id"))
		if code, body := a.do(t, a.Agent, "PUT", fmt.Sprintf("/api/v2/tickets/%d", tid), map[string]any{"ticket": map[string]any{"priority": "urgent"}}); code != http.StatusOK {
			t.Fatalf("priority: %d %v", code, body)
		}
		code, body = a.do(t, a.Agent, "GET", fmt.Sprintf("/api/v2/tickets/%d?include=slas", tid), nil)
		if code != http.StatusOK {
			t.Fatalf("show: %d %v", code, body)
		}
		slas := body["ticket"].(map[string]any)["slas"].(map[string]any)
		metrics := slas["policy_metrics"].([]any)
		if len(metrics) != 2 || int64(pNum(slas, "policy_id")) != int64(pNum(pol, "id")) {
			t.Fatalf("slas %v", slas)
		}
		frt := metrics[0].(map[string]any)
		breach, err := time.Parse(time.RFC3339, frt["breach_at"].(string))
		if err != nil || frt["metric"] != "first_reply_time" || frt["stage"] != "active" || time.Until(breach) > 31*time.Minute || time.Until(breach) < 25*time.Minute {
			t.Fatalf("first reply %v (%v)", frt, err)
		}
		// Without include, no slas key; lists take it too.
		_, body = a.do(t, a.Agent, "GET", fmt.Sprintf("/api/v2/tickets/%d", tid), nil)
		if _, ok := body["ticket"].(map[string]any)["slas"]; ok {
			t.Fatal("slas without include")
		}
		_, body = a.do(t, a.Agent, "GET", "/api/v2/tickets?include=slas", nil)
		for _, v := range body["tickets"].([]any) {
			if _, ok := v.(map[string]any)["slas"].(map[string]any)["policy_metrics"].([]any); !ok {
				t.Fatalf("list entry without slas: %v", v)
			}
		}
	})
}
