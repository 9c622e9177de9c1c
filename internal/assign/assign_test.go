package assign_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/assign"
	"github.com/frontdesk/frontdesk/internal/attach"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/events"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/rules"
	"github.com/frontdesk/frontdesk/internal/settings"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

type fixture struct {
	t       *testing.T
	db      *store.DB
	ppl     *people.Service
	tickets *ticket.Service
	svc     *assign.Service
	sys     context.Context
	admin   *desk.Principal
	group   int64
	seq     int
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	blobs, err := attach.New(t.TempDir(), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	bus := events.New()
	f := &fixture{t: t, db: db, ppl: people.New(db, bus), tickets: ticket.New(db, bus, blobs), sys: desk.SystemContext(context.Background())}
	f.svc = assign.New(db, f.tickets, settings.New(db, bus))
	f.svc.Install()
	f.admin = f.user("Ada Admin", desk.RoleAdmin)
	name := "Support"
	g, err := f.ppl.CreateGroup(f.sys, people.GroupInput{Name: &name})
	if err != nil {
		t.Fatal(err)
	}
	f.group = g.ID
	return f
}

func (f *fixture) user(name string, role desk.Role) *desk.Principal {
	f.t.Helper()
	f.seq++
	email := fmt.Sprintf("u%d@desk.test", f.seq)
	u, err := f.ppl.CreateUser(f.sys, people.UserInput{Name: &name, Email: &email, Role: &role})
	if err != nil {
		f.t.Fatal(err)
	}
	return &desk.Principal{UserID: u.ID, Role: role, Email: email, Via: "api"}
}

// agent is a member of the fixture's group, signed in (a live session
// seen now) and online.
func (f *fixture) agent(name string) *desk.Principal {
	f.t.Helper()
	p := f.user(name, desk.RoleAgent)
	if _, err := f.ppl.AddMembership(f.sys, p.UserID, f.group, true); err != nil {
		f.t.Fatal(err)
	}
	f.session(p.UserID, time.Now())
	if _, err := f.svc.SetMine(as(p), assign.Online); err != nil {
		f.t.Fatal(err)
	}
	return p
}

func (f *fixture) session(uid int64, seen time.Time) {
	f.t.Helper()
	f.seq++
	if _, err := f.db.Exec(context.Background(), `INSERT INTO sessions (user_id, token_hash, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
		uid, fmt.Sprintf("hash-%d", f.seq), seen.UnixMicro(), seen.UnixMicro(), time.Now().Add(time.Hour).UnixMicro()); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) setGroup(mode assign.Mode, capacity int) {
	f.t.Helper()
	if _, err := f.svc.SetGroup(as(f.admin), f.group, assign.GroupUpdate{Mode: &mode, Capacity: &capacity}); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) newTicket() *desk.Ticket {
	f.t.Helper()
	tk, _, err := f.tickets.Create(as(f.admin), ticket.Input{Subject: str("Help"), Comment: &ticket.CommentInput{Body: "Please"},
		Requester: &ticket.RequesterInput{Name: "Customer", Email: "customer@example.com"}, GroupID: desk.SetID(f.group)})
	if err != nil {
		f.t.Fatal(err)
	}
	return tk
}

func as(p *desk.Principal) context.Context { return desk.WithPrincipal(context.Background(), p) }
func str(s string) *string                 { return &s }
func ptr[T any](v T) *T                    { return &v }
func assignee(t *desk.Ticket) int64 {
	if t.AssigneeID == nil {
		return 0
	}
	return *t.AssigneeID
}

// Round-robin takes the group's online agents in turn, in the ticket's own
// audit; away agents, offline agents and agents whose sessions are stale
// are skipped; with the group off nothing is assigned.
func TestRoundRobin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		a, b := f.agent("Ala"), f.agent("Bartek")
		if tk := f.newTicket(); tk.AssigneeID != nil {
			t.Fatalf("assigned with the group's assignment off: %d", *tk.AssigneeID)
		}
		f.setGroup(assign.ModeRoundRobin, 0)
		var got []int64
		for range 4 {
			tk, audit, err := f.tickets.Create(as(f.admin), ticket.Input{Subject: str("Help"), Comment: &ticket.CommentInput{Body: "Please"},
				GroupID: desk.SetID(f.group)})
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, assignee(tk))
			found := false
			for _, e := range audit.Events {
				if e.Type == "Create" && e.FieldName == "assignee_id" && fmt.Sprint(e.Value) == fmt.Sprint(assignee(tk)) {
					found = true
				}
			}
			if !found {
				t.Fatalf("no assignee event in the creating audit: %+v", audit.Events)
			}
			stored, err := f.tickets.Get(as(f.admin), tk.ID)
			if err != nil || assignee(stored) != assignee(tk) {
				t.Fatalf("stored ticket %+v %v", stored, err)
			}
		}
		want := []int64{a.UserID, b.UserID, a.UserID, b.UserID}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("round robin: %v, want %v", got, want)
		}
		// Away: skipped.
		if _, err := f.svc.SetMine(as(b), assign.Away); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if tk := f.newTicket(); assignee(tk) != a.UserID {
				t.Fatalf("with Bartek away: %d", assignee(tk))
			}
		}
		// Online but last seen long ago: counts as offline.
		c := f.user("Celina", desk.RoleAgent)
		if _, err := f.ppl.AddMembership(f.sys, c.UserID, f.group, true); err != nil {
			t.Fatal(err)
		}
		f.session(c.UserID, time.Now().Add(-2*time.Hour))
		av, err := f.svc.SetMine(as(c), assign.Online)
		if err != nil || av.Status != assign.Online || av.Effective != assign.Offline {
			t.Fatalf("stale session: %+v %v", av, err)
		}
		if _, err := f.svc.SetMine(as(a), assign.Offline); err != nil {
			t.Fatal(err)
		}
		if tk := f.newTicket(); tk.AssigneeID != nil {
			t.Fatalf("nobody available, yet assigned to %d", *tk.AssigneeID)
		}
	})
}

// A ticket moved into a group that assigns automatically is assigned in the
// moving update's audit.
func TestMoveIntoGroup(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		a := f.agent("Ala")
		f.setGroup(assign.ModeLeastBusy, 0)
		tk, _, err := f.tickets.Create(as(f.admin), ticket.Input{Subject: str("Help"), Comment: &ticket.CommentInput{Body: "Please"}})
		if err != nil || tk.AssigneeID != nil {
			t.Fatalf("create outside the group: %+v %v", tk, err)
		}
		got, audit, err := f.tickets.Update(as(f.admin), tk.ID, ticket.Input{GroupID: desk.SetID(f.group)})
		if err != nil || assignee(got) != a.UserID {
			t.Fatalf("moved: %+v %v", got, err)
		}
		var fields []string
		for _, e := range audit.Events {
			fields = append(fields, e.FieldName)
		}
		if fmt.Sprint(fields) != "[group_id assignee_id]" {
			t.Fatalf("audit fields %v", fields)
		}
	})
}

// Least-busy picks the agent holding the fewest unsolved tickets; capacity
// (the group's, or the agent's own) stops an agent getting more; a full
// group leaves tickets unassigned until the backlog job finds room.
func TestLeastBusyAndCapacity(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		a, b := f.agent("Ala"), f.agent("Bartek")
		// Ala already holds two tickets.
		for range 2 {
			if _, _, err := f.tickets.Create(as(f.admin), ticket.Input{Subject: str("Old"), Comment: &ticket.CommentInput{Body: "x"},
				GroupID: desk.SetID(f.group), AssigneeID: desk.SetID(a.UserID)}); err != nil {
				t.Fatal(err)
			}
		}
		f.setGroup(assign.ModeLeastBusy, 3)
		got := []int64{assignee(f.newTicket()), assignee(f.newTicket()), assignee(f.newTicket())}
		// Bartek (0) gets one, then both hold 2... ties go by rotation.
		if got[0] != b.UserID || got[1] != b.UserID {
			t.Fatalf("least busy: %v (Ala %d, Bartek %d)", got, a.UserID, b.UserID)
		}
		// Now Ala 2 or 3, Bartek 2 or 3: one more fills both to 3.
		if x := f.newTicket(); x.AssigneeID == nil {
			t.Fatal("room left, yet unassigned")
		}
		full := f.newTicket()
		if full.AssigneeID != nil {
			t.Fatalf("group capacity 3 exceeded: assigned to %d", *full.AssigneeID)
		}
		// Ala's own capacity, higher than the group's, wins.
		five := 5
		if _, err := f.svc.Set(as(f.admin), a.UserID, assign.Update{Capacity: &five}); err != nil {
			t.Fatal(err)
		}
		n, err := f.svc.AssignBacklog(f.sys)
		if err != nil || n != 1 {
			t.Fatalf("backlog: %d %v, want the waiting ticket", n, err)
		}
		for _, id := range []int64{full.ID} {
			tk, err := f.tickets.Get(as(f.admin), id)
			if err != nil || assignee(tk) != a.UserID {
				t.Fatalf("backlog ticket %d: %+v %v", id, tk, err)
			}
		}
		// An agent may not set their own capacity, nor another's status.
		if _, err := f.svc.Set(as(b), b.UserID, assign.Update{Capacity: &five}); desk.ErrorCode(err) != desk.EFORBIDDEN {
			t.Fatalf("agent sets capacity: %v", err)
		}
		on := assign.Online
		if _, err := f.svc.Set(as(b), a.UserID, assign.Update{Status: &on}); desk.ErrorCode(err) != desk.EFORBIDDEN {
			t.Fatalf("agent sets another's status: %v", err)
		}
		bad := assign.Status("busy")
		if _, err := f.svc.Set(as(b), b.UserID, assign.Update{Status: &bad}); desk.ErrorCode(err) != desk.EINVALID {
			t.Fatalf("bad status: %v", err)
		}
		if _, err := f.svc.List(as(b)); desk.ErrorCode(err) != desk.EFORBIDDEN {
			t.Fatalf("agent lists: %v", err)
		}
		list, err := f.svc.List(as(f.admin))
		if err != nil || len(list) != 3 {
			t.Fatalf("list: %+v %v", list, err)
		}
	})
}

// Two tickets created at once in a round-robin group go to two different
// agents, on both stores; with capacity 1 each, a third at once waits.
func TestRoundRobinConcurrent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		a, b := f.agent("Ala"), f.agent("Bartek")
		f.setGroup(assign.ModeRoundRobin, 1)
		var wg sync.WaitGroup
		got := make([]int64, 3)
		errs := make([]error, 3)
		for i := range got {
			wg.Go(func() {
				tk, _, err := f.tickets.Create(as(f.admin), ticket.Input{Subject: str("Help"), Comment: &ticket.CommentInput{Body: "Please"},
					GroupID: desk.SetID(f.group)})
				errs[i] = err
				if err == nil {
					got[i] = assignee(tk)
				}
			})
		}
		wg.Wait()
		count := map[int64]int{}
		for i, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
			count[got[i]]++
		}
		if count[a.UserID] != 1 || count[b.UserID] != 1 || count[0] != 1 {
			t.Fatalf("concurrent round robin: %v (Ala %d, Bartek %d)", got, a.UserID, b.UserID)
		}
	})
}

// Light agents never get tickets; the rule action rotates even in a group
// whose automatic assignment is off.
func TestEligibilityAndAction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		a := f.agent("Ala")
		tk := f.newTicket()
		if tk.AssigneeID != nil {
			t.Fatal("assigned with assignment off")
		}
		var got *desk.Ticket
		err := db.InTx(f.sys, func(tx *store.Tx) error {
			var err error
			got, _, err = f.tickets.EditTx(f.sys, tx, tk.ID, func(e *ticket.Edit) error { return f.svc.AssignAction(f.sys, tx, e) })
			return err
		})
		if err != nil || assignee(got) != a.UserID {
			t.Fatalf("rule action: %+v %v", got, err)
		}
		if _, err := f.svc.SetMine(as(a), assign.Offline); err != nil {
			t.Fatal(err)
		}
		f.setGroup(assign.ModeRoundRobin, 0)
		lid, err := f.ppl.LightAgentRoleID(f.sys)
		if err != nil {
			t.Fatal(err)
		}
		name, email, role := "Lena Light", "lena@desk.test", desk.RoleAgent
		u, err := f.ppl.CreateUser(f.sys, people.UserInput{Name: &name, Email: &email, Role: &role, CustomRoleID: &lid})
		if err != nil {
			t.Fatal(err)
		}
		light := &desk.Principal{UserID: u.ID, Role: role}
		if _, err := f.ppl.AddMembership(f.sys, u.ID, f.group, true); err != nil {
			t.Fatal(err)
		}
		f.session(u.ID, time.Now())
		if _, err := f.svc.Set(f.sys, u.ID, assign.Update{Status: ptr(assign.Online)}); err != nil {
			t.Fatal(err)
		}
		if x := f.newTicket(); x.AssigneeID != nil {
			t.Fatalf("light agent %d got ticket (assignee %d)", light.UserID, *x.AssigneeID)
		}
		if _, err := f.svc.SetMine(as(f.user("Eve", desk.RoleEndUser)), assign.Online); desk.ErrorCode(err) != desk.EFORBIDDEN {
			t.Fatalf("end-user availability: %v", err)
		}
	})
}

// The engine's assignee_id action takes "round_robin" once registered, and
// still takes ids.
func TestRuleAction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		a, b := f.agent("Ala"), f.agent("Bartek")
		r := rules.NewRegistry()
		acts := []rules.Action{{Field: "assignee_id", Value: assign.ActionValue}}
		if err := r.Validate(context.Background(), rules.KindMacro, rules.Conditions{}, acts); err == nil {
			t.Fatal("round_robin accepted before registration")
		}
		f.svc.RegisterRules(r)
		if err := r.Validate(context.Background(), rules.KindMacro, rules.Conditions{}, acts); err != nil {
			t.Fatalf("validate: %v", err)
		}
		run := func(id int64, acts []rules.Action) int64 {
			var got *desk.Ticket
			err := db.InTx(f.sys, func(tx *store.Tx) error {
				var err error
				got, _, err = f.tickets.EditTx(f.sys, tx, id, func(e *ticket.Edit) error {
					return r.Apply(&rules.ActionContext{Ctx: f.sys, Tx: tx, Edit: e, Actor: f.admin}, acts)
				})
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return assignee(got)
		}
		first, second := run(f.newTicket().ID, acts), run(f.newTicket().ID, acts)
		if first == second || (first != a.UserID && first != b.UserID) || (second != a.UserID && second != b.UserID) {
			t.Fatalf("round robin action: %d then %d", first, second)
		}
		if got := run(f.newTicket().ID, []rules.Action{{Field: "assignee_id", Value: fmt.Sprint(b.UserID)}}); got != b.UserID {
			t.Fatalf("id action: %d", got)
		}
	})
}
