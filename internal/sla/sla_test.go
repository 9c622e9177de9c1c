package sla_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/attach"
	"github.com/frontdesk/frontdesk/internal/bizhours"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/events"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/rules"
	"github.com/frontdesk/frontdesk/internal/sla"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

type fixture struct {
	db                  *store.DB
	tickets             *ticket.Service
	svc                 *sla.Service
	admin, agent, alice *desk.Principal
	sys                 context.Context
	mu                  sync.Mutex
	published           []events.Event
	clock               time.Time
	warsaw              *time.Location
	approachingSeen     []sla.Event
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	blobs, err := attach.New(t.TempDir(), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	bus := events.New()
	f := &fixture{db: db, sys: desk.SystemContext(context.Background())}
	bus.Subscribe(func(e events.Event) {
		f.mu.Lock()
		f.published = append(f.published, e)
		f.mu.Unlock()
	})
	f.warsaw, _ = time.LoadLocation("Europe/Warsaw")
	f.tickets = ticket.New(db, bus, blobs)
	f.svc = sla.New(db, bus, rules.NewRegistry())
	f.svc.OnEvent = func(_ context.Context, _ *store.Tx, e sla.Event) error {
		f.approachingSeen = append(f.approachingSeen, e)
		return nil
	}
	f.tickets.AddHook("sla", f.svc.Hook)
	ppl := people.New(db, bus)
	mk := func(name, email string, role desk.Role) *desk.Principal {
		u, err := ppl.CreateUser(f.sys, people.UserInput{Name: &name, Email: &email, Role: &role})
		if err != nil {
			t.Fatalf("create %s: %v", email, err)
		}
		return &desk.Principal{UserID: u.ID, Role: role, Email: email, Via: "api"}
	}
	f.admin = mk("Ada Admin", "ada@desk.test", desk.RoleAdmin)
	f.agent = mk("Andrzej Agent", "andrzej@desk.test", desk.RoleAgent)
	f.alice = mk("Alice Customer", "alice@example.com", desk.RoleEndUser)
	// The store's clock is the test's: every change is stamped with it.
	real := store.Clock()
	f.clock = time.Date(2026, 11, 30, 10, 0, 0, 0, f.warsaw)
	store.SetClock(func() int64 { f.mu.Lock(); defer f.mu.Unlock(); return f.clock.UnixMicro() })
	t.Cleanup(func() { store.SetClock(real) })
	return f
}

func (f *fixture) set(t time.Time) { f.mu.Lock(); f.clock = t; f.mu.Unlock() }

func (f *fixture) advance(d time.Duration) { f.mu.Lock(); f.clock = f.clock.Add(d); f.mu.Unlock() }

func (f *fixture) now() time.Time { f.mu.Lock(); defer f.mu.Unlock(); return f.clock }

func as(p *desk.Principal) context.Context { return desk.WithPrincipal(context.Background(), p) }

func ptr[T any](v T) *T { return &v }

// policy creates a policy as the admin.
func (f *fixture) policy(t *testing.T, title string, filter sla.Filter, metrics ...sla.PolicyMetric) *sla.Policy {
	t.Helper()
	p, err := f.svc.SavePolicy(as(f.admin), 0, sla.PolicyInput{Title: &title, Filter: &filter, PolicyMetrics: &metrics})
	if err != nil {
		t.Fatalf("policy %s: %v", title, err)
	}
	return p
}

func target(priority string, m sla.Metric, minutes int, business bool) sla.PolicyMetric {
	return sla.PolicyMetric{Priority: priority, Metric: m, Target: minutes, BusinessHours: business}
}

// ask files a ticket as alice with the given priority.
func (f *fixture) ask(t *testing.T, priority string) *desk.Ticket {
	t.Helper()
	tk, _, err := f.tickets.Create(as(f.alice), ticket.Input{Subject: ptr("Help"), Comment: &ticket.CommentInput{Body: "It broke"}})
	if err != nil {
		t.Fatal(err)
	}
	if priority != "" {
		tk = f.update(t, f.agent, tk.ID, ticket.Input{Priority: desk.NullString{Set: true, Value: priority}})
	}
	return tk
}

func (f *fixture) update(t *testing.T, p *desk.Principal, id int64, in ticket.Input) *desk.Ticket {
	t.Helper()
	tk, _, err := f.tickets.Update(as(p), id, in)
	if err != nil {
		t.Fatalf("update %d: %v", id, err)
	}
	return tk
}

func (f *fixture) status(t *testing.T, id int64, st string) {
	t.Helper()
	f.update(t, f.agent, id, ticket.Input{Status: &st})
}

func (f *fixture) reply(t *testing.T, p *desk.Principal, id int64, public bool) {
	t.Helper()
	f.update(t, p, id, ticket.Input{Comment: &ticket.CommentInput{Body: "reply", Public: &public}})
}

// metrics returns the ticket's SLA entries by metric.
func (f *fixture) metrics(t *testing.T, id int64) map[string]desk.SLAMetric {
	t.Helper()
	all, err := f.svc.ForTickets(as(f.agent), []int64{id}, f.now())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]desk.SLAMetric{}
	if s := all[id]; s != nil {
		for _, m := range s.PolicyMetrics {
			out[m.Metric] = m
		}
	}
	return out
}

