package ticket_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/events"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// BenchmarkCreate measures the create path (the API's hot path without
// HTTP) on SQLite, and on PostgreSQL when FRONTDESK_TEST_DATABASE_URL is set: concurrent agents raising tickets for new and known
// requesters, with tags and a priority, as the bench command does.
func BenchmarkCreate(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchCreate(b, storetest.SQLite(b)) })
	if storetest.PostgresURL() != "" {
		b.Run("postgres", func(b *testing.B) { benchCreate(b, storetest.Postgres(b)) })
	}
}

func benchCreate(b *testing.B, db *store.DB) {
	bus := events.New()
	svc := ticket.New(db, bus, nil)
	ppl := people.New(db, bus)
	sys := desk.SystemContext(context.Background())
	name, email, role := "Bench Agent", "bench@desk.test", desk.RoleAgent
	u, err := ppl.CreateUser(sys, people.UserInput{Name: &name, Email: &email, Role: &role})
	if err != nil {
		b.Fatal(err)
	}
	ctx := desk.WithPrincipal(context.Background(), &desk.Principal{UserID: u.ID, Role: desk.RoleAgent, Email: email, Via: "api"})
	var n atomic.Int64
	b.SetParallelism(8) // 8 × GOMAXPROCS writers, like the bench command's clients
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			subj := fmt.Sprintf("Printer %d is on fire", i)
			tags := []string{"printer", "fire"}
			_, _, err := svc.Create(ctx, ticket.Input{
				Subject:   &subj,
				Comment:   &ticket.CommentInput{Body: "It started smoking this morning and now there are flames."},
				Requester: &ticket.RequesterInput{Name: "Customer", Email: fmt.Sprintf("c%d@example.com", i%500)},
				Priority:  desk.NullString{Set: true, Value: "high"},
				Tags:      &tags,
			})
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
}
