package ticket_test

import (
	"context"
	"errors"
	"testing"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/settings"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// The assign-on-solve rule is read through the typed settings service: a
// stored value that cannot be read refuses the change instead of guessing.
func TestAssignOnSolveFailsClosed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.svc.Settings = settings.New(db, f.bus)
		tk := mustCreate(t, f, f.alice, ticket.Input{Subject: str("Help"), Comment: &ticket.CommentInput{Body: "Please"}})
		// A damaged row, as a hand edit or a bad restore would leave.
		if _, err := db.Exec(context.Background(), `INSERT INTO settings (key, value) VALUES (?, 'yes')`,
			ticket.SettingAssignOnSolve); err != nil {
			t.Fatal(err)
		}
		_, _, err := f.svc.Update(as(f.agent), tk.ID, ticket.Input{Status: str("solved")})
		if !errors.Is(err, settings.ErrCorrupt) {
			t.Fatalf("solve with an unreadable rule: %v, want the read error", err)
		}
		if got, err := f.svc.Get(as(f.agent), tk.ID); err != nil || got.Status == "solved" || got.AssigneeID != nil {
			t.Fatalf("ticket changed anyway: %+v %v", got, err)
		}
		// Set through the service, the rule applies (and the cache follows).
		sys := desk.SystemContext(context.Background())
		if err := settings.AssignOnSolve.Set(sys, f.svc.Settings, false); err != nil {
			t.Fatal(err)
		}
		_, _, err = f.svc.Update(as(f.agent), tk.ID, ticket.Input{Status: str("solved")})
		wantAssigneeRequired(t, err)
		if err := settings.AssignOnSolve.Set(sys, f.svc.Settings, true); err != nil {
			t.Fatal(err)
		}
		got, _, err := f.svc.Update(as(f.agent), tk.ID, ticket.Input{Status: str("solved")})
		if err != nil || got.Status != "solved" || got.AssigneeID == nil || *got.AssigneeID != f.agent.UserID {
			t.Fatalf("solve once assign-on-solve is on: %+v %v", got, err)
		}
	})
}

func wantAssigneeRequired(t *testing.T, err error) {
	t.Helper()
	var de *desk.Error
	if !errors.As(err, &de) || de.Code != desk.EINVALID || len(de.Details["base"]) != 1 || de.Details["base"][0].TicketFieldType != "FieldAssignee" ||
		de.Details["base"][0].Description != ticket.AssigneeRequiredToSolve {
		t.Fatalf("got %v, want RecordInvalid on assignee_id", err)
	}
}

