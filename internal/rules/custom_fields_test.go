package rules_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/rules"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

type customFields struct{ integer, decimal, date, text, check int64 }

func (f *fixture) customFields(t *testing.T) customFields {
	t.Helper()
	sys := desk.SystemContext(context.Background())
	mk := func(typ, title string) int64 {
		fd, err := f.tickets.SaveField(sys, 0, ticket.FieldInput{Type: &typ, Title: &title})
		if err != nil {
			t.Fatalf("field %s: %v", typ, err)
		}
		return fd.ID
	}
	return customFields{integer: mk("integer", "Seats"), decimal: mk("decimal", "Amount"), date: mk("date", "Renewal"),
		text: mk("text", "Code"), check: mk("checkbox", "VIP")}
}

// Every custom field operator on integer, decimal and date fields (and a
// text and a checkbox field beside them) gives the same tickets in memory
// (Match) as in SQL (Compile), on both stores.
func TestCustomFieldOperatorsAgree(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		cf := f.customFields(t)
		values := []map[int64]any{
			{cf.integer: 5.0, cf.decimal: 2.5, cf.date: "2026-03-01", cf.text: "42", cf.check: true},
			{cf.integer: 10.0, cf.decimal: 2.0, cf.date: "2026-11-30", cf.text: "2026-05-05"},
			{cf.integer: -3.0, cf.decimal: 99.95, cf.date: "2025-12-31", cf.text: "abc", cf.check: false},
			{}, // no values at all
		}
		var tickets []*desk.Ticket
		for i, vals := range values {
			var list []desk.CustomFieldValue
			for id, v := range vals {
				list = append(list, desk.CustomFieldValue{ID: id, Value: v})
			}
			subject := fmt.Sprintf("custom %d", i)
			tk, _, err := f.tickets.Create(as(f.agent), ticket.Input{Subject: &subject, Comment: &ticket.CommentInput{Body: "b"},
				RequesterID: desk.SetID(f.alice.UserID), CustomFields: list})
			if err != nil {
				t.Fatalf("ticket %d: %v %v", i, err, failureDetails(err))
			}
			if tk, err = f.tickets.Get(as(f.admin), tk.ID); err != nil {
				t.Fatal(err)
			}
			tickets = append(tickets, tk)
		}
		field := func(id int64) string { return fmt.Sprintf("custom_fields_%d", id) }
		var cases []rules.Condition
		add := func(id int64, ops []string, vals ...any) {
			for _, op := range ops {
				for _, v := range vals {
					cases = append(cases, rules.Condition{Field: field(id), Operator: op, Value: v})
				}
			}
		}
		all := []string{"is", "is_not", "less_than", "greater_than"}
		add(cf.integer, all, 5, "5", 10, "7", -3, "0", "5.0", 5.5)
		add(cf.decimal, all, 2.5, "2", 2, "2.0", "99.95", 100, "-1")
		add(cf.date, all, "2026-03-01", "2026-06-15", "2025-12-31", "2027-01-01")
		add(cf.text, []string{"is", "is_not"}, "42", "abc", "")
		add(cf.text, []string{"less_than", "greater_than"}, 43, "2026-06-01")
		add(cf.check, []string{"is", "is_not"}, true, false)
		for _, id := range []int64{cf.integer, cf.decimal, cf.date} {
			add(id, []string{"present", "not_present"}, nil)
		}
		now := time.Now()
		for _, c := range cases {
			conds := rules.Conditions{All: []rules.Condition{c}}.Normalize()
			b := &rules.SQL{Dialect: db.Dialect, Now: now}
			where, err := f.reg.Compile(b, conds)
			if err != nil {
				t.Fatalf("%+v: %v", c, err)
			}
			rows, err := db.Query(context.Background(), `SELECT t.id FROM tickets t WHERE (`+where+`) AND t.subject LIKE 'custom %' ORDER BY t.id`, b.Args()...)
			if err != nil {
				t.Fatalf("%+v: %s: %v", c, where, err)
			}
			var got []int64
			for rows.Next() {
				var id int64
				if err := rows.Scan(&id); err != nil {
					t.Fatal(err)
				}
				got = append(got, id)
			}
			rows.Close()
			var want []int64
			for _, tk := range tickets {
				s := &rules.Subject{Change: &desk.TicketChange{Kind: desk.ChangeUpdate, Before: tk, After: tk}, Actor: f.admin, Now: now}
				if f.reg.Match(s, conds) {
					want = append(want, tk.ID)
				}
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s %s %v: SQL selects %v, Match %v (where %s)", c.Field, c.Operator, c.Value, got, want, where)
			}
		}
		// Spot checks that the comparisons compare what they should.
		id := func(i int) int64 { return tickets[i].ID }
		for _, c := range []struct {
			cond rules.Condition
			want []int64
		}{
			{rules.Condition{Field: field(cf.integer), Operator: "greater_than", Value: "4"}, []int64{id(0), id(1)}},
			{rules.Condition{Field: field(cf.integer), Operator: "less_than", Value: 5}, []int64{id(2)}},
			{rules.Condition{Field: field(cf.decimal), Operator: "is", Value: "2"}, []int64{id(1)}},
			{rules.Condition{Field: field(cf.decimal), Operator: "greater_than", Value: "2.4"}, []int64{id(0), id(2)}},
			{rules.Condition{Field: field(cf.date), Operator: "less_than", Value: "2026-06-15"}, []int64{id(0), id(2)}},
			{rules.Condition{Field: field(cf.date), Operator: "greater_than", Value: "2026-03-01"}, []int64{id(1)}},
			{rules.Condition{Field: field(cf.integer), Operator: "is_not", Value: "5"}, []int64{id(1), id(2), id(3)}},
			{rules.Condition{Field: field(cf.text), Operator: "greater_than", Value: "2026-01-01"}, []int64{id(1)}},
		} {
			var got []int64
			for i, tk := range tickets {
				s := &rules.Subject{Change: &desk.TicketChange{Kind: desk.ChangeUpdate, Before: tk, After: tk}, Actor: f.admin, Now: now}
				if f.reg.Match(s, rules.Conditions{All: []rules.Condition{c.cond}}) {
					got = append(got, id(i))
				}
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("%s %s %v: %v, want %v", c.cond.Field, c.cond.Operator, c.cond.Value, got, c.want)
			}
		}
	})
}

