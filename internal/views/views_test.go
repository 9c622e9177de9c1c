package views_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"testing"

	"github.com/frontdesk/frontdesk/internal/attach"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/events"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/rules"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
	"github.com/frontdesk/frontdesk/internal/ticket"
	"github.com/frontdesk/frontdesk/internal/views"
)

// fixture: an admin; "restricted", an agent whose role sees only its
// groups' tickets (Support); "billing", a full agent in Billing; an
// end-user; and the services.
type fixture struct {
	db                            *store.DB
	tickets                       *ticket.Service
	svc                           *views.Service
	admin, restricted, billingAgt *desk.Principal
	customer                      *desk.Principal
	support, billing              int64
	sys                           context.Context
	// assignees are a member of each group.
	assignees map[int64]*desk.Principal
}

func newFixture(t testing.TB, db *store.DB) *fixture {
	t.Helper()
	blobs, err := attach.New(t.TempDir(), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	bus := events.New()
	f := &fixture{db: db, tickets: ticket.New(db, bus, blobs), sys: desk.SystemContext(context.Background())}
	f.svc = views.New(db, f.tickets, rules.NewRegistry(), bus)
	ppl := people.New(db, bus)
	mk := func(name, email string, role desk.Role) *desk.Principal {
		u, err := ppl.CreateUser(f.sys, people.UserInput{Name: &name, Email: &email, Role: &role})
		if err != nil {
			t.Fatal(err)
		}
		return &desk.Principal{UserID: u.ID, Role: role, Email: email, Via: "api"}
	}
	f.admin = mk("Ada Admin", "ada@desk.test", desk.RoleAdmin)
	f.restricted = mk("Rita Restricted", "rita@desk.test", desk.RoleAgent)
	f.restricted.Perms = &desk.Permissions{TicketAccess: desk.TicketAccessGroups, EditTicketProperties: true, PublicComments: true}
	f.billingAgt = mk("Bill Billing", "bill@desk.test", desk.RoleAgent)
	f.customer = mk("Carol Customer", "carol@example.com", desk.RoleEndUser)
	group := func(name string, members ...*desk.Principal) int64 {
		g, err := ppl.CreateGroup(f.sys, people.GroupInput{Name: &name})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range members {
			if _, err := ppl.AddMembership(f.sys, m.UserID, g.ID, true); err != nil {
				t.Fatal(err)
			}
		}
		return g.ID
	}
	f.support = group("Support", f.restricted)
	f.billing = group("Billing", f.billingAgt)
	f.assignees = map[int64]*desk.Principal{f.support: f.restricted, f.billing: f.billingAgt}
	return f
}

func as(p *desk.Principal) context.Context { return desk.WithPrincipal(context.Background(), p) }

func ptr[T any](v T) *T { return &v }

// ticket makes a ticket of the customer in group g with status and priority.
func (f *fixture) ticket(t *testing.T, subject string, g int64, status, priority string) *desk.Ticket {
	t.Helper()
	in := ticket.Input{Subject: &subject, Comment: &ticket.CommentInput{Body: "body"}, RequesterID: desk.SetID(f.customer.UserID),
		GroupID: desk.SetID(g), Status: &status}
	if priority != "" {
		in.Priority = desk.NullString{Set: true, Value: priority}
	}
	if status == "solved" || status == "pending" || status == "open" {
		in.AssigneeID = desk.SetID(f.assignees[g].UserID)
	}
	tk, _, err := f.tickets.Create(f.sys, in)
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

func raw(s string) json.RawMessage { return json.RawMessage(s) }

func ids(ts []*desk.Ticket) []int64 {
	var out []int64
	for _, t := range ts {
		out = append(out, t.ID)
	}
	return out
}

func TestViewOnlyShowsAndCountsVisibleTickets(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		var supportIDs []int64
		for _, s := range []string{"a", "b", "c"} {
			supportIDs = append(supportIDs, f.ticket(t, "support "+s, f.support, "open", "").ID)
		}
		f.ticket(t, "billing a", f.billing, "open", "")
		f.ticket(t, "billing b", f.billing, "open", "")
		f.ticket(t, "support solved", f.support, "solved", "")

		v, err := f.svc.Create(as(f.admin), views.Input{Title: ptr("Open"), All: raw(`[{"field":"status","operator":"is","value":"open"}]`)})
		if err != nil {
			t.Fatal(err)
		}
		if v.Restriction != nil || v.Personal() {
			t.Fatalf("an admin's view without restriction is shared: %+v", v.Restriction)
		}
		res, err := f.svc.Execute(as(f.admin), v.ID, views.Page{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Count != 5 || len(res.Tickets) != 5 {
			t.Fatalf("admin: count %d, %d tickets, want 5", res.Count, len(res.Tickets))
		}
		res, err = f.svc.Execute(as(f.restricted), v.ID, views.Page{})
		if err != nil {
			t.Fatal(err)
		}
		got := ids(res.Tickets)
		slices.Sort(got)
		if res.Count != 3 || !slices.Equal(got, supportIDs) {
			t.Fatalf("restricted agent: count %d, tickets %v, want only %v", res.Count, got, supportIDs)
		}
		n, err := f.svc.Count(as(f.restricted), v.ID)
		if err != nil || n != 3 {
			t.Fatalf("restricted count = %d, %v; want 3", n, err)
		}
		cs, err := f.svc.CountMany(as(f.restricted), []int64{v.ID})
		if err != nil || len(cs) != 1 || cs[0].Value != 3 {
			t.Fatalf("restricted count_many = %+v, %v", cs, err)
		}

		// A view shared with Billing only: invisible to the Support agent,
		// counted for the Billing agent.
		bv, err := f.svc.Create(as(f.admin), views.Input{Title: ptr("Billing open"), All: raw(`[{"field":"status","operator":"is","value":"open"}]`),
			Restriction: raw(`{"type":"Group","ids":[` + itoa(f.billing) + `]}`)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Execute(as(f.restricted), bv.ID, views.Page{}); desk.ErrorCode(err) != desk.ENOTFOUND {
			t.Fatalf("other group's view executed by the restricted agent: %v", err)
		}
		cs, err = f.svc.CountMany(as(f.restricted), []int64{v.ID, bv.ID})
		if err != nil || len(cs) != 1 || cs[0].ViewID != v.ID {
			t.Fatalf("count_many leaks another group's view: %+v, %v", cs, err)
		}
		if n, err := f.svc.Count(as(f.billingAgt), bv.ID); err != nil || n != 5 {
			t.Fatalf("billing agent count = %d, %v; want 5 (a full agent sees every ticket)", n, err)
		}
		list, err := f.svc.List(as(f.restricted), views.Filter{Usable: true})
		if err != nil || len(list) != 1 || list[0].ID != v.ID {
			t.Fatalf("restricted agent's usable views = %v, %v", list, err)
		}

		// End-users use no views.
		if _, err := f.svc.Execute(as(f.customer), v.ID, views.Page{}); desk.ErrorCode(err) != desk.EFORBIDDEN {
			t.Fatalf("end-user executed a view: %v", err)
		}
	})
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

func TestViewPagingAndSort(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		prios := []string{"low", "urgent", "normal", "high", "low", "urgent", "normal"}
		byID := map[int64]string{}
		for i, p := range prios {
			tk := f.ticket(t, "t"+itoa(int64(i)), f.support, "open", p)
			byID[tk.ID] = p
		}
		f.ticket(t, "closed out", f.support, "solved", "urgent")
		v, err := f.svc.Create(as(f.admin), views.Input{Title: ptr("By priority"),
			All:    raw(`[{"field":"status","operator":"less_than","value":"solved"}]`),
			Output: &views.OutputInput{Columns: []any{"nice_id", "subject", "priority"}, SortBy: ptr("priority"), SortOrder: ptr("desc")}})
		if err != nil {
			t.Fatal(err)
		}
		var seen []int64
		for page := 0; ; page++ {
			res, err := f.svc.Execute(as(f.admin), v.ID, views.Page{Offset: page * 3, Limit: 3})
			if err != nil {
				t.Fatal(err)
			}
			if res.Count != 7 {
				t.Fatalf("count %d, want 7", res.Count)
			}
			seen = append(seen, ids(res.Tickets)...)
			if want := page < 2; res.More != want {
				t.Fatalf("page %d: more = %v, want %v", page, res.More, want)
			}
			if !res.More {
				break
			}
		}
		if len(seen) != 7 || len(slices.Compact(slices.Sorted(slices.Values(seen)))) != 7 {
			t.Fatalf("pages did not cover the 7 tickets exactly once: %v", seen)
		}
		for i := 1; i < len(seen); i++ {
			a, b := desk.PriorityRank(byID[seen[i-1]]), desk.PriorityRank(byID[seen[i]])
			if a < b || a == b && seen[i-1] < seen[i] {
				t.Fatalf("not sorted by priority desc, then id desc: %v (%v)", seen, byID)
			}
		}
		// A sort override (Zendesk's execute ?sort_by=&sort_order=).
		res, err := f.svc.Execute(as(f.admin), v.ID, views.Page{SortBy: "nice_id", SortOrder: "asc"})
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(res.Tickets); !slices.IsSorted(got) || len(got) != 7 {
			t.Fatalf("sort_by=nice_id asc gave %v", got)
		}
		if _, err := f.svc.Execute(as(f.admin), v.ID, views.Page{SortBy: "nonsense"}); desk.ErrorCode(err) != desk.EINVALID {
			t.Fatalf("bad sort_by: %v", err)
		}
		row := views.Row(res.Tickets[0], v.Columns())
		if row["ticket_id"] != res.Tickets[0].ID || row["subject"] != res.Tickets[0].Subject || row["priority"] == nil {
			t.Fatalf("row %v", row)
		}
	})
}

func TestViewRulesOfWhoMayDoWhat(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		cond := raw(`[{"field":"status","operator":"is","value":"open"}]`)
		// An agent without manage_business_rules makes personal views only.
		pv, err := f.svc.Create(as(f.billingAgt), views.Input{Title: ptr("Mine"), All: cond})
		if err != nil {
			t.Fatal(err)
		}
		if !pv.Personal() || pv.Restriction == nil || pv.Restriction.ID != f.billingAgt.UserID {
			t.Fatalf("agent's view is not personal: %+v", pv.Restriction)
		}
		if _, err := f.svc.Create(as(f.billingAgt), views.Input{Title: ptr("Shared"), All: cond,
			Restriction: raw(`{"type":"Group","id":` + itoa(f.billing) + `}`)}); desk.ErrorCode(err) != desk.EINVALID {
			t.Fatalf("agent shared a view with a group: %v", err)
		}
		// Nobody else sees a personal view, not even an admin.
		if _, err := f.svc.Get(as(f.admin), pv.ID); desk.ErrorCode(err) != desk.ENOTFOUND {
			t.Fatalf("admin sees an agent's personal view: %v", err)
		}
		if err := f.svc.Delete(as(f.admin), pv.ID); desk.ErrorCode(err) != desk.ENOTFOUND {
			t.Fatalf("admin deleted an agent's personal view: %v", err)
		}
		// A shared view: agents use it, only managers change it.
		sv, err := f.svc.Create(as(f.admin), views.Input{Title: ptr("Shared"), All: cond})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Update(as(f.billingAgt), sv.ID, views.Input{Title: ptr("Hijacked")}); desk.ErrorCode(err) != desk.EFORBIDDEN {
			t.Fatalf("agent changed a shared view: %v", err)
		}
		manager := &desk.Principal{UserID: f.billingAgt.UserID, Role: desk.RoleAgent,
			Perms: &desk.Permissions{TicketAccess: desk.TicketAccessAll, ManageBusinessRules: true}}
		if _, err := f.svc.Update(as(manager), sv.ID, views.Input{Title: ptr("Renamed"), Active: ptr(false)}); err != nil {
			t.Fatalf("a manage_business_rules agent could not change a shared view: %v", err)
		}
		// Bad input: 422 with details, nothing stored.
		for name, in := range map[string]views.Input{
			"no title":      {All: cond},
			"unknown field": {Title: ptr("x"), All: raw(`[{"field":"nope","operator":"is","value":"1"}]`)},
			"bad operator":  {Title: ptr("x"), All: raw(`[{"field":"status","operator":"changed","value":"open"}]`)},
			"no condition":  {Title: ptr("x")},
			"bad column":    {Title: ptr("x"), All: cond, Output: &views.OutputInput{Columns: []any{"password"}}},
			"bad group_by":  {Title: ptr("x"), All: cond, Output: &views.OutputInput{Columns: []any{"subject"}, GroupBy: ptr("subject")}},
			"bad list":      {Title: ptr("x"), All: raw(`{"field":"status"}`)},
			"bad sort":      {Title: ptr("x"), All: cond, Output: &views.OutputInput{Columns: []any{"subject"}, SortOrder: ptr("sideways")}},
		} {
			_, err := f.svc.Create(as(f.admin), in)
			var de *desk.Error
			if desk.ErrorCode(err) != desk.EINVALID || !errorsAs(err, &de) || len(de.Details) == 0 {
				t.Errorf("%s: %v, want 422 with details", name, err)
			}
		}
		list, err := f.svc.List(as(f.admin), views.Filter{})
		if err != nil || len(list) != 1 {
			t.Fatalf("admin lists %d views (%v), want the one shared view", len(list), err)
		}
	})
}

// current_user in a view is whoever runs it.
func TestViewCurrentUser(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		mine := f.ticket(t, "assigned to Rita", f.support, "open", "")
		f.ticket(t, "assigned to Bill", f.billing, "open", "")
		v, err := f.svc.Create(as(f.restricted), views.Input{Title: ptr("Assigned to me"),
			All: raw(`[{"field":"assignee_id","operator":"is","value":"current_user"},{"field":"status","operator":"less_than","value":"solved"}]`)})
		if err != nil {
			t.Fatal(err)
		}
		res, err := f.svc.Execute(as(f.restricted), v.ID, views.Page{})
		if err != nil || len(res.Tickets) != 1 || res.Tickets[0].ID != mine.ID {
			t.Fatalf("Rita's own tickets: %v, %v", res, err)
		}
		// The same conditions, run by Bill, are Bill's tickets.
		bv, err := f.svc.Create(as(f.billingAgt), views.Input{Title: ptr("Assigned to me"), All: raw(`[{"field":"assignee_id","operator":"is","value":"current_user"}]`)})
		if err != nil {
			t.Fatal(err)
		}
		res, err = f.svc.Execute(as(f.billingAgt), bv.ID, views.Page{})
		if err != nil || len(res.Tickets) != 1 || res.Tickets[0].ID == mine.ID {
			t.Fatalf("Bill's own tickets: %v, %v", res, err)
		}
	})
}

func errorsAs(err error, de **desk.Error) bool { return errors.As(err, de) }
