package ticket_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/events"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// BenchmarkList measures the API's ticket list without HTTP: one page of
// 100 tickets, newest first, with their collaborators, from 1,000 tickets of
// which every fourth has a follower and a CC. It is what `frontdesk bench
// --lists` asks for, less the token, the JSON and the sideloads.
func BenchmarkList(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchList(b, storetest.SQLite(b)) })
	if storetest.PostgresURL() != "" {
		b.Run("postgres", func(b *testing.B) { benchList(b, storetest.Postgres(b)) })
	}
}

func benchList(b *testing.B, db *store.DB) {
	bus := events.New()
	svc := ticket.New(db, bus, nil)
	ppl := people.New(db, bus)
	sys := desk.SystemContext(context.Background())
	name, email, role := "Bench Agent", "bench@desk.test", desk.RoleAdmin
	u, err := ppl.CreateUser(sys, people.UserInput{Name: &name, Email: &email, Role: &role})
	if err != nil {
		b.Fatal(err)
	}
	ctx := desk.WithPrincipal(context.Background(), &desk.Principal{UserID: u.ID, Role: desk.RoleAdmin, Email: email, Via: "api"})
	withCollaborators := 0
	for i := range 1000 {
		subj := fmt.Sprintf("Printer %d is on fire", i)
		in := ticket.Input{Subject: &subj, Comment: &ticket.CommentInput{Body: "It started smoking this morning and now there are flames."},
			Requester: &ticket.RequesterInput{Name: "Customer", Email: fmt.Sprintf("c%d@example.com", i%50)}}
		if i%4 == 0 {
			in.FollowerIDs, in.EmailCCIDs = &[]int64{u.ID}, &[]int64{u.ID}
		}
		t, _, err := svc.Create(ctx, in)
		if err != nil {
			b.Fatal(err)
		}
		if len(t.FollowerIDs) > 0 && len(t.EmailCCIDs) > 0 {
			withCollaborators++
		}
	}
	if withCollaborators != 250 {
		b.Fatalf("%d tickets have collaborators, want 250", withCollaborators)
	}
	b.ResetTimer()
	for b.Loop() {
		ts, _, err := svc.List(ctx, ticket.ListFilter{Desc: true, Limit: 100})
		if err != nil || len(ts) != 100 || len(ts[0].CollaboratorIDs)+len(ts[1].CollaboratorIDs)+len(ts[2].CollaboratorIDs)+len(ts[3].CollaboratorIDs) != 1 {
			b.Fatalf("%d tickets, %v", len(ts), err)
		}
	}
}