func (f *fixture) wantBreach(t *testing.T, id int64, metric sla.Metric, want time.Time) {
	t.Helper()
	m, ok := f.metrics(t, id)[string(metric)]
	if !ok {
		t.Fatalf("ticket %d has no %s", id, metric)
	}
	if m.Stage != string(sla.StageActive) || !m.BreachAt.Equal(want) {
		t.Fatalf("%s: stage %s breach_at %v, want active at %v", metric, m.Stage, m.BreachAt.In(f.warsaw), want.In(f.warsaw))
	}
}

func (f *fixture) wantStage(t *testing.T, id int64, metric sla.Metric, stage sla.Stage) desk.SLAMetric {
	t.Helper()
	m, ok := f.metrics(t, id)[string(metric)]
	if !ok && stage != "" {
		t.Fatalf("ticket %d has no %s", id, metric)
	}
	if ok && stage == "" {
		t.Fatalf("ticket %d has %s (%s), want none", id, metric, m.Stage)
	}
	if ok && m.Stage != string(stage) {
		t.Fatalf("%s: stage %s, want %s", metric, m.Stage, stage)
	}
	return m
}

var urgentOnly = sla.Filter{All: []sla.Condition{{Field: "priority", Operator: "is", Value: "urgent"}}}
var everyTicket = sla.Filter{All: []sla.Condition{{Field: "status", Operator: "is_not", Value: "closed"}}}

// officeHours makes the default schedule: Warsaw, Monday to Friday
// 09:00–17:00, with the given holidays.
func (f *fixture) officeHours(t *testing.T, holidays ...string) *sla.Schedule {
	t.Helper()
	var iv []bizhours.Interval
	for d := 1; d <= 5; d++ {
		iv = append(iv, bizhours.Interval{Start: d*1440 + 9*60, End: d*1440 + 17*60})
	}
	sc, err := f.svc.SaveSchedule(as(f.admin), 0, sla.ScheduleInput{Name: ptr("Office"), TimeZone: ptr("Europe/Warsaw"), Intervals: &iv})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range holidays {
		if _, err := f.svc.SaveHoliday(as(f.admin), sc.ID, 0, sla.HolidayInput{Name: ptr("Holiday " + h), StartDate: ptr(h)}); err != nil {
			t.Fatal(err)
		}
	}
	return sc
}

