package rules_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/rules"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// The SQL compiler agrees with the in-memory matcher: for every operator
// that both can run, the tickets the WHERE clause selects are exactly those
// Match accepts (as an update that changes nothing), on both stores.
func TestSQLAgreesWithMatch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := as(f.admin)
		var ids []int64
		for i, in := range []ticket.Input{
			{Priority: desk.NullString{Set: true, Value: "urgent"}, Type: desk.NullString{Set: true, Value: "incident"}, Tags: &[]string{"vip", "printer"}, GroupID: desk.SetID(f.support)},
			{Priority: desk.NullString{Set: true, Value: "low"}, Tags: &[]string{"printer"}, AssigneeID: desk.SetID(f.agent.UserID)},
			{Tags: &[]string{"other"}},
			{Priority: desk.NullString{Set: true, Value: "normal"}, Type: desk.NullString{Set: true, Value: "question"}},
		} {
			subject := fmt.Sprintf("Ticket %d about printers", i)
			if i == 2 {
				subject = "Invoice question_50%"
			}
			in.Subject = &subject
			in.Comment = &ticket.CommentInput{Body: "body"}
			in.RequesterID = desk.SetID(f.alice.UserID)
			tk, _, err := f.tickets.Create(as(f.agent), in)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, tk.ID)
		}
		pending := "pending"
		if _, _, err := f.tickets.Update(as(f.agent), ids[1], ticket.Input{Status: &pending}); err != nil {
			t.Fatal(err)
		}
		var tickets []*desk.Ticket
		for _, id := range ids {
			tk, err := f.tickets.Get(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			tickets = append(tickets, tk)
		}
		now := time.Now().Add(3*time.Hour + 30*time.Minute)
		var cases []rules.Condition
		add := func(field string, ops []string, values ...any) {
			for _, op := range ops {
				for _, v := range values {
					cases = append(cases, rules.Condition{Field: field, Operator: op, Value: v})
				}
			}
		}
		eq := []string{"is", "is_not"}
		add("status", append(eq, "less_than", "greater_than"), "new", "open", "pending", "solved")
		add("priority", append(eq, "less_than", "greater_than"), "low", "normal", "urgent")
		add("priority", eq, "")
		add("priority", []string{"present", "not_present"}, nil)
		add("type", eq, "incident", "question", "")
		add("group_id", eq, f.support, "")
		add("assignee_id", eq, f.agent.UserID, "")
		add("assignee_id", []string{"present", "not_present"}, nil)
		add("requester_id", eq, f.alice.UserID, f.agent.UserID)
		add("current_tags", []string{"includes", "not_includes"}, "vip", "printer other", "none")
		add("via_id", eq, "api", "web", 4)
		add("subject_includes_word", []string{"includes", "not_includes"}, "printers", "invoice nothing", "print", "voic")
		add("subject_includes_word", eq, "question_50%", "about print")
		add("locale_id", eq, "pl", "en")
		add("hours_since_created", []string{"greater_than", "less_than", "is"}, 2, 3, 4)
		add("hours_since_update", []string{"greater_than", "less_than", "is"}, 2, 3, 4)
		reg := f.reg
		for _, c := range cases {
			conds := rules.Conditions{All: []rules.Condition{c}}.Normalize()
			b := &rules.SQL{Dialect: db.Dialect, Now: now}
			where, err := reg.Compile(b, conds)
			if err != nil {
				t.Fatalf("%+v: %v", c, err)
			}
			rows, err := db.Query(context.Background(), `SELECT t.id FROM tickets t WHERE (`+where+`) ORDER BY t.id`, b.Args()...)
			if err != nil {
				t.Fatalf("%+v: %s: %v", c, where, err)
			}
			var got []int64
			for rows.Next() {
				var id int64
				rows.Scan(&id)
				got = append(got, id)
			}
			rows.Close()
			var want []int64
			for _, tk := range tickets {
				s := &rules.Subject{Change: &desk.TicketChange{Kind: desk.ChangeUpdate, Before: tk, After: tk, Via: tk.Via.Channel},
					Actor: f.admin, Now: now, RequesterLocale: func() string { return "pl" }}
				if reg.Match(s, conds) {
					want = append(want, tk.ID)
				}
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s %s %v: SQL selects %v, Match %v (where %s)", c.Field, c.Operator, c.Value, got, want, where)
			}
		}
	})
}
