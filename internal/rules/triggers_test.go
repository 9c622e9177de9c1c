package rules_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/rules"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

func TestTriggerChangesLandInTheSameAudit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		tr := f.trigger(t, "Urgent printers",
			conds(rules.Condition{Field: "update_type", Operator: "is", Value: "Create"},
				rules.Condition{Field: "comment_includes_word", Operator: "includes", Value: "fire"}),
			acts(rules.Action{Field: "priority", Value: "urgent"}, rules.Action{Field: "current_tags", Value: "hot"},
				rules.Action{Field: "group_id", Value: f.support}))
		tk, audit := f.newTicket(t, f.alice, "Printer on fire")
		if tk.Priority == nil || *tk.Priority != "urgent" || !strings.Contains(strings.Join(tk.Tags, " "), "hot") || tk.GroupID == nil || *tk.GroupID != f.support {
			t.Fatalf("trigger did not apply: priority %v tags %v group %v", tk.Priority, tk.Tags, tk.GroupID)
		}
		var ruleEvents int
		for _, e := range audit.Events {
			if e.Via != nil {
				ruleEvents++
				if e.Via.Channel != "rule" || e.Via.Source.From["id"] != tr.ID || *e.Via.Source.Rel != "trigger" {
					t.Errorf("event %+v: via %+v, want rule trigger %d", e, e.Via, tr.ID)
				}
			}
		}
		if ruleEvents != 3 {
			t.Errorf("audit has %d events marked with the trigger, want 3: %+v", ruleEvents, audit.Events)
		}
		audits, _, err := f.tickets.Audits(as(f.admin), tk.ID, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(audits) != 1 {
			t.Errorf("%d audits, want the one create audit", len(audits))
		}
		// A ticket without the word is left alone.
		tk2, _ := f.newTicket(t, f.alice, "Question about invoices")
		if tk2.Priority != nil {
			t.Errorf("trigger fired on a ticket its conditions exclude: %v", *tk2.Priority)
		}
		// Inactive triggers do not run.
		off := false
		if _, err := f.svc.UpdateTrigger(as(f.admin), tr.ID, rules.TriggerInput{Active: &off}); err != nil {
			t.Fatal(err)
		}
		tk3, _ := f.newTicket(t, f.alice, "Another fire")
		if tk3.Priority != nil {
			t.Errorf("inactive trigger fired")
		}
	})
}

func TestTriggersRunInOrderAndCascade(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		// B is first in order but depends on A's tag: the second pass fires it.
		b := f.trigger(t, "B", conds(rules.Condition{Field: "current_tags", Operator: "includes", Value: "stage1"}),
			acts(rules.Action{Field: "current_tags", Value: "stage2"}))
		a := f.trigger(t, "A", conds(rules.Condition{Field: "update_type", Operator: "is", Value: "Create"}),
			acts(rules.Action{Field: "current_tags", Value: "stage1"}))
		if b.Position >= a.Position {
			t.Fatalf("positions %d, %d", b.Position, a.Position)
		}
		tk, _ := f.newTicket(t, f.alice, "cascade")
		if !hasTags(tk, "stage1", "stage2") {
			t.Fatalf("tags %v, want stage1 and stage2", tk.Tags)
		}
	})
}