func TestBusinessHoursTargetsAcrossWeekendHolidayAndDST(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.officeHours(t, "2026-03-30") // a Monday off
		f.policy(t, "Urgent", urgentOnly,
			target("urgent", sla.FirstReplyTime, 120, true),
			target("urgent", sla.TotalResolutionTime, 600, false))
		// Friday 27 March 16:00 CET. One business hour is left that day;
		// Monday is a holiday; the clocks go forward on Sunday; so the
		// second business hour ends Tuesday 31 March 10:00 CEST.
		f.set(time.Date(2026, 3, 27, 16, 0, 0, 0, f.warsaw))
		tk := f.ask(t, "urgent")
		f.wantBreach(t, tk.ID, sla.FirstReplyTime, time.Date(2026, 3, 31, 10, 0, 0, 0, f.warsaw))
		if got := time.Date(2026, 3, 31, 10, 0, 0, 0, f.warsaw).UTC(); got.Hour() != 8 {
			t.Fatalf("10:00 in Warsaw on 31 March is %v UTC, want 08:00 (CEST)", got)
		}
		// Calendar targets ignore hours: 600 minutes after creation.
		f.wantBreach(t, tk.ID, sla.TotalResolutionTime, time.Date(2026, 3, 28, 2, 0, 0, 0, f.warsaw))

		// The autumn change: Friday 23 October 16:30 CEST + 120 business
		// minutes = Monday 26 October 10:30 CET (one hour further from
		// Friday in UTC than in wall-clock terms).
		f.set(time.Date(2026, 10, 23, 16, 30, 0, 0, f.warsaw))
		tk2 := f.ask(t, "urgent")
		want := time.Date(2026, 10, 26, 10, 30, 0, 0, f.warsaw)
		f.wantBreach(t, tk2.ID, sla.FirstReplyTime, want)
		if d := want.Sub(time.Date(2026, 10, 23, 16, 30, 0, 0, f.warsaw)); d != 67*time.Hour {
			t.Fatalf("Friday 16:30 CEST to Monday 10:30 CET is %v, want 67h", d)
		}
		// Within business hours follows the default schedule.
		for at, want := range map[time.Time]bool{
			time.Date(2026, 10, 26, 9, 0, 0, 0, f.warsaw):  true,
			time.Date(2026, 10, 25, 12, 0, 0, 0, f.warsaw): false, // Sunday
			time.Date(2026, 3, 30, 12, 0, 0, 0, f.warsaw):  false, // the holiday
		} {
			if got, err := f.svc.WithinBusinessHours(context.Background(), at); err != nil || got != want {
				t.Errorf("WithinBusinessHours(%v) = %v, %v", at, got, err)
			}
		}
	})
}

func TestNoScheduleCountsCalendarTime(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.policy(t, "Urgent", urgentOnly, target("urgent", sla.FirstReplyTime, 90, true))
		tk := f.ask(t, "urgent")
		f.wantBreach(t, tk.ID, sla.FirstReplyTime, f.now().Add(90*time.Minute))
		if ok, err := f.svc.WithinBusinessHours(context.Background(), f.now()); !ok || err != nil {
			t.Fatalf("without a schedule every moment is within hours: %v %v", ok, err)
		}
	})
}

func TestPauseAndResume(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.policy(t, "All", everyTicket,
			target("high", sla.RequesterWaitTime, 60, false),
			target("high", sla.AgentWorkTime, 60, false),
			target("high", sla.PausableUpdateTime, 60, false))
		start := f.now()
		tk := f.ask(t, "high")
		f.wantBreach(t, tk.ID, sla.RequesterWaitTime, start.Add(time.Hour))
		f.wantStage(t, tk.ID, sla.PausableUpdateTime, "") // starts at the first agent comment

		// 10 minutes in, pending: both pause.
		f.advance(10 * time.Minute)
		f.status(t, tk.ID, "pending")
		f.wantStage(t, tk.ID, sla.RequesterWaitTime, sla.StagePaused)
		f.wantStage(t, tk.ID, sla.AgentWorkTime, sla.StagePaused)
		// 100 minutes later the customer answers: open again, 50 left.
		f.advance(100 * time.Minute)
		f.status(t, tk.ID, "open")
		f.wantBreach(t, tk.ID, sla.RequesterWaitTime, f.now().Add(50*time.Minute))
		f.wantBreach(t, tk.ID, sla.AgentWorkTime, f.now().Add(50*time.Minute))
		// On-hold: agent work time pauses, the requester still waits.
		f.advance(20 * time.Minute)
		f.status(t, tk.ID, "hold")
		f.wantStage(t, tk.ID, sla.AgentWorkTime, sla.StagePaused)
		f.wantBreach(t, tk.ID, sla.RequesterWaitTime, f.now().Add(30*time.Minute))
		// An internal note starts the pausable update timer; pending pauses it.
		f.reply(t, f.agent, tk.ID, false)
		f.wantBreach(t, tk.ID, sla.PausableUpdateTime, f.now().Add(time.Hour))
		f.advance(5 * time.Minute)
		f.status(t, tk.ID, "pending")
		f.wantStage(t, tk.ID, sla.PausableUpdateTime, sla.StagePaused)
		f.advance(time.Hour)
		f.status(t, tk.ID, "open")
		f.wantBreach(t, tk.ID, sla.PausableUpdateTime, f.now().Add(55*time.Minute))
		// Solving fulfils everything, in time.
		f.advance(10 * time.Minute)
		f.status(t, tk.ID, "solved")
		for _, m := range []sla.Metric{sla.RequesterWaitTime, sla.AgentWorkTime, sla.PausableUpdateTime} {
			if got := f.wantStage(t, tk.ID, m, sla.StageAchieved); got.Breached || got.AchievedAt.IsZero() {
				t.Fatalf("%s: %+v", m, got)
			}
		}
		// Reopened, the status-driven timers go on from where they were:
		// requester wait time had counted 10+20+5 = 35 minutes, then 10.
		f.advance(24 * time.Hour)
		f.status(t, tk.ID, "open")
		f.wantBreach(t, tk.ID, sla.RequesterWaitTime, f.now().Add(15*time.Minute))
		f.wantStage(t, tk.ID, sla.PausableUpdateTime, sla.StageAchieved)
	})
}

