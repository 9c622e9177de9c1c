package server_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// maxCreateStatements is, per store, what a ticket create sends inside its write
// transaction (BEGIN and COMMIT included) on a desk with the server's
// hooks wired (rules, SLA, webhooks, mail, search): for a known requester,
// with tags, through the one commit path. Round trips are what bounds
// creates on PostgreSQL (BENCHMARKS.md), so the count must not grow
// unnoticed; lower it here when a change removes one.
var maxCreateStatements = map[string]int{
	// BEGIN (with the configuration epoch in the same round trip),
	// requester, ticket+tags+search document, audit+comment, COMMIT.
	"postgres": 5,
	// BEGIN, requester, configuration epoch, ticket, tags, audit, comment,
	// search document, COMMIT: SQLite has no data-modifying CTEs, and its
	// statements are calls inside the one writer, not round trips.
	"sqlite": 9,
}

func TestCreateStatements(t *testing.T) {
	for name, u := range stores(t) {
		t.Run(name, func(t *testing.T) {
			app, _, cancel, _ := start(t, u)
			defer cancel()
			sys := desk.SystemContext(context.Background())
			nm, email, role := "Stmt Agent", "stmt-agent@desk.test", desk.RoleAgent
			agent, err := app.People.CreateUser(sys, people.UserInput{Name: &nm, Email: &email, Role: &role})
			if err != nil {
				t.Fatal(err)
			}
			ctx := desk.WithPrincipal(context.Background(), &desk.Principal{UserID: agent.ID, Role: desk.RoleAgent, Email: email, Via: "api"})
			create := func(ctx context.Context, i int) {
				subj := fmt.Sprintf("Printer %d is on fire", i)
				tags := []string{"printer", "fire"}
				if _, _, err := app.Tickets.Create(ctx, ticket.Input{Subject: &subj,
					Comment:   &ticket.CommentInput{Body: "It started smoking this morning."},
					Requester: &ticket.RequesterInput{Name: "Customer", Email: "known@customer.test"},
					Priority:  desk.NullString{Set: true, Value: "high"}, Tags: &tags}); err != nil {
					t.Fatal(err)
				}
			}
			create(ctx, 0) // the requester now exists; caches are warm
			var mu sync.Mutex
			var stmts []string
			create(store.TraceStatements(ctx, func(q string) {
				mu.Lock()
				stmts = append(stmts, strings.Join(strings.Fields(q), " "))
				mu.Unlock()
			}), 1)
			for i, q := range stmts {
				if len(q) > 160 {
					q = q[:160] + "…"
				}
				t.Logf("%2d %s", i+1, q)
			}
			if len(stmts) > maxCreateStatements[name] {
				t.Errorf("a create sent %d statements in its transaction, want at most %d", len(stmts), maxCreateStatements[name])
			}
		})
	}
}
