package ticket_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/events"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// TestListPlannedOnce checks, on PostgreSQL, that the ticket list's
// statement gets a generic plan: planned once per connection, not on every
// execution. Planning the list with its visibility rule cost more than
// running it (store.Page says why a LIMIT parameter prevented it); with
// `LIMIT ?` this test fails, every execution being custom-planned.
func TestListPlannedOnce(t *testing.T) {
	if storetest.PostgresURL() == "" {
		t.Skip("PostgreSQL only (FRONTDESK_TEST_DATABASE_URL)")
	}
	db := storetest.Postgres(t)
	bus := events.New()
	svc := ticket.New(db, bus, nil)
	ppl := people.New(db, bus)
	sys := desk.SystemContext(context.Background())
	name, email, role := "Plan Agent", "plan@desk.test", desk.RoleAdmin
	u, err := ppl.CreateUser(sys, people.UserInput{Name: &name, Email: &email, Role: &role})
	if err != nil {
		t.Fatal(err)
	}
	ctx := desk.WithPrincipal(context.Background(), &desk.Principal{UserID: u.ID, Role: desk.RoleAdmin, Email: email, Via: "api"})
	for i := range 30 {
		subj := fmt.Sprintf("Printer %d", i)
		if _, _, err := svc.Create(ctx, ticket.Input{Subject: &subj, Comment: &ticket.CommentInput{Body: "Jammed."},
			Requester: &ticket.RequesterInput{Name: "Customer", Email: fmt.Sprintf("c%d@example.com", i%5)}}); err != nil {
			t.Fatal(err)
		}
	}
	// A generic plan for `LIMIT $n` assumes it reads a tenth of the table;
	// on a table of 30 tickets that still looks cheap, so the test copies
	// the last ticket 20,000 times (as a desk of that size would have) and
	// brings the planner's statistics up to date.
	var cols string
	if err := db.QueryRow(ctx, `SELECT string_agg(column_name, ', ') FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = 'tickets' AND column_name <> 'id'`).Scan(&cols); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, `INSERT INTO tickets (`+cols+`) SELECT `+cols+` FROM tickets, generate_series(1, 20000)
		WHERE id = (SELECT MAX(id) FROM tickets)`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, `ANALYZE tickets`); err != nil {
		t.Fatal(err)
	}
	// database/sql hands out idle connections oldest first, so 80 lists
	// from one goroutine run the statement at least 10 times on each of
	// the pool's (at most 8) connections; PostgreSQL weighs a generic plan
	// from the sixth execution on.
	for range 80 {
		ts, _, err := svc.List(ctx, ticket.ListFilter{Limit: 10})
		if err != nil || len(ts) != 10 {
			t.Fatalf("%d tickets, %v", len(ts), err)
		}
	}
	var generic, custom int64
	if err := db.QueryRow(ctx, `SELECT COALESCE(SUM(generic_plans), 0), COALESCE(SUM(custom_plans), 0) FROM pg_prepared_statements
		WHERE statement LIKE 'SELECT t.id, t.external_id%ORDER BY t.id ASC LIMIT %'`).Scan(&generic, &custom); err != nil {
		t.Fatal(err)
	}
	if generic == 0 {
		t.Fatalf("the list statement ran with %d custom plans and no generic one", custom)
	}
	t.Logf("generic plans %d, custom plans %d", generic, custom)
}