func TestReplyTimers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.policy(t, "All", everyTicket,
			target("normal", sla.FirstReplyTime, 60, false),
			target("normal", sla.NextReplyTime, 30, false),
			target("normal", sla.PeriodicUpdateTime, 120, false))
		created := f.now()
		tk := f.ask(t, "normal")
		f.wantBreach(t, tk.ID, sla.FirstReplyTime, created.Add(time.Hour))
		f.wantStage(t, tk.ID, sla.NextReplyTime, "")
		// An internal note is no reply; the customer's follow-up starts
		// no next reply timer while the first reply is awaited.
		f.advance(10 * time.Minute)
		f.reply(t, f.agent, tk.ID, false)
		f.reply(t, f.alice, tk.ID, true)
		f.wantBreach(t, tk.ID, sla.FirstReplyTime, created.Add(time.Hour))
		f.wantStage(t, tk.ID, sla.NextReplyTime, "")
		// The first public reply fulfils it and starts periodic updates.
		f.advance(10 * time.Minute)
		f.reply(t, f.agent, tk.ID, true)
		f.wantStage(t, tk.ID, sla.FirstReplyTime, sla.StageAchieved)
		f.wantBreach(t, tk.ID, sla.PeriodicUpdateTime, f.now().Add(2*time.Hour))
		// The customer writes back: next reply time starts, and the next
		// agent reply fulfils it.
		f.advance(time.Hour)
		f.reply(t, f.alice, tk.ID, true)
		f.wantBreach(t, tk.ID, sla.NextReplyTime, f.now().Add(30*time.Minute))
		f.advance(45 * time.Minute) // late
		f.reply(t, f.agent, tk.ID, true)
		if m := f.wantStage(t, tk.ID, sla.NextReplyTime, sla.StageAchieved); !m.Breached {
			t.Fatalf("a reply 45 minutes into a 30-minute target is not breached: %+v", m)
		}
		f.wantBreach(t, tk.ID, sla.PeriodicUpdateTime, f.now().Add(2*time.Hour))

		// A ticket an agent opens with a public comment awaits no first reply.
		out, _, err := f.tickets.Create(as(f.agent), ticket.Input{Subject: ptr("Outbound"), Comment: &ticket.CommentInput{Body: "We noticed"},
			RequesterID: desk.SetID(f.alice.UserID), Priority: desk.NullString{Set: true, Value: "normal"}})
		if err != nil {
			t.Fatal(err)
		}
		f.wantStage(t, out.ID, sla.FirstReplyTime, "")
		f.reply(t, f.alice, out.ID, true)
		f.wantBreach(t, out.ID, sla.NextReplyTime, f.now().Add(30*time.Minute))

		// The recorded events tell the story, for reports.
		evs, err := f.svc.MetricEvents(as(f.agent), tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		var kinds []string
		for _, e := range evs {
			kinds = append(kinds, string(e.Metric)+":"+string(e.Type))
		}
		for _, want := range []string{"first_reply_time:activate", "first_reply_time:fulfill", "next_reply_time:breach", "next_reply_time:fulfill"} {
			if !slices.Contains(kinds, want) {
				t.Errorf("events %v lack %s", kinds, want)
			}
		}
		if _, err := f.svc.MetricEvents(as(f.alice), tk.ID); desk.ErrorCode(err) != desk.EFORBIDDEN {
			t.Fatalf("end-user reads SLA events: %v", err)
		}
	})
}

