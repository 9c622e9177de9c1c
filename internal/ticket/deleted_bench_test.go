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

// BenchmarkDeletedTickets measures one page of the deleted-tickets list
// (with each entry's actor, from its last audit) over 1,000 deleted tickets,
// sorted by deletion time, newest first.
func BenchmarkDeletedTickets(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchDeleted(b, storetest.SQLite(b)) })
	if storetest.PostgresURL() != "" {
		b.Run("postgres", func(b *testing.B) { benchDeleted(b, storetest.Postgres(b)) })
	}
}

func benchDeleted(b *testing.B, db *store.DB) {
	bus := events.New()
	svc := ticket.New(db, bus, nil)
	ppl := people.New(db, bus)
	sys := desk.SystemContext(context.Background())
	name, email, role := "Bench Admin", "bench-admin@desk.test", desk.RoleAdmin
	u, err := ppl.CreateUser(sys, people.UserInput{Name: &name, Email: &email, Role: &role})
	if err != nil {
		b.Fatal(err)
	}
	ctx := desk.WithPrincipal(context.Background(), &desk.Principal{UserID: u.ID, Role: desk.RoleAdmin, Email: email, Via: "api"})
	for i := range 1000 {
		subj := fmt.Sprintf("Old ticket %d", i)
		t, _, err := svc.Create(ctx, ticket.Input{Subject: &subj, Comment: &ticket.CommentInput{Body: "Obsolete"},
			Requester: &ticket.RequesterInput{Name: "Customer", Email: fmt.Sprintf("c%d@example.com", i%50)}})
		if err != nil {
			b.Fatal(err)
		}
		if err := svc.Delete(ctx, t.ID); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		ds, _, err := svc.DeletedTickets(ctx, ticket.ListFilter{SortBy: "deleted_at", Desc: true, Limit: 100})
		if err != nil || len(ds) != 100 {
			b.Fatalf("%d %v", len(ds), err)
		}
	}
}