// Assign on solve (on by default, as in Zendesk): the solving agent becomes
// the assignee in the same audit, with their default group; requesters, the
// system and agents outside the ticket's group are refused; an assigned
// ticket keeps its assignee; clearing the assignee of a solved ticket is
// refused; a merge closes its source without one.
func TestAssignOnSolve(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		newTicket := func() *desk.Ticket {
			return mustCreate(t, f, f.alice, ticket.Input{Subject: str("Help"), Comment: &ticket.CommentInput{Body: "Please"}})
		}

		// An agent solves an unassigned ticket: one audit holds the status,
		// the assignee and the group the agent's default group gave it.
		tk := newTicket()
		got, audit, err := f.svc.Update(as(f.agent), tk.ID, ticket.Input{Status: str("solved"),
			Comment: &ticket.CommentInput{Body: "Fixed"}})
		if err != nil || got.Status != "solved" || got.AssigneeID == nil || *got.AssigneeID != f.agent.UserID ||
			got.GroupID == nil || *got.GroupID != f.support {
			t.Fatalf("agent solve: %+v %v", got, err)
		}
		fields := map[string]any{}
		for _, ev := range audit.Events {
			if ev.Type == "Change" {
				fields[ev.FieldName] = ev.Value
			}
		}
		if fields["status"] != "solved" || fields["assignee_id"] == nil || fields["group_id"] == nil {
			t.Fatalf("one audit should hold status, assignee and group: %+v", audit.Events)
		}
		audits, _, err := f.svc.Audits(as(f.agent), tk.ID, 0, 100)
		if err != nil || len(audits) != 2 {
			t.Fatalf("audits: %d %v (want create + solve)", len(audits), err)
		}

		// An admin (as with an admin's API token) is assigned the same way.
		tk = newTicket()
		got, _, err = f.svc.Update(as(f.admin), tk.ID, ticket.Input{Status: str("solved")})
		if err != nil || got.AssigneeID == nil || *got.AssigneeID != f.admin.UserID {
			t.Fatalf("admin solve: %+v %v", got, err)
		}

		// Creating a ticket as solved assigns its creator.
		got = mustCreate(t, f, f.agent, ticket.Input{Subject: str("Phone call"), Status: str("solved"),
			RequesterID: desk.SetID(f.alice.UserID), Comment: &ticket.CommentInput{Body: "Answered on the phone"}})
		if got.Status != "solved" || got.AssigneeID == nil || *got.AssigneeID != f.agent.UserID {
			t.Fatalf("create solved: %+v", got)
		}

		// A ticket with an assignee keeps it, whoever solves it.
		tk = newTicket()
		if _, _, err := f.svc.Update(as(f.agent), tk.ID, ticket.Input{AssigneeID: desk.SetID(f.agent.UserID)}); err != nil {
			t.Fatal(err)
		}
		got, _, err = f.svc.Update(as(f.admin), tk.ID, ticket.Input{Status: str("solved")})
		if err != nil || *got.AssigneeID != f.agent.UserID {
			t.Fatalf("solve assigned: %+v %v", got, err)
		}
		// Clearing the assignee of a solved ticket is refused.
		_, _, err = f.svc.Update(as(f.admin), tk.ID, ticket.Input{AssigneeID: desk.SetID(0)})
		wantAssigneeRequired(t, err)

		// An agent outside the ticket's group cannot become its assignee.
		tk = newTicket()
		if _, _, err := f.svc.Update(as(f.agent), tk.ID, ticket.Input{GroupID: desk.SetID(f.support)}); err != nil {
			t.Fatal(err)
		}
		_, _, err = f.svc.Update(as(f.outsider), tk.ID, ticket.Input{Status: str("solved")})
		if code(err) != desk.EINVALID {
			t.Fatalf("outsider solve: %v", err)
		}
		if got, _ := f.svc.Get(as(f.agent), tk.ID); got.Status == "solved" || got.AssigneeID != nil {
			t.Fatalf("refused solve changed the ticket: %+v", got)
		}

		// A requester solving an unassigned request is refused (nobody to
		// assign), through the ticket API and the Requests API alike.
		tk = newTicket()
		_, _, err = f.svc.Update(as(f.alice), tk.ID, ticket.Input{Status: str("solved")})
		wantAssigneeRequired(t, err)
		yes := ticket.Flag(true)
		_, err = f.svc.UpdateRequest(as(f.alice), tk.ID, ticket.RequestInput{Solved: &yes})
		wantAssigneeRequired(t, err)
		req, err := f.svc.Request(as(f.alice), tk.ID)
		if err != nil || req.CanBeSolvedByMe {
			t.Fatalf("can_be_solved_by_me of an unassigned request: %+v %v", req, err)
		}
		// Staff using the Requests API act as requesters: no assignment.
		_, err = f.svc.UpdateRequest(as(f.agent), tk.ID, ticket.RequestInput{Solved: &yes})
		if code(err) != desk.EINVALID && code(err) != desk.ENOTFOUND {
			t.Fatalf("agent solving through the Requests API: %v", err)
		}
		// Once assigned, the requester may solve it.
		if _, _, err := f.svc.Update(as(f.agent), tk.ID, ticket.Input{AssigneeID: desk.SetID(f.agent.UserID)}); err != nil {
			t.Fatal(err)
		}
		if req, err := f.svc.Request(as(f.alice), tk.ID); err != nil || !req.CanBeSolvedByMe {
			t.Fatalf("can_be_solved_by_me of an assigned request: %+v %v", req, err)
		}
		if r, err := f.svc.UpdateRequest(as(f.alice), tk.ID, ticket.RequestInput{Solved: &yes}); err != nil || !r.Solved {
			t.Fatalf("requester solve: %+v %v", r, err)
		}

		// Rule actions through EditTx: an agent acting is assigned; the
		// system (automations) is refused.
		sys := desk.SystemContext(context.Background())
		tk = newTicket()
		solve := func(e *ticket.Edit) error { s := "solved"; return e.SetStatus(&s) }
		err = db.InTx(sys, func(tx *store.Tx) error { _, _, err := f.svc.EditTx(sys, tx, tk.ID, solve); return err })
		wantAssigneeRequired(t, err)
		err = db.InTx(as(f.agent), func(tx *store.Tx) error {
			got, _, err = f.svc.EditTx(as(f.agent), tx, tk.ID, solve)
			return err
		})
		if err != nil || got.AssigneeID == nil || *got.AssigneeID != f.agent.UserID {
			t.Fatalf("EditTx solve as an agent: %+v %v", got, err)
		}

		// A merge closes its unassigned source: not a solve, no assignee.
		src, dst := newTicket(), newTicket()
		if err := f.svc.Merge(as(f.agent), dst.ID, ticket.MergeInput{IDs: []int64{src.ID}}); err != nil {
			t.Fatalf("merge: %v", err)
		}
		if got, err := f.svc.Get(as(f.agent), src.ID); err != nil || got.Status != "closed" || got.AssigneeID != nil {
			t.Fatalf("merged source: %+v %v", got, err)
		}
	})
}