func TestPolicyReselectedWhenPriorityChanges(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		urgent := f.policy(t, "Urgent", urgentOnly, target("urgent", sla.FirstReplyTime, 30, false))
		general := f.policy(t, "General", everyTicket,
			target("normal", sla.FirstReplyTime, 240, false),
			target("normal", sla.AgentWorkTime, 480, false),
			target("urgent", sla.FirstReplyTime, 15, false))
		created := f.now()
		tk := f.ask(t, "normal")
		f.wantBreach(t, tk.ID, sla.FirstReplyTime, created.Add(4*time.Hour))
		got, _ := f.svc.ForTickets(as(f.agent), []int64{tk.ID}, f.now())
		if p := got[tk.ID].PolicyID; p == nil || *p != general.ID {
			t.Fatalf("policy %v, want %d", p, general.ID)
		}
		// Escalated: the first matching policy is now "Urgent"; its target
		// counts from creation, and agent work time (not in it) goes.
		f.advance(10 * time.Minute)
		f.update(t, f.agent, tk.ID, ticket.Input{Priority: desk.NullString{Set: true, Value: "urgent"}})
		f.wantBreach(t, tk.ID, sla.FirstReplyTime, created.Add(30*time.Minute))
		f.wantStage(t, tk.ID, sla.AgentWorkTime, "")
		got, _ = f.svc.ForTickets(as(f.agent), []int64{tk.ID}, f.now())
		if p := got[tk.ID].PolicyID; p == nil || *p != urgent.ID {
			t.Fatalf("policy %v, want %d", p, urgent.ID)
		}
		// Reordered, "General" comes first and its urgent target applies.
		if _, err := f.svc.ReorderPolicies(as(f.admin), []int64{general.ID, urgent.ID}); err != nil {
			t.Fatal(err)
		}
		f.update(t, f.agent, tk.ID, ticket.Input{Tags: &[]string{"touched"}})
		f.wantBreach(t, tk.ID, sla.FirstReplyTime, created.Add(15*time.Minute))
		// No priority, no targets.
		f.update(t, f.agent, tk.ID, ticket.Input{Priority: desk.NullString{Set: true}})
		if m := f.metrics(t, tk.ID); len(m) != 0 {
			t.Fatalf("a ticket without priority keeps %v", m)
		}
		// Deleted for good: its timers go with it.
		f.update(t, f.agent, tk.ID, ticket.Input{Priority: desk.NullString{Set: true, Value: "urgent"}})
		if err := f.tickets.Delete(as(f.admin), tk.ID); err != nil {
			t.Fatal(err)
		}
		if m := f.metrics(t, tk.ID); len(m) != 0 {
			t.Fatalf("a deleted ticket keeps %v", m)
		}
	})
}

