package bulk_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/frontdesk/frontdesk/internal/bulk"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/jobs"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

func TestBulkJobsRoundTripInputs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		sys := desk.SystemContext(ctx)
		email, name, role := "agent@bulk.test", "Agent", desk.RoleAgent
		ppl := people.New(db, nil)
		u, err := ppl.CreateUser(sys, people.UserInput{Email: &email, Name: &name, Role: &role})
		if err != nil {
			t.Fatal(err)
		}
		agent := desk.WithPrincipal(ctx, &desk.Principal{UserID: u.ID, Role: desk.RoleAgent})
		tickets := ticket.New(db, nil, nil)
		svc := &bulk.Service{DB: db, Tickets: tickets}
		runner := jobs.NewRunner(db, slog.New(slog.NewTextHandler(io.Discard, nil)))
		svc.Register(runner)
		drain := func() {
			for {
				found, err := runner.RunOnce(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if !found {
					return
				}
			}
		}
		in := []ticket.Input{
			{Comment: &ticket.CommentInput{Body: "one"}, Requester: &ticket.RequesterInput{Email: "c1@bulk.test"}, AssigneeID: desk.SetID(u.ID), Priority: desk.NullString{Set: true, Value: "high"}},
			{Comment: &ticket.CommentInput{Body: "two"}, Requester: &ticket.RequesterInput{Email: "not-an-email"}},
		}
		st, err := svc.CreateTickets(agent, in)
		if err != nil || st.Status != "queued" {
			t.Fatalf("%+v %v", st, err)
		}
		drain()
		st, err = svc.Get(agent, st.ID)
		if err != nil || st.Status != "completed" || len(st.Results) != 2 {
			t.Fatalf("%+v %v", st, err)
		}
		if st.Results[0]["success"] != true || st.Results[1]["success"] != false {
			t.Fatalf("results %v", st.Results)
		}
		id := int64(st.Results[0]["id"].(float64))
		tk, err := tickets.Get(agent, id)
		if err != nil || tk.AssigneeID == nil || *tk.AssigneeID != u.ID || *tk.Priority != "high" {
			t.Fatalf("ticket from job lost fields: %+v %v", tk, err)
		}
		// One change applied to many, including clearing a field with null.
		st, _ = svc.UpdateTickets(agent, []int64{id}, &ticket.Input{AssigneeID: desk.SetID(0)}, nil)
		drain()
		tk, _ = tickets.Get(agent, id)
		if tk.AssigneeID != nil {
			t.Fatal("null assignee_id did not survive the job round trip")
		}
		st, _ = svc.DestroyTickets(agent, []int64{id})
		drain()
		if _, err := tickets.Get(agent, id); desk.ErrorCode(err) != desk.ENOTFOUND {
			t.Fatalf("destroy_many: %v", err)
		}
		// Job statuses are private to their creator.
		other := desk.WithPrincipal(ctx, &desk.Principal{UserID: u.ID + 999, Role: desk.RoleAgent})
		if _, err := svc.Get(other, st.ID); desk.ErrorCode(err) != desk.ENOTFOUND {
			t.Fatalf("foreign job status: %v", err)
		}
		if _, err := svc.CreateTickets(agent, make([]ticket.Input, 101)); desk.ErrorCode(err) != desk.EINVALID {
			t.Fatalf("101 records: %v", err)
		}
	})
}