// Triggers run category by category, in the categories' order, and by
// position within one: "late" comes first in the overall positions but sits
// in the second category, so "early" (first category) runs before it and
// "late" has the last word on the priority. Moving the categories swaps
// that at once.
func TestTriggersRunByCategory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		mk := func(name string) *rules.TriggerCategory {
			c, err := f.svc.CreateCategory(as(f.admin), rules.CategoryInput{Name: &name})
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		first, second := mk("First"), mk("Second")
		trig := func(title, prio string, cat string) *rules.Trigger {
			tr, err := f.svc.CreateTrigger(as(f.admin), rules.TriggerInput{Title: &title, CategoryID: &cat,
				Conditions: conds(rules.Condition{Field: "update_type", Operator: "is", Value: "Create"}),
				Actions:    acts(rules.Action{Field: "priority", Value: prio})})
			if err != nil {
				t.Fatal(err)
			}
			return tr
		}
		late := trig("late", "low", second.ID)
		early := trig("early", "high", first.ID)
		if late.Position >= early.Position {
			t.Fatalf("positions %d, %d", late.Position, early.Position)
		}
		if tk, _ := f.newTicket(t, f.alice, "by category"); tk.Priority == nil || *tk.Priority != "low" {
			t.Fatalf("priority %v, want low (the second category's trigger last)", tk.Priority)
		}
		id := func(c *rules.TriggerCategory) int64 { n, _ := strconv.ParseInt(c.ID, 10, 64); return n }
		if err := f.svc.ReorderCategories(as(f.admin), []int64{id(second), id(first)}); err != nil {
			t.Fatal(err)
		}
		if tk, _ := f.newTicket(t, f.alice, "reordered"); tk.Priority == nil || *tk.Priority != "high" {
			t.Fatalf("after moving the categories priority %v, want high", tk.Priority)
		}
	})
}

func hasTags(tk *desk.Ticket, tags ...string) bool {
	for _, want := range tags {
		found := false
		for _, g := range tk.Tags {
			found = found || g == want
		}
		if !found {
			return false
		}
	}
	return true
}

// A rule set that undoes itself (A adds x when x is missing; B removes x
// when it is there) fires each trigger once and stops: the update commits.
func TestLoopingRuleSetStops(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.trigger(t, "add", conds(rules.Condition{Field: "current_tags", Operator: "not_includes", Value: "x"}),
			acts(rules.Action{Field: "current_tags", Value: "x"}))
		f.trigger(t, "remove", conds(rules.Condition{Field: "current_tags", Operator: "includes", Value: "x"}),
			acts(rules.Action{Field: "remove_tags", Value: "x"}))
		tk, _ := f.newTicket(t, f.alice, "loop")
		if hasTags(tk, "x") {
			t.Errorf("tags %v: the remove trigger should have fired after add", tk.Tags)
		}
		// Later updates commit too.
		if _, _, err := f.tickets.Update(as(f.agent), tk.ID, ticket.Input{Comment: &ticket.CommentInput{Body: "again", Public: ptrBool(false)}}); err != nil {
			t.Fatal(err)
		}
	})
}

func ptrBool(b bool) *bool { return &b }

// Many passes: a chain longer than MaxPasses stops at the bound and the
// change still commits.
func TestChainBeyondMaxPassesIsCut(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		n := rules.MaxPasses + 3
		// Created in reverse so each pass fires exactly one (t_i needs tag i).
		for i := n; i >= 1; i-- {
			f.trigger(t, "chain", conds(rules.Condition{Field: "current_tags", Operator: "includes", Value: tag(i - 1)}),
				acts(rules.Action{Field: "current_tags", Value: tag(i)}))
		}
		subject := "chain"
		tk, _, err := f.tickets.Create(as(f.agent), ticket.Input{Subject: &subject, Comment: &ticket.CommentInput{Body: "x"}, Tags: &[]string{tag(0)}})
		if err != nil {
			t.Fatal(err)
		}
		if !hasTags(tk, tag(rules.MaxPasses)) || hasTags(tk, tag(n)) {
			t.Errorf("tags %v: want the chain cut after %d passes", tk.Tags, rules.MaxPasses)
		}
	})
}

func tag(i int) string { return "t" + string(rune('a'+i)) }

// A trigger whose actions cannot apply (solve without an assignee, as the
// system) is skipped; the person's change and other triggers still apply.
func TestFailingTriggerIsSkipped(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.trigger(t, "bad", conds(rules.Condition{Field: "update_type", Operator: "is", Value: "Create"}),
			acts(rules.Action{Field: "current_tags", Value: "bad"}, rules.Action{Field: "status", Value: "solved"}))
		f.trigger(t, "good", conds(rules.Condition{Field: "update_type", Operator: "is", Value: "Create"}),
			acts(rules.Action{Field: "current_tags", Value: "good"}))
		tk, _ := f.newTicket(t, f.alice, "skip")
		if tk.Status == desk.StatusSolved || hasTags(tk, "bad") || !hasTags(tk, "good") {
			t.Errorf("status %s tags %v: want the bad trigger undone, the good one applied", tk.Status, tk.Tags)
		}
	})
}