func TestBreachCheck(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.policy(t, "All", everyTicket, target("high", sla.FirstReplyTime, 120, false))
		tk := f.ask(t, "high")
		other := f.ask(t, "high")
		f.reply(t, f.agent, other.ID, true) // answered in time
		check := func() (int, int) {
			t.Helper()
			b, a, err := f.svc.CheckBreaches(f.sys, f.now(), 30*time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			return b, a
		}
		if b, a := check(); b != 0 || a != 0 {
			t.Fatalf("fresh tickets: %d breached, %d approaching", b, a)
		}
		f.advance(100 * time.Minute)
		if b, a := check(); b != 0 || a != 1 {
			t.Fatalf("20 minutes before: %d breached, %d approaching", b, a)
		}
		if b, a := check(); b != 0 || a != 0 {
			t.Fatalf("approaching is recorded once: %d, %d", b, a)
		}
		f.advance(21 * time.Minute)
		if b, a := check(); b != 1 || a != 0 {
			t.Fatalf("past the target: %d breached, %d approaching", b, a)
		}
		if b, _ := check(); b != 0 {
			t.Fatal("a breach is recorded once")
		}
		m := f.wantStage(t, tk.ID, sla.FirstReplyTime, sla.StageActive)
		if !m.Breached || m.Minutes != -1 {
			t.Fatalf("breached metric %+v", m)
		}
		f.mu.Lock()
		var types []string
		for _, e := range f.published {
			if e.TicketID == tk.ID && (e.Type == sla.EventTypeBreached || e.Type == sla.EventTypeApproaching) {
				types = append(types, e.Type+"/"+e.Data["metric"])
			}
		}
		seen := len(f.approachingSeen)
		f.mu.Unlock()
		if !slices.Equal(types, []string{"sla.approaching/first_reply_time", "sla.breached/first_reply_time"}) || seen != 2 {
			t.Fatalf("published %v, OnEvent saw %d", types, seen)
		}
		// The late reply is recorded as achieved late, without a second breach.
		f.reply(t, f.agent, tk.ID, true)
		got, err := f.svc.AchievementBetween(as(f.admin), f.now().Add(-24*time.Hour), f.now().Add(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0] != (sla.Achievement{Metric: sla.FirstReplyTime, Achieved: 1, Breached: 1}) {
			t.Fatalf("achievement %+v", got)
		}
		if _, err := f.svc.AchievementBetween(as(f.agent), f.now(), f.now()); desk.ErrorCode(err) != desk.EFORBIDDEN {
			t.Fatalf("an agent without view_reports reads achievement: %v", err)
		}
		if _, _, err := f.svc.CheckBreaches(as(f.admin), f.now(), 0); desk.ErrorCode(err) != desk.EFORBIDDEN {
			t.Fatalf("an admin runs the breach check: %v", err)
		}
		// Next breach for views: only running timers.
		third := f.ask(t, "high")
		nb, err := f.svc.NextBreach(as(f.agent), []int64{tk.ID, other.ID, third.ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(nb) != 1 || !nb[third.ID].Equal(f.now().Add(2*time.Hour)) {
			t.Fatalf("next breach %v", nb)
		}
		if nb, _ := f.svc.NextBreach(as(f.alice), []int64{third.ID}); len(nb) != 0 {
			t.Fatalf("an end-user sees SLA times: %v", nb)
		}
	})
}

func TestRuleConditions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		reg := f.svc.Rules
		f.svc.RegisterRules(reg)
		f.policy(t, "All", everyTicket,
			target("urgent", sla.FirstReplyTime, 30, false),
			target("low", sla.FirstReplyTime, 300, false))
		soon, later, none := f.ask(t, "urgent"), f.ask(t, "low"), f.ask(t, "")
		f.advance(time.Hour) // soon is breached by 30 minutes
		query := func(c sla.Condition) []int64 {
			t.Helper()
			filter := sla.Filter{All: []sla.Condition{c}}
			if err := reg.Validate(context.Background(), rules.KindView, filter, nil); err != nil {
				t.Fatalf("%v: %v", c, err)
			}
			b := &rules.SQL{Dialect: db.Dialect, Now: f.now()}
			cond, err := reg.Compile(b, filter)
			if err != nil {
				t.Fatal(err)
			}
			rows, err := db.Query(context.Background(), `SELECT t.id FROM tickets t WHERE `+cond+` ORDER BY t.id`, b.Args()...)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var ids []int64
			for rows.Next() {
				var id int64
				if err := rows.Scan(&id); err != nil {
					t.Fatal(err)
				}
				ids = append(ids, id)
			}
			return ids
		}
		for _, tc := range []struct {
			c    sla.Condition
			want []int64
		}{
			{sla.Condition{Field: "sla_next_breach_at", Operator: "less_than", Value: 2}, []int64{soon.ID}},
			{sla.Condition{Field: "sla_next_breach_at", Operator: "greater_than", Value: "2"}, []int64{later.ID}},
			{sla.Condition{Field: "sla_next_breach_at", Operator: "is", Value: 4}, []int64{later.ID}},
			{sla.Condition{Field: "sla_breached", Operator: "is", Value: true}, []int64{soon.ID}},
			{sla.Condition{Field: "sla_breached", Operator: "is", Value: "false"}, []int64{later.ID, none.ID}},
		} {
			if got := query(tc.c); !slices.Equal(got, tc.want) {
				t.Errorf("%v: %v, want %v", tc.c, got, tc.want)
			}
		}
		if err := reg.Validate(context.Background(), rules.KindView, sla.Filter{All: []sla.Condition{{Field: "sla_next_breach_at", Operator: "less_than", Value: "soon"}}}, nil); desk.ErrorCode(err) != desk.EINVALID {
			t.Fatalf("a bad hours value: %v", err)
		}
		// within_business_hours: all hours without a schedule; then the
		// office's, as triggers see it at the change's moment.
		f.officeHours(t)
		sub := func(at time.Time) *rules.Subject {
			return &rules.Subject{Change: &desk.TicketChange{After: soon}, Now: at}
		}
		in := sla.Filter{All: []sla.Condition{{Field: "within_business_hours", Operator: "is", Value: true}}}
		out := sla.Filter{All: []sla.Condition{{Field: "within_business_hours", Operator: "is", Value: false}}}
		if err := reg.Validate(context.Background(), rules.KindTrigger, in, []rules.Action{{Field: "status", Value: "open"}}); err != nil {
			t.Fatal(err)
		}
		monday := time.Date(2026, 11, 30, 10, 0, 0, 0, f.warsaw)
		sunday := time.Date(2026, 11, 29, 10, 0, 0, 0, f.warsaw)
		if !reg.Match(sub(monday), in) || reg.Match(sub(monday), out) || reg.Match(sub(sunday), in) || !reg.Match(sub(sunday), out) {
			t.Fatal("within_business_hours does not follow the schedule")
		}
		f.set(sunday)
		if got := query(in.All[0]); len(got) != 0 {
			t.Fatalf("on Sunday within hours: %v", got)
		}
	})
}

