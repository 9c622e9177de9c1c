package sla_test

import (
	"testing"

	"github.com/frontdesk/frontdesk/internal/bizhours"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/sla"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

func TestSchedulesAndHolidays(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		admin, agent, alice := as(f.admin), as(f.agent), as(f.alice)
		first, err := f.svc.SaveSchedule(admin, 0, sla.ScheduleInput{})
		if err != nil {
			t.Fatal(err)
		}
		if first.Name != "Business hours" || first.TimeZone != "UTC" || len(first.Intervals) != 5 || !first.Default {
			t.Fatalf("defaults %+v", first)
		}
		second, err := f.svc.SaveSchedule(admin, 0, sla.ScheduleInput{Name: ptr("Night"), TimeZone: ptr("Europe/Warsaw"),
			Intervals: &[]bizhours.Interval{{Start: 6*1440 + 22*60, End: 7*1440 + 6*60}}})
		if err != nil || second.Default {
			t.Fatalf("second %+v %v", second, err)
		}
		for name, in := range map[string]sla.ScheduleInput{
			"time_zone": {TimeZone: ptr("Mars/Olympus")},
			"local":     {TimeZone: ptr("Local")},
			"intervals": {Intervals: &[]bizhours.Interval{{Start: 600, End: 700}, {Start: 650, End: 800}}},
			"backwards": {Intervals: &[]bizhours.Interval{{Start: 700, End: 600}}},
			"name":      {Name: ptr("  ")},
		} {
			if _, err := f.svc.SaveSchedule(admin, second.ID, sla.ScheduleInput(in)); desk.ErrorCode(err) != desk.EINVALID {
				t.Errorf("%s: %v", name, err)
			}
		}
		ww, err := f.svc.SetWorkweek(admin, second.ID, []bizhours.Interval{{Start: 1440 + 480, End: 1440 + 960}})
		if err != nil || len(ww.Intervals) != 1 || ww.Name != "Night" {
			t.Fatalf("workweek %+v %v", ww, err)
		}
		if _, err := f.svc.SetWorkweek(admin, second.ID, nil); desk.ErrorCode(err) != desk.EINVALID {
			t.Fatalf("workweek without intervals: %v", err)
		}
		// Holidays.
		h, err := f.svc.SaveHoliday(admin, second.ID, 0, sla.HolidayInput{Name: ptr("Wigilia"), StartDate: ptr("2026-12-24"), EndDate: ptr("2026-12-26")})
		if err != nil || h.EndDate != "2026-12-26" {
			t.Fatalf("holiday %+v %v", h, err)
		}
		one, err := f.svc.SaveHoliday(admin, second.ID, 0, sla.HolidayInput{Name: ptr("Nowy Rok"), StartDate: ptr("2027-01-01")})
		if err != nil || one.EndDate != "2027-01-01" {
			t.Fatalf("one-day holiday %+v %v", one, err)
		}
		for name, in := range map[string]sla.HolidayInput{
			"date":     {Name: ptr("x"), StartDate: ptr("24.12.2026")},
			"order":    {Name: ptr("x"), StartDate: ptr("2026-12-24"), EndDate: ptr("2026-12-01")},
			"too long": {Name: ptr("x"), StartDate: ptr("2026-01-01"), EndDate: ptr("2028-01-01")},
			"no name":  {StartDate: ptr("2026-12-24")},
		} {
			if _, err := f.svc.SaveHoliday(admin, second.ID, 0, in); desk.ErrorCode(err) != desk.EINVALID {
				t.Errorf("holiday %s: %v", name, err)
			}
		}
		if _, err := f.svc.SaveHoliday(admin, second.ID, h.ID, sla.HolidayInput{EndDate: ptr("2026-12-25")}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Holiday(agent, first.ID, h.ID); desk.ErrorCode(err) != desk.ENOTFOUND {
			t.Fatalf("a holiday through another schedule: %v", err)
		}
		list, err := f.svc.Holidays(agent, second.ID)
		if err != nil || len(list) != 2 || list[0].Name != "Wigilia" || list[0].EndDate != "2026-12-25" {
			t.Fatalf("holidays %+v %v", list, err)
		}
		// Who may do what: staff read, managers write, end-users nothing.
		if _, err := f.svc.Schedules(agent); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Schedules(alice); desk.ErrorCode(err) != desk.EFORBIDDEN {
			t.Fatalf("end-user lists schedules: %v", err)
		}
		if _, err := f.svc.SaveSchedule(agent, 0, sla.ScheduleInput{}); desk.ErrorCode(err) != desk.EFORBIDDEN {
			t.Fatalf("agent creates a schedule: %v", err)
		}
		if err := f.svc.DeleteHoliday(agent, second.ID, h.ID); desk.ErrorCode(err) != desk.EFORBIDDEN {
			t.Fatalf("agent deletes a holiday: %v", err)
		}
		if err := f.svc.DeleteHoliday(admin, second.ID, h.ID); err != nil {
			t.Fatal(err)
		}
		// Deleting the default makes the next one the default.
		if err := f.svc.DeleteSchedule(admin, first.ID); err != nil {
			t.Fatal(err)
		}
		if sc, err := f.svc.Schedule(agent, second.ID); err != nil || !sc.Default {
			t.Fatalf("after delete %+v %v", sc, err)
		}
		if err := f.svc.DeleteSchedule(admin, first.ID); desk.ErrorCode(err) != desk.ENOTFOUND {
			t.Fatalf("delete twice: %v", err)
		}
		if err := f.svc.DeleteSchedule(admin, second.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Holidays(admin, second.ID); desk.ErrorCode(err) != desk.ENOTFOUND {
			t.Fatalf("holidays of a deleted schedule: %v", err)
		}
	})
}

func TestPolicies(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		admin, agent := as(f.admin), as(f.agent)
		a := f.policy(t, "A", urgentOnly, target("urgent", sla.FirstReplyTime, 30, true))
		b := f.policy(t, "B", sla.Filter{}, target("low", sla.AgentWorkTime, 600, false))
		if a.Position >= b.Position || len(b.Filter.All) != 0 || b.Filter.All == nil {
			t.Fatalf("positions %d %d, filter %+v", a.Position, b.Position, b.Filter)
		}
		bad := func(name string, in sla.PolicyInput) {
			t.Helper()
			if _, err := f.svc.SavePolicy(admin, 0, in); desk.ErrorCode(err) != desk.EINVALID {
				t.Errorf("%s: %v", name, err)
			}
		}
		ok := sla.Filter{}
		bad("no title", sla.PolicyInput{Filter: &ok})
		bad("no filter", sla.PolicyInput{Title: ptr("x")})
		bad("unknown field", sla.PolicyInput{Title: ptr("x"), Filter: &sla.Filter{All: []sla.Condition{{Field: "nonsense", Operator: "is", Value: 1}}}})
		bad("trigger-only operator", sla.PolicyInput{Title: ptr("x"), Filter: &sla.Filter{All: []sla.Condition{{Field: "status", Operator: "changed"}}}})
		for name, m := range map[string]sla.PolicyMetric{
			"metric":   {Priority: "low", Metric: "speed", Target: 10},
			"priority": {Priority: "meh", Metric: sla.FirstReplyTime, Target: 10},
			"zero":     {Priority: "low", Metric: sla.FirstReplyTime, Target: 0},
			"huge":     {Priority: "low", Metric: sla.FirstReplyTime, Target: 1 << 30},
		} {
			bad(name, sla.PolicyInput{Title: ptr("x"), Filter: &ok, PolicyMetrics: &[]sla.PolicyMetric{m}})
		}
		twice := []sla.PolicyMetric{target("low", sla.FirstReplyTime, 5, false), target("low", sla.FirstReplyTime, 6, false)}
		bad("repeated", sla.PolicyInput{Title: ptr("x"), Filter: &ok, PolicyMetrics: &twice})

		upd, err := f.svc.SavePolicy(admin, a.ID, sla.PolicyInput{Description: ptr("Fast")})
		if err != nil || upd.Description != "Fast" || upd.Title != "A" || len(upd.PolicyMetrics) != 1 {
			t.Fatalf("update %+v %v", upd, err)
		}
		list, err := f.svc.ReorderPolicies(admin, []int64{b.ID, a.ID})
		if err != nil || list[0].ID != b.ID || list[1].ID != a.ID {
			t.Fatalf("reorder %v %v", list, err)
		}
		for _, ids := range [][]int64{{b.ID}, {a.ID, a.ID}, {a.ID, b.ID, 999}} {
			if _, err := f.svc.ReorderPolicies(admin, ids); desk.ErrorCode(err) != desk.EINVALID {
				t.Errorf("reorder %v: %v", ids, err)
			}
		}
		// Only managers of business rules see or change policies.
		if _, err := f.svc.Policies(agent); desk.ErrorCode(err) != desk.EFORBIDDEN {
			t.Fatalf("agent lists policies: %v", err)
		}
		if err := f.svc.DeletePolicy(agent, a.ID); desk.ErrorCode(err) != desk.EFORBIDDEN {
			t.Fatalf("agent deletes: %v", err)
		}
		if err := f.svc.DeletePolicy(admin, a.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Policy(admin, a.ID); desk.ErrorCode(err) != desk.ENOTFOUND {
			t.Fatalf("deleted policy: %v", err)
		}
	})
}