func TestTriggerNotifiesInRecipientLanguage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.trigger(t, "ack", conds(rules.Condition{Field: "update_type", Operator: "is", Value: "Create"}),
			acts(rules.Action{Field: "notification_user", Value: []any{"requester_id", "[{{ticket.id}}] {{ticket.title}}", "Dzień dobry {{ticket.requester.first_name}}, status: {{ticket.status}}\n{{ticket.url}}"}},
				rules.Action{Field: "notification_email", Value: []any{"boss@example.com", "New: {{ticket.title}}", "<b>{{ticket.title}}</b>"}}))
		tk, _ := f.newTicket(t, f.alice, "Fish & <chips>")
		mails := f.mail.all()
		if len(mails) != 2 {
			t.Fatalf("%d mails, want 2: %+v", len(mails), mails)
		}
		m := mails[0]
		if m.To != "alicja@example.com" || m.TicketID != tk.ID || !strings.Contains(m.Subject, "Fish & <chips>") {
			t.Errorf("mail %+v", m)
		}
		if !strings.Contains(m.Text, "Dzień dobry Alicja, status: nowe") || !strings.Contains(m.Text, "https://desk.example/requests/") {
			t.Errorf("text %q", m.Text)
		}
		if !strings.Contains(mails[1].HTML, "&lt;b&gt;Fish &amp; &lt;chips&gt;&lt;/b&gt;") {
			t.Errorf("html not escaped: %q", mails[1].HTML)
		}
	})
}

func TestTriggerValidationAndPermissions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		title := "x"
		for _, c := range []struct {
			name string
			in   rules.TriggerInput
		}{
			{"no title", rules.TriggerInput{Conditions: conds(rules.Condition{Field: "status", Operator: "is", Value: "open"}), Actions: acts(rules.Action{Field: "status", Value: "pending"})}},
			{"no conditions", rules.TriggerInput{Title: &title, Actions: acts(rules.Action{Field: "status", Value: "pending"})}},
			{"no actions", rules.TriggerInput{Title: &title, Conditions: conds(rules.Condition{Field: "status", Operator: "is", Value: "open"})}},
			{"unknown field", rules.TriggerInput{Title: &title, Conditions: conds(rules.Condition{Field: "bogus", Operator: "is", Value: "open"}), Actions: acts(rules.Action{Field: "status", Value: "pending"})}},
			{"bad operator", rules.TriggerInput{Title: &title, Conditions: conds(rules.Condition{Field: "status", Operator: "includes", Value: "open"}), Actions: acts(rules.Action{Field: "status", Value: "pending"})}},
			{"bad value", rules.TriggerInput{Title: &title, Conditions: conds(rules.Condition{Field: "status", Operator: "is", Value: "bogus"}), Actions: acts(rules.Action{Field: "status", Value: "pending"})}},
			{"bad action value", rules.TriggerInput{Title: &title, Conditions: conds(rules.Condition{Field: "status", Operator: "is", Value: "open"}), Actions: acts(rules.Action{Field: "priority", Value: "extreme"})}},
			{"bad notification", rules.TriggerInput{Title: &title, Conditions: conds(rules.Condition{Field: "status", Operator: "is", Value: "open"}), Actions: acts(rules.Action{Field: "notification_user", Value: "requester_id"})}},
			{"automation field", rules.TriggerInput{Title: &title, Conditions: conds(rules.Condition{Field: "hours_since_pending", Operator: "greater_than", Value: 5}), Actions: acts(rules.Action{Field: "status", Value: "open"})}},
			{"bad category", rules.TriggerInput{Title: &title, CategoryID: str("999"), Conditions: conds(rules.Condition{Field: "status", Operator: "is", Value: "open"}), Actions: acts(rules.Action{Field: "status", Value: "pending"})}},
		} {
			_, err := f.svc.CreateTrigger(as(f.admin), c.in)
			if desk.ErrorCode(err) != desk.EINVALID {
				t.Errorf("%s: err %v, want invalid", c.name, err)
			}
		}
		ok := rules.TriggerInput{Title: &title, Conditions: conds(rules.Condition{Field: "status", Operator: "is", Value: "open"}), Actions: acts(rules.Action{Field: "status", Value: "pending"})}
		for _, p := range []*desk.Principal{f.limited, f.agent, f.alice} {
			if _, err := f.svc.CreateTrigger(as(p), ok); desk.ErrorCode(err) != desk.EFORBIDDEN {
				t.Errorf("%s creating: %v, want forbidden", p.Email, err)
			}
			if _, err := f.svc.ListTriggers(as(p), rules.TriggerFilter{}); desk.ErrorCode(err) != desk.EFORBIDDEN {
				t.Errorf("%s listing: %v, want forbidden", p.Email, err)
			}
		}
		// Built-in agents do not manage business rules (Zendesk's default).
		if _, err := f.svc.CreateTrigger(as(f.agent), ok); desk.ErrorCode(err) != desk.EFORBIDDEN {
			t.Errorf("agent with the built-in permissions: %v, want forbidden", err)
		}
		ro := *f.admin
		ro.ReadOnly = true
		if _, err := f.svc.CreateTrigger(as(&ro), ok); desk.ErrorCode(err) != desk.EFORBIDDEN {
			t.Errorf("read-only token: %v, want forbidden", err)
		}
	})
}

