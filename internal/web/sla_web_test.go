package web_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/bizhours"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/sla"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// slaFixture makes a schedule with a holiday, an SLA policy for urgent
// tickets and a pending urgent ticket under it; it returns the admin pages
// (schedules, the schedule, policies, a new policy, the policy) and the
// ticket's page.
func slaFixture(t *testing.T, e *env) ([]string, string) {
	t.Helper()
	sc, err := e.app.SLA.SaveSchedule(e.sys, 0, sla.ScheduleInput{Name: ptr("Biuro"), TimeZone: ptr("Europe/Warsaw")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.SLA.SaveHoliday(e.sys, sc.ID, 0, sla.HolidayInput{Name: ptr("Wigilia"), StartDate: ptr("2026-12-24"), EndDate: ptr("2026-12-26")}); err != nil {
		t.Fatal(err)
	}
	pol, err := e.app.SLA.SavePolicy(e.sys, 0, sla.PolicyInput{Title: ptr("Urgent"),
		Filter: &sla.Filter{All: []sla.Condition{{Field: "priority", Operator: "is", Value: "urgent"}}},
		PolicyMetrics: &[]sla.PolicyMetric{{Priority: "urgent", Metric: sla.FirstReplyTime, Target: 90},
			{Priority: "urgent", Metric: sla.AgentWorkTime, Target: 600, BusinessHours: true}}})
	if err != nil {
		t.Fatal(err)
	}
	// Filed for the customer, in the customer's words: a first reply is due.
	tk, _, err := e.app.Tickets.Create(e.sys, ticket.Input{Subject: ptr("Under an SLA"), RequesterID: desk.SetID(e.customer.ID),
		Comment: &ticket.CommentInput{Body: "Help", AuthorID: desk.SetID(e.customer.ID)}})
	if err != nil {
		t.Fatal(err)
	}
	pending := "pending"
	if _, _, err := e.app.Tickets.Update(e.sys, tk.ID, ticket.Input{Priority: desk.NullString{Set: true, Value: "urgent"}, Status: &pending,
		AssigneeID: desk.SetID(e.agent.ID)}); err != nil {
		t.Fatal(err)
	}
	return []string{"/agent/admin/schedules", fmt.Sprintf("/agent/admin/schedules/%d", sc.ID), "/agent/admin/slas", "/agent/admin/slas/new",
		fmt.Sprintf("/agent/admin/slas/%d", pol.ID)}, fmt.Sprintf("/agent/tickets/%d", tk.ID)
}

// TestSLAPages: the ticket page shows the countdown and the paused target;
// the schedule form saves weekly hours (an overnight day included) and
// holidays; agents without manage_business_rules read schedules but change
// nothing and see no policies.
func TestSLAPages(t *testing.T) {
	e := newEnv(t, "")
	pages, tkPage := slaFixture(t, e)
	ad := e.client()
	ad.signIn("/agent/signin", e.admin.Email)
	body := ad.get(tkPage).Body
	for _, want := range []string{"First reply time", "1 h 29 min left", "Agent work time", "paused"} {
		if !strings.Contains(body, want) && !strings.Contains(body, strings.Replace(want, "29", "30", 1)) {
			t.Errorf("ticket page lacks %q", want)
		}
	}
	// Weekly hours: Monday 09:00–17:00, Friday 22:00–02:00 (overnight).
	ad.get(pages[1])
	r := ad.post(pages[1], url.Values{"name": {"Biuro"}, "time_zone": {"Europe/Warsaw"}, "open_1": {"09:00"}, "close_1": {"17:00"},
		"open_5": {"22:00"}, "close_5": {"02:00"}})
	if r.Status >= 400 {
		t.Fatalf("save hours: %d", r.Status)
	}
	scs, err := e.app.SLA.Schedules(e.sys)
	if err != nil || len(scs) != 1 {
		t.Fatal(scs, err)
	}
	want := []bizhours.Interval{{Start: 1440 + 540, End: 1440 + 1020}, {Start: 5*1440 + 1320, End: 6*1440 + 120}}
	if got := scs[0].Intervals; len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("intervals %v, want %v", got, want)
	}
	if page := ad.get(pages[1]).Body; !strings.Contains(page, `value="22:00"`) || !strings.Contains(page, `value="02:00"`) {
		t.Fatal("the form does not show the overnight hours")
	}
	ad.post(pages[1]+"/holidays", url.Values{"holiday_name": {"Nowy Rok"}, "start_date": {"2027-01-01"}})
	hs, _ := e.app.SLA.Holidays(e.sys, scs[0].ID)
	if len(hs) != 2 || hs[1].Name != "Nowy Rok" || hs[1].EndDate != "2027-01-01" {
		t.Fatalf("holidays %+v", hs)
	}
	if r := ad.post(pages[1], url.Values{"name": {"Biuro"}, "time_zone": {"Europe/Warsaw"}, "open_1": {"9"}}); r.Status != 422 || !strings.Contains(r.Body, "HH:MM") {
		t.Fatalf("bad hours: %d", r.Status)
	}
	// An agent: schedules yes (read), changes and policies no.
	ag := e.client()
	ag.signIn("/agent/signin", e.agent.Email)
	if r := ag.get(pages[0]); r.Status != 200 {
		t.Fatalf("agent reads schedules: %d", r.Status)
	}
	ag.get(pages[1])
	if r := ag.post(pages[1], url.Values{"name": {"Hacked"}, "time_zone": {"UTC"}}); r.Status != 403 {
		t.Fatalf("agent saves a schedule: %d", r.Status)
	}
	for _, p := range pages[2:] {
		if r := ag.get(p); r.Status != 403 {
			t.Fatalf("agent opens %s: %d", p, r.Status)
		}
	}
	// A ticket filed three hours ago is 90 minutes past its first reply
	// target. (The store's clock is moved back while it is filed.)
	real := store.Clock()
	store.SetClock(func() int64 { return time.Now().Add(-3 * time.Hour).UnixMicro() })
	tk, _, err := e.app.Tickets.Create(e.sys, ticket.Input{Subject: ptr("Late"), Comment: &ticket.CommentInput{Body: "Help", AuthorID: desk.SetID(e.customer.ID)},
		RequesterID: desk.SetID(e.customer.ID), Priority: desk.NullString{Set: true, Value: "urgent"}})
	store.SetClock(real)
	if err != nil {
		t.Fatal(err)
	}
	body = ad.get(fmt.Sprintf("/agent/tickets/%d", tk.ID)).Body
	if !strings.Contains(body, "breached 1 h 30 min ago") && !strings.Contains(body, "breached 1 h 29 min ago") {
		t.Fatalf("late ticket page: no breach shown")
	}
}