// A trigger's set_sla_policy gives the ticket that policy whatever the
// filters say, until the policy is deleted.
func TestTriggerSetsPolicy(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		reg := f.svc.Rules
		f.svc.RegisterRules(reg)
		general := f.policy(t, "General", everyTicket, target("normal", sla.FirstReplyTime, 240, false))
		vip := f.policy(t, "VIP", sla.Filter{All: []sla.Condition{{Field: "type", Operator: "is", Value: "task"}}}, target("normal", sla.FirstReplyTime, 20, false))
		trigger := rules.Rule{Ref: rules.Ref{Kind: rules.KindTrigger, ID: 1, Title: "VIP customers"},
			Conditions: sla.Filter{All: []sla.Condition{{Field: "current_tags", Operator: "includes", Value: "vip"}}},
			Actions:    []rules.Action{{Field: sla.ActionSetPolicy, Value: vip.ID}}}
		if err := reg.Validate(context.Background(), rules.KindTrigger, trigger.Conditions, trigger.Actions); err != nil {
			t.Fatal(err)
		}
		if err := reg.Validate(context.Background(), rules.KindTrigger, trigger.Conditions, []rules.Action{{Field: sla.ActionSetPolicy, Value: "x"}}); desk.ErrorCode(err) != desk.EINVALID {
			t.Fatalf("a bad policy id: %v", err)
		}
		// Saved with the store at hand, a policy that does not exist is
		// refused (as the rules services save); an existing one is not.
		withDB := rules.WithDB(context.Background(), db)
		if err := reg.Validate(withDB, rules.KindTrigger, trigger.Conditions, trigger.Actions); err != nil {
			t.Fatalf("an existing policy: %v", err)
		}
		err := reg.Validate(withDB, rules.KindTrigger, trigger.Conditions, []rules.Action{{Field: sla.ActionSetPolicy, Value: vip.ID + 1000}})
		var de *desk.Error
		if !errors.As(err, &de) || de.Code != desk.EINVALID || len(de.Details["actions"]) != 1 || !strings.Contains(de.Details["actions"][0].Description, "names no SLA policy") {
			t.Fatalf("a missing policy: %v", err)
		}
		var failed []rules.Failure
		f.tickets.SetRuleStage(func(ctx context.Context, tx *store.Tx, e *ticket.Edit) ([]ticket.Hook, error) {
			out, err := reg.RunTriggers(ctx, tx, e, []rules.Rule{trigger}, f.now(), nil)
			if err != nil {
				return nil, err
			}
			failed = append(failed, out.Failed...)
			return out.Later, nil
		})
		created := f.now()
		tk, _, err := f.tickets.Create(as(f.alice), ticket.Input{Subject: ptr("VIP"), Comment: &ticket.CommentInput{Body: "Hi"}, Tags: &[]string{"vip"}})
		if err != nil {
			t.Fatal(err)
		}
		f.update(t, f.agent, tk.ID, ticket.Input{Priority: desk.NullString{Set: true, Value: "normal"}})
		f.wantBreach(t, tk.ID, sla.FirstReplyTime, created.Add(20*time.Minute))
		// Without the tag, the filters choose.
		plain := f.ask(t, "normal")
		f.wantBreach(t, plain.ID, sla.FirstReplyTime, created.Add(4*time.Hour))
		// The override stays after the tag goes; deleting the policy ends it.
		f.update(t, f.agent, tk.ID, ticket.Input{Tags: &[]string{}})
		f.wantBreach(t, tk.ID, sla.FirstReplyTime, created.Add(20*time.Minute))
		if err := f.svc.DeletePolicy(as(f.admin), vip.ID); err != nil {
			t.Fatal(err)
		}
		f.update(t, f.agent, tk.ID, ticket.Input{Subject: ptr("VIP still")})
		f.wantBreach(t, tk.ID, sla.FirstReplyTime, created.Add(4*time.Hour))
		got, _ := f.svc.ForTickets(as(f.agent), []int64{tk.ID}, f.now())
		if p := got[tk.ID].PolicyID; p == nil || *p != general.ID {
			t.Fatalf("policy %v, want %d", p, general.ID)
		}
		// A trigger naming a deleted policy fails alone; the change goes on.
		f.update(t, f.agent, tk.ID, ticket.Input{Tags: &[]string{"vip"}})
		if len(failed) != 1 || !strings.Contains(failed[0].Error, "does not exist") {
			t.Fatalf("failures %+v", failed)
		}
	})
}

