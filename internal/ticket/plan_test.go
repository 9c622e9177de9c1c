package ticket_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// TestPagePlanReadsOnlyThePage: on PostgreSQL, a page of tickets reads the
// page, not the table, in both its statements: the page's rows, then its
// tickets' collaborators and incidents. has_incidents (whether any ticket
// names a row as its problem) once made the planner hash every ticket's
// problem_id with a scan of the whole table on each list: 60 ms a page at
// 100,000 tickets. The planner only does that with many rows, so the test
// loads 20,000, a fifth of them incidents.
func TestPagePlanReadsOnlyThePage(t *testing.T) {
	if storetest.PostgresURL() == "" {
		t.Skip("PostgreSQL only (FRONTDESK_TEST_DATABASE_URL)")
	}
	db := storetest.Postgres(t)
	f := newFixture(t, db)
	ctx := context.Background()
	if _, err := db.Exec(ctx, `INSERT INTO tickets (subject, status, status_rank, requester_id, submitter_id, via_channel, created_at, updated_at, problem_id)
		SELECT 'bulk', 'open', 1, ?, ?, 'api', g, g, CASE WHEN g % 5 = 0 THEN g / 5 END FROM generate_series(1, 20000) g`, f.alice.UserID, f.alice.UserID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, `ANALYZE tickets`); err != nil {
		t.Fatal(err)
	}
	ids := make([]int64, 100) // a page
	for i := range ids {
		ids[i] = int64(1000 + i)
	}
	relations, args := ticket.RelationsQuery(db, ids)
	for _, c := range []struct {
		name, q string
		args    []any
	}{
		{"page", `SELECT ` + ticket.TicketColumns + ` FROM tickets t WHERE t.deleted_at = 0 ORDER BY t.id LIMIT 101`, nil},
		{"relations", relations, args},
	} {
		p := explain(t, db, c.q, c.args...)
		if strings.Contains(p, "Seq Scan on tickets") || strings.Contains(p, "hashed SubPlan") {
			t.Errorf("the %s statement scans the table:\n%s", c.name, p)
		}
	}
	// The relations' text is the same for any page (its ids are one array
	// parameter), so PostgreSQL soon runs it with a generic plan, made
	// without the ids: that plan must probe the indexes too.
	if len(args) != 2 {
		t.Fatalf("the relations statement takes %d arguments, want 2 arrays", len(args))
	}
	generic := `PREPARE relations(bigint[], bigint[]) AS ` + relations
	for i := 1; strings.Contains(generic, "?"); i++ {
		generic = strings.Replace(generic, "?", "$"+strconv.Itoa(i), 1)
	}
	if err := db.InTx(ctx, func(tx *store.Tx) error {
		for _, q := range []string{`SET LOCAL plan_cache_mode = force_generic_plan`, generic} {
			if _, err := tx.Exec(ctx, q); err != nil {
				return err
			}
		}
		rows, err := tx.Query(ctx, `EXPLAIN EXECUTE relations('{1000,1001}', '{1000,1001}')`)
		if err != nil {
			return err
		}
		defer rows.Close()
		var plan []string
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				return err
			}
			plan = append(plan, line)
		}
		if p := strings.Join(plan, "\n"); strings.Contains(p, "Seq Scan") {
			t.Errorf("the relations statement's generic plan scans a table:\n%s", p)
		} else {
			t.Logf("generic plan:\n%s", p)
		}
		_, err = tx.Exec(ctx, `DEALLOCATE relations`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

func explain(t *testing.T, db *store.DB, q string, args ...any) string {
	t.Helper()
	rows, err := db.Query(context.Background(), `EXPLAIN `+q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, line)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(plan, "\n")
}

// TestListPlannedOnce checks, on PostgreSQL, that the ticket list's
// statement gets a generic plan: planned once per connection, not on every
// execution. Planning the list with its visibility rule cost more than
// running it (store.Page says why a LIMIT parameter prevented it); with
// `LIMIT ?` this test fails, every execution being custom-planned. A
// generic plan for `LIMIT $n` assumes it reads a tenth of the table, which
// on a few tickets still looks cheap, so the test loads 20,000.
func TestListPlannedOnce(t *testing.T) {
	if storetest.PostgresURL() == "" {
		t.Skip("PostgreSQL only (FRONTDESK_TEST_DATABASE_URL)")
	}
	db := storetest.Postgres(t)
	f := newFixture(t, db)
	ctx := as(f.admin)
	if _, err := db.Exec(ctx, `INSERT INTO tickets (subject, status, status_rank, requester_id, submitter_id, via_channel, created_at, updated_at)
		SELECT 'bulk', 'open', 1, ?, ?, 'api', g, g FROM generate_series(1, 20000) g`, f.alice.UserID, f.alice.UserID); err != nil {
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
		ts, _, err := f.svc.List(ctx, ticket.ListFilter{Limit: 10})
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
