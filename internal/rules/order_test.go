package rules_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/rules"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

func automationIDs(t *testing.T, f *fixture) []int64 {
	t.Helper()
	list, err := f.svc.ListAutomations(as(f.admin), nil, "")
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, a := range list {
		ids = append(ids, a.ID)
	}
	return ids
}

func pendingSolver(t *testing.T, f *fixture, title string) *rules.Automation {
	return f.automation(t, title, conds(rules.Condition{Field: "status", Operator: "is", Value: "pending"},
		rules.Condition{Field: "hours_since_pending", Operator: "greater_than", Value: 120}), acts(rules.Action{Field: "status", Value: "solved"}))
}

func TestMoveAndReorderAutomations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		a, b, c := pendingSolver(t, f, "A"), pendingSolver(t, f, "B"), pendingSolver(t, f, "C")
		if err := f.svc.MoveAutomation(as(f.admin), c.ID, -1); err != nil {
			t.Fatal(err)
		}
		if got := automationIDs(t, f); !slices.Equal(got, []int64{a.ID, c.ID, b.ID}) {
			t.Fatalf("after moving C up: %v", got)
		}
		// The first cannot go up nor the last down: nothing changes.
		if err := f.svc.MoveAutomation(as(f.admin), a.ID, -1); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.MoveAutomation(as(f.admin), b.ID, 1); err != nil {
			t.Fatal(err)
		}
		if got := automationIDs(t, f); !slices.Equal(got, []int64{a.ID, c.ID, b.ID}) {
			t.Fatalf("after moves past the ends: %v", got)
		}
		if err := f.svc.MoveAutomation(as(f.admin), a.ID, 1); err != nil {
			t.Fatal(err)
		}
		if got := automationIDs(t, f); !slices.Equal(got, []int64{c.ID, a.ID, b.ID}) {
			t.Fatalf("after moving A down: %v", got)
		}
		if err := f.svc.ReorderAutomations(as(f.admin), []int64{b.ID}); err != nil {
			t.Fatal(err)
		}
		if got := automationIDs(t, f); !slices.Equal(got, []int64{b.ID, c.ID, a.ID}) {
			t.Fatalf("after reorder [B]: %v", got)
		}
		for name, err := range map[string]error{
			"unknown id":      f.svc.ReorderAutomations(as(f.admin), []int64{b.ID, 424242}),
			"twice":           f.svc.ReorderAutomations(as(f.admin), []int64{b.ID, b.ID}),
			"empty":           f.svc.ReorderAutomations(as(f.admin), nil),
			"bad direction":   f.svc.MoveAutomation(as(f.admin), a.ID, 2),
			"unknown to move": f.svc.MoveAutomation(as(f.admin), 424242, 1),
		} {
			want := desk.EINVALID
			if name == "unknown to move" {
				want = desk.ENOTFOUND
			}
			if desk.ErrorCode(err) != want {
				t.Errorf("%s: %v, want %s", name, err, want)
			}
		}
		if err := f.svc.MoveAutomation(as(f.limited), a.ID, -1); desk.ErrorCode(err) != desk.EFORBIDDEN {
			t.Errorf("move without manage_business_rules: %v", err)
		}
		if err := f.svc.ReorderAutomations(as(f.limited), []int64{a.ID}); desk.ErrorCode(err) != desk.EFORBIDDEN {
			t.Errorf("reorder without manage_business_rules: %v", err)
		}
		if got := automationIDs(t, f); !slices.Equal(got, []int64{b.ID, c.ID, a.ID}) {
			t.Fatalf("refused calls changed the order: %v", got)
		}
	})
}