// A changed policy applies at the ticket's next change, even when nothing
// but its targets changed within the same microsecond (the decoded
// policies are cached by their stored text).
func TestChangedPolicyApplies(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		p := f.policy(t, "All", everyTicket, target("high", sla.FirstReplyTime, 60, false))
		created := f.now()
		tk := f.ask(t, "high")
		f.wantBreach(t, tk.ID, sla.FirstReplyTime, created.Add(time.Hour))
		if _, err := f.svc.SavePolicy(as(f.admin), p.ID, sla.PolicyInput{PolicyMetrics: &[]sla.PolicyMetric{target("high", sla.FirstReplyTime, 30, false)}}); err != nil {
			t.Fatal(err)
		}
		f.update(t, f.agent, tk.ID, ticket.Input{Tags: &[]string{"again"}})
		f.wantBreach(t, tk.ID, sla.FirstReplyTime, created.Add(30*time.Minute))
		// A second service (another instance) sees the change as well.
		other := sla.New(db, nil, f.svc.Rules)
		if _, err := other.SavePolicy(as(f.admin), p.ID, sla.PolicyInput{Filter: &sla.Filter{All: []sla.Condition{{Field: "priority", Operator: "is", Value: "low"}}}}); err != nil {
			t.Fatal(err)
		}
		f.update(t, f.agent, tk.ID, ticket.Input{Tags: &[]string{"once more"}})
		if m := f.metrics(t, tk.ID); len(m) != 0 {
			t.Fatalf("a policy that no longer matches still applies: %v", m)
		}
	})
}