func TestReorderAndDryRun(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		a := f.trigger(t, "A", conds(rules.Condition{Field: "status", Operator: "is", Value: "new"}), acts(rules.Action{Field: "priority", Value: "high"}))
		b := f.trigger(t, "B", conds(rules.Condition{Field: "status", Operator: "is", Value: "solved"}), acts(rules.Action{Field: "priority", Value: "low"}))
		if err := f.svc.ReorderTriggers(as(f.admin), []int64{b.ID, a.ID}); err != nil {
			t.Fatal(err)
		}
		list, err := f.svc.ListTriggers(as(f.admin), rules.TriggerFilter{})
		if err != nil || len(list) != 2 || list[0].ID != b.ID || list[1].ID != a.ID {
			t.Fatalf("order after reorder: %v %v", list, err)
		}
		if err := f.svc.ReorderTriggers(as(f.admin), []int64{b.ID, 424242}); desk.ErrorCode(err) != desk.EINVALID {
			t.Errorf("reorder with an unknown id: %v", err)
		}
		// Turn both off while the ticket is made, then dry-run.
		off, on := false, true
		for _, id := range []int64{a.ID, b.ID} {
			if _, err := f.svc.UpdateTrigger(as(f.admin), id, rules.TriggerInput{Active: &off}); err != nil {
				t.Fatal(err)
			}
		}
		tk, _ := f.newTicket(t, f.alice, "dry")
		for _, id := range []int64{a.ID, b.ID} {
			if _, err := f.svc.UpdateTrigger(as(f.admin), id, rules.TriggerInput{Active: &on}); err != nil {
				t.Fatal(err)
			}
		}
		res, err := f.svc.DryRun(as(f.admin), tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		got := map[int64]bool{}
		for _, r := range res.Results {
			got[r.Trigger.ID] = r.Matches
		}
		if !got[a.ID] || got[b.ID] {
			t.Errorf("dry run %v: want A (status new) only", got)
		}
		after, err := f.tickets.Get(as(f.admin), tk.ID)
		if err != nil || after.Priority != nil || after.Version != tk.Version {
			t.Errorf("dry run changed the ticket: %+v %v", after, err)
		}
		if _, err := f.svc.DryRun(as(f.limited), tk.ID); desk.ErrorCode(err) != desk.EFORBIDDEN {
			t.Errorf("dry run without permission: %v", err)
		}
	})
}
