package sla_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/rules"
	"github.com/frontdesk/frontdesk/internal/sla"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

type mails struct {
	mu   sync.Mutex
	list []rules.Mail
}

func (m *mails) QueueRuleMailTx(_ context.Context, _ *store.Tx, mail rules.Mail) error {
	m.mu.Lock()
	m.list = append(m.list, mail)
	m.mu.Unlock()
	return nil
}

func (m *mails) sent() []rules.Mail {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]rules.Mail(nil), m.list...)
}

func pri(t *desk.Ticket) string {
	if t.Priority == nil {
		return ""
	}
	return *t.Priority
}

// A trigger "SLA breached → priority urgent + email the assignee" fires
// once, when the breach check records the breach, and not on the next
// run; an "approaching" trigger with a metric condition fires on the
// approach only, and neither fires on ordinary changes.
func TestSLAEventTriggers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		reg := f.svc.Rules
		f.svc.RegisterRules(reg)
		out := &mails{}
		reg.SetMailer(out)
		rs := rules.NewService(db, f.tickets, reg, nil)
		rs.Now = f.now
		rs.Register()
		f.svc.OnEvent = sla.TriggerHandler(rs)
		f.policy(t, "All", everyTicket, target("high", sla.FirstReplyTime, 120, false), target("urgent", sla.FirstReplyTime, 240, false))
		mk := func(title string, all []rules.Condition, acts ...rules.Action) {
			t.Helper()
			c := rules.Conditions{All: all}
			if _, err := rs.CreateTrigger(as(f.admin), rules.TriggerInput{Title: &title, Conditions: &c, Actions: &acts}); err != nil {
				t.Fatalf("trigger %s: %v", title, err)
			}
		}
		mk("Breached", []rules.Condition{{Field: "sla_event", Operator: "is", Value: "breached"}},
			rules.Action{Field: "priority", Value: "urgent"},
			rules.Action{Field: "notification_user", Value: []any{"assignee_id", "Breach on {{ticket.id}}", "Act now"}})
		mk("Approaching reply", []rules.Condition{{Field: "sla_event", Operator: "is", Value: "approaching"}, {Field: "sla_event_metric", Operator: "is", Value: "first_reply_time"}},
			rules.Action{Field: "current_tags", Value: "sla_warned"})
		mk("Approaching resolution", []rules.Condition{{Field: "sla_event", Operator: "is", Value: "approaching"}, {Field: "sla_event_metric", Operator: "is", Value: "total_resolution_time"}},
			rules.Action{Field: "current_tags", Value: "wrong_metric"})
		// A bad value is refused.
		bad := rules.Conditions{All: []rules.Condition{{Field: "sla_event", Operator: "is", Value: "late"}}}
		if _, err := rs.CreateTrigger(as(f.admin), rules.TriggerInput{Title: ptr("Bad"), Conditions: &bad, Actions: &[]rules.Action{{Field: "priority", Value: "low"}}}); desk.ErrorCode(err) != desk.EINVALID {
			t.Fatalf("sla_event late: %v", err)
		}

		tk := f.ask(t, "high")
		tk = f.update(t, f.admin, tk.ID, ticket.Input{AssigneeID: desk.NullID{Set: true, ID: f.agent.UserID}})
		check := func() (int, int) {
			t.Helper()
			b, a, err := f.svc.CheckBreaches(f.sys, f.now(), 30*time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			return b, a
		}
		get := func() *desk.Ticket {
			t.Helper()
			got, err := f.tickets.Get(as(f.admin), tk.ID)
			if err != nil {
				t.Fatal(err)
			}
			return got
		}
		if b, a := check(); b+a != 0 || len(out.sent()) != 0 {
			t.Fatalf("fresh: %d %d, mail %v", b, a, out.sent())
		}
		// No event fields on an ordinary change.
		f.update(t, f.agent, tk.ID, ticket.Input{Subject: ptr("Still broken")})
		if got := get(); pri(got) != "high" || len(got.Tags) != 0 {
			t.Fatalf("an ordinary change fired SLA triggers: %+v %v", pri(got), got.Tags)
		}
		f.advance(100 * time.Minute)
		if _, a := check(); a != 1 {
			t.Fatalf("approaching: %d", a)
		}
		got := get()
		if pri(got) != "high" || len(got.Tags) != 1 || got.Tags[0] != "sla_warned" || len(out.sent()) != 0 {
			t.Fatalf("after approach: %s %v, mail %d", pri(got), got.Tags, len(out.sent()))
		}
		f.advance(21 * time.Minute)
		if b, _ := check(); b != 1 {
			t.Fatalf("breached: %d", b)
		}
		got = get()
		if pri(got) != "urgent" {
			t.Fatalf("priority %s after the breach", pri(got))
		}
		sent := out.sent()
		if len(sent) != 1 || sent[0].UserID != f.agent.UserID || sent[0].Rule.Title != "Breached" {
			t.Fatalf("mail %+v", sent)
		}
		version := got.Version
		// The priority change is in an audit marked with the rule.
		audits, _, err := f.tickets.Audits(as(f.admin), tk.ID, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		last := audits[len(audits)-1]
		found := false
		for _, ev := range last.Events {
			if ev.FieldName == "priority" && ev.Value == "urgent" && ev.Via != nil && ev.Via.Channel == "rule" {
				found = true
			}
		}
		if !found {
			t.Fatalf("last audit %+v", last.Events)
		}
		// The next runs record nothing and fire nothing.
		for range 2 {
			f.advance(time.Minute)
			if b, a := check(); b+a != 0 {
				t.Fatalf("again: %d breached, %d approaching", b, a)
			}
		}
		if got := get(); got.Version != version || len(out.sent()) != 1 {
			t.Fatalf("fired again: version %d→%d, mail %d", version, got.Version, len(out.sent()))
		}
		// Only the system runs event triggers.
		err = db.InTx(context.Background(), func(tx *store.Tx) error {
			_, err := rs.RunTriggersForEvent(as(f.admin), tx, tk.ID, map[string]any{"sla_event": "breached"})
			return err
		})
		if desk.ErrorCode(err) != desk.EFORBIDDEN {
			t.Fatalf("an admin runs event triggers: %v", err)
		}
	})
}