// Saving checks a custom field condition against the field's type: a
// value that is not a number for an integer field is refused (422 with
// details), as is comparing a text field or naming a field that does not
// exist; fitting values are saved, for triggers and automations alike.
func TestCustomFieldConditionsValidated(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		cf := f.customFields(t)
		field := func(id int64) string { return fmt.Sprintf("custom_fields_%d", id) }
		save := func(c rules.Condition) error {
			_, err := f.svc.CreateTrigger(as(f.admin), rules.TriggerInput{Title: str("cf"), Conditions: conds(c), Actions: acts(rules.Action{Field: "priority", Value: "high"})})
			return err
		}
		for _, c := range []struct {
			cond rules.Condition
			want string
		}{
			{rules.Condition{Field: field(cf.integer), Operator: "greater_than", Value: "many"}, "needs a number or a date"},
			{rules.Condition{Field: field(cf.integer), Operator: "is", Value: "many"}, "must be a whole number for an integer field"},
			{rules.Condition{Field: field(cf.integer), Operator: "less_than", Value: "2.5"}, "must be a whole number for an integer field"},
			{rules.Condition{Field: field(cf.decimal), Operator: "is", Value: "1,5"}, "must be a number for a decimal field"},
			{rules.Condition{Field: field(cf.date), Operator: "less_than", Value: "2026-13-45"}, "must be a date (YYYY-MM-DD) for a date field"},
			{rules.Condition{Field: field(cf.date), Operator: "greater_than", Value: 12}, "must be a date (YYYY-MM-DD) for a date field"},
			{rules.Condition{Field: field(cf.text), Operator: "greater_than", Value: 3}, "greater_than works only on integer, decimal and date fields"},
			{rules.Condition{Field: "custom_fields_987654", Operator: "is", Value: "x"}, "names no ticket field 987654"},
		} {
			err := save(c.cond)
			var de *desk.Error
			if !errors.As(err, &de) || de.Code != desk.EINVALID || len(de.Details["conditions"]) != 1 || !strings.Contains(de.Details["conditions"][0].Description, c.want) {
				t.Errorf("%s %s %v: %v %+v, want %q", c.cond.Field, c.cond.Operator, c.cond.Value, err, de, c.want)
			}
		}
		for _, c := range []rules.Condition{
			{Field: field(cf.integer), Operator: "greater_than", Value: "4"},
			{Field: field(cf.integer), Operator: "is", Value: ""},
			{Field: field(cf.decimal), Operator: "less_than", Value: 2.75},
			{Field: field(cf.date), Operator: "is_not", Value: "2026-01-31"},
			{Field: field(cf.text), Operator: "is", Value: "anything"},
		} {
			if err := save(c); err != nil {
				t.Errorf("%s %s %v refused: %v", c.Field, c.Operator, c.Value, err)
			}
		}
		_, err := f.svc.CreateAutomation(as(f.admin), rules.AutomationInput{Title: str("cf"), Conditions: &rules.Conditions{All: []rules.Condition{
			{Field: "status", Operator: "is", Value: "pending"}, {Field: "hours_since_pending", Operator: "greater_than", Value: "24"},
			{Field: field(cf.integer), Operator: "less_than", Value: "ten"}}},
			Actions: acts(rules.Action{Field: "status", Value: "solved"})})
		if desk.ErrorCode(err) != desk.EINVALID {
			t.Errorf("automation with a bad integer: %v", err)
		}
	})
}