func TestCategoriesMoveAndTriggersMoveWithinTheirCategory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		mk := func(name string) *rules.TriggerCategory {
			c, err := f.svc.CreateCategory(as(f.admin), rules.CategoryInput{Name: &name})
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		x, y := mk("X"), mk("Y")
		if err := f.svc.MoveCategory(as(f.admin), catID(t, y), -1); err != nil {
			t.Fatal(err)
		}
		cats, err := f.svc.ListCategories(as(f.admin))
		if err != nil || len(cats) != 2 || cats[0].ID != y.ID || cats[1].ID != x.ID {
			t.Fatalf("categories after moving Y up: %+v %v", cats, err)
		}
		if err := f.svc.MoveCategory(as(f.limited), catID(t, x), -1); desk.ErrorCode(err) != desk.EFORBIDDEN {
			t.Errorf("move category without permission: %v", err)
		}
		// Triggers 1 (X), 2 (none), 3 (X): moving 3 up skips 2 and swaps
		// with 1, the trigger before it in X.
		in := func(title string, cat *string) *rules.Trigger {
			tr, err := f.svc.CreateTrigger(as(f.admin), rules.TriggerInput{Title: &title, CategoryID: cat,
				Conditions: conds(rules.Condition{Field: "status", Operator: "is", Value: "new"}), Actions: acts(rules.Action{Field: "priority", Value: "high"})})
			if err != nil {
				t.Fatal(err)
			}
			return tr
		}
		t1, t2, t3 := in("one", &x.ID), in("two", nil), in("three", &x.ID)
		order := func() []int64 {
			list, err := f.svc.ListTriggers(as(f.admin), rules.TriggerFilter{})
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for _, tr := range list {
				ids = append(ids, tr.ID)
			}
			return ids
		}
		if err := f.svc.MoveTriggerInCategory(as(f.admin), t3.ID, -1); err != nil {
			t.Fatal(err)
		}
		if got := order(); !slices.Equal(got, []int64{t3.ID, t2.ID, t1.ID}) {
			t.Fatalf("after moving three up within X: %v", got)
		}
		// two is alone in "none": it does not move.
		if err := f.svc.MoveTriggerInCategory(as(f.admin), t2.ID, 1); err != nil {
			t.Fatal(err)
		}
		if got := order(); !slices.Equal(got, []int64{t3.ID, t2.ID, t1.ID}) {
			t.Fatalf("a trigger alone in its category moved: %v", got)
		}
		if err := f.svc.MoveTriggerInCategory(as(f.limited), t1.ID, -1); desk.ErrorCode(err) != desk.EFORBIDDEN {
			t.Errorf("move trigger without permission: %v", err)
		}
		// A category that holds triggers cannot be deleted.
		if err := f.svc.DeleteCategory(as(f.admin), catID(t, x)); desk.ErrorCode(err) != desk.EINVALID {
			t.Errorf("delete a category with triggers: %v", err)
		}
		if err := f.svc.DeleteCategory(as(f.admin), catID(t, y)); err != nil {
			t.Errorf("delete an empty category: %v", err)
		}
	})
}

