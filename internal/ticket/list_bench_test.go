package ticket_test

import (
	"fmt"
	"testing"

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
	f := newFixture(b, db)
	ctx := as(f.admin)
	for i := range 1000 {
		in := ticket.Input{Subject: str(fmt.Sprintf("Printer %d is on fire", i)),
			Comment:   &ticket.CommentInput{Body: "It started smoking this morning and now there are flames."},
			Requester: &ticket.RequesterInput{Name: "Customer", Email: fmt.Sprintf("c%d@example.com", i%50)}}
		if i%4 == 0 {
			in.FollowerIDs, in.EmailCCIDs = &[]int64{f.agent.UserID}, &[]int64{f.agent.UserID}
		}
		if _, _, err := f.svc.Create(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		ts, _, err := f.svc.List(ctx, ticket.ListFilter{Desc: true, Limit: 100})
		if err != nil || len(ts) != 100 {
			b.Fatalf("%d tickets, %v", len(ts), err)
		}
		// Newest first: tickets 999, 998, 997, 996, of which 996 has the
		// agent as follower and CC.
		if n := len(ts[0].CollaboratorIDs) + len(ts[1].CollaboratorIDs) + len(ts[2].CollaboratorIDs) + len(ts[3].CollaboratorIDs); n != 1 {
			b.Fatalf("%d collaborators on the first four tickets, want 1", n)
		}
	}
}
