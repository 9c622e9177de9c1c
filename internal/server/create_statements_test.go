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

// maxCreateStatements is, per store and requester, what a ticket create
// sends inside its write transaction (BEGIN and COMMIT included) on a desk
// with the server's hooks wired (rules, SLA, webhooks, mail, search),
// through the one commit path. Round trips are what bounds creates on
// PostgreSQL (BENCHMARKS.md), so the count must not grow unnoticed; lower
// it here when a change removes one.
var maxCreateStatements = map[string]map[string]int{
	"postgres": {
		// BEGIN (with the configuration epoch in the same round trip),
		// requester, ticket+tags+search document, audit+comment, COMMIT.
		"known requester": 5,
		// … and the new user with its identity and search document.
		"new requester": 6,
	},
	// BEGIN, requester, configuration epoch, ticket, tags, audit, comment,
	// search document, COMMIT: SQLite has no data-modifying CTEs, and its
	// statements are calls inside the one writer, not round trips.
	"sqlite": {
		"known requester": 9,
		// … and organization by domain, user, identity, search document
		// (delete and insert: SQLite may reuse a deleted user's id).
		"new requester": 14,
	},
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
			create := func(ctx context.Context, i int, requester string) *desk.Ticket {
				subj := fmt.Sprintf("Printer %d is on fire", i)
				tags := []string{"printer", "fire"}
				tk, _, err := app.Tickets.Create(ctx, ticket.Input{Subject: &subj,
					Comment:   &ticket.CommentInput{Body: "It started smoking this morning."},
					Requester: &ticket.RequesterInput{Name: "Customer", Email: requester},
					Priority:  desk.NullString{Set: true, Value: "high"}, Tags: &tags})
				if err != nil {
					t.Fatal(err)
				}
				return tk
			}
			create(ctx, 0, "known@customer.test") // the requester now exists; caches are warm
			for i, c := range []struct{ name, requester string }{
				{"known requester", "known@customer.test"},
				{"new requester", "new.customer@customer.test"},
			} {
				var mu sync.Mutex
				var stmts []string
				tk := create(store.TraceStatements(ctx, func(q string) {
					mu.Lock()
					stmts = append(stmts, strings.Join(strings.Fields(q), " "))
					mu.Unlock()
				}), i+1, c.requester)
				for j, q := range stmts {
					if len(q) > 160 {
						q = q[:160] + "…"
					}
					t.Logf("%s %2d %s", c.name, j+1, q)
				}
				// A tracer that heard nothing would pass any bound.
				if len(stmts) < 3 || stmts[0] != "BEGIN" || stmts[len(stmts)-1] != "COMMIT" {
					t.Errorf("%s: the tracer heard %q, not a whole transaction", c.name, stmts)
				}
				if want := maxCreateStatements[name][c.name]; len(stmts) > want {
					t.Errorf("%s: a create sent %d statements in its transaction, want at most %d", c.name, len(stmts), want)
				}
				// The requester is findable as before.
				us, err := app.People.SearchUsers(ctx, c.requester, 10)
				if err != nil {
					t.Fatal(err)
				}
				if len(us) != 1 || us[0].ID != tk.RequesterID {
					t.Errorf("%s: searching people for %s found %v, want user %d", c.name, c.requester, us, tk.RequesterID)
				}
			}
		})
	}
}