func TestPreviewAutomation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		au := pendingSolver(t, f, "solve pending")
		pending := "pending"
		var want []int64
		for i := range rules.PreviewLimit + 2 {
			tk, _ := f.newTicket(t, f.alice, "waiting")
			if i == 0 {
				continue // stays new: not matched
			}
			if _, _, err := f.tickets.Update(as(f.agent), tk.ID, ticket.Input{Status: &pending, AssigneeID: desk.SetID(f.agent.UserID)}); err != nil {
				t.Fatal(err)
			}
			want = append(want, tk.ID)
		}
		p, err := f.svc.PreviewAutomation(as(f.admin), au.ID)
		if err != nil || p.Count != 0 || len(p.TicketIDs) != 0 {
			t.Fatalf("too early: %+v %v", p, err)
		}
		f.clock.Advance(121 * time.Hour)
		p, err = f.svc.PreviewAutomation(as(f.admin), au.ID)
		if err != nil {
			t.Fatal(err)
		}
		if p.Count != len(want) || !slices.Equal(p.TicketIDs, want[:rules.PreviewLimit]) {
			t.Fatalf("preview %+v, want %d tickets starting %v", p, len(want), want[:rules.PreviewLimit])
		}
		// A preview changes nothing: the tickets are still pending.
		got, err := f.tickets.Get(as(f.admin), want[0])
		if err != nil || got.Status != desk.StatusPending {
			t.Fatalf("preview changed the ticket: %v %v", got.Status, err)
		}
		// After the run the tickets it acted on are no longer previewed.
		if res, err := f.svc.RunAutomations(sys()); err != nil || res.Fired != len(want) {
			t.Fatalf("run: %v %v", res, err)
		}
		if p, err = f.svc.PreviewAutomation(as(f.admin), au.ID); err != nil || p.Count != 0 {
			t.Errorf("after the run: %+v %v", p, err)
		}
		if _, err := f.svc.PreviewAutomation(as(f.limited), au.ID); desk.ErrorCode(err) != desk.EFORBIDDEN {
			t.Errorf("preview without permission: %v", err)
		}
		if _, err := f.svc.PreviewAutomation(as(f.admin), 424242); desk.ErrorCode(err) != desk.ENOTFOUND {
			t.Errorf("preview of an unknown automation: %v", err)
		}
	})
}

func catID(t *testing.T, c *rules.TriggerCategory) int64 {
	t.Helper()
	id, err := strconv.ParseInt(c.ID, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// FuzzCategoryName feeds arbitrary names (as a form or the API would) to
// create, rename and move: each is either stored as the trimmed valid text
// it was given or refused as invalid with nothing changed — never stored
// as bytes PostgreSQL would reject, never another error.
func FuzzCategoryName(f *testing.F) {
	for _, s := range []string{"Routing", "  padded  ", "", "   ", "a\x00b", "\xff\xfe", "Zażółć gęślą jaźń", "<script>alert(1)</script>",
		"'; DROP TABLE trigger_categories; --", strings.Repeat("x", 256), "tab\there", "emoji 🚀"} {
		f.Add(s, int8(1))
	}
	db := storetest.SQLite(f)
	fx := newFixture(f, db)
	ctx := as(fx.admin)
	f.Fuzz(func(t *testing.T, name string, delta int8) {
		before, err := fx.svc.ListCategories(ctx)
		if err != nil {
			t.Fatal(err)
		}
		c, err := fx.svc.CreateCategory(ctx, rules.CategoryInput{Name: &name})
		if err != nil {
			if desk.ErrorCode(err) != desk.EINVALID {
				t.Fatalf("create %q: %v, want invalid or stored", name, err)
			}
			if after, _ := fx.svc.ListCategories(ctx); len(after) != len(before) {
				t.Fatalf("a refused create %q stored something", name)
			}
			return
		}
		want := strings.TrimSpace(name)
		if c.Name != want || !utf8.ValidString(c.Name) || strings.ContainsFunc(c.Name, unicode.IsControl) {
			t.Fatalf("create %q stored %q", name, c.Name)
		}
		id := catID(t, c)
		renamed := name + name
		if u, err := fx.svc.UpdateCategory(ctx, id, rules.CategoryInput{Name: &renamed}); err == nil && u.Name != strings.TrimSpace(renamed) {
			t.Fatalf("rename %q stored %q", renamed, u.Name)
		} else if err != nil && desk.ErrorCode(err) != desk.EINVALID {
			t.Fatalf("rename %q: %v", renamed, err)
		}
		if err := fx.svc.MoveCategory(ctx, id, int(delta)); err != nil && desk.ErrorCode(err) != desk.EINVALID {
			t.Fatalf("move by %d: %v", delta, err)
		} else if err == nil && delta != 1 && delta != -1 {
			t.Fatalf("move by %d accepted", delta)
		}
		if err := fx.svc.DeleteCategory(ctx, id); err != nil {
			t.Fatalf("delete: %v", err)
		}
	})
}
