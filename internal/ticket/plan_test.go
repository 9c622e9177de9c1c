package ticket_test

import (
	"context"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/store/storetest"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// TestPagePlanReadsOnlyThePage: on PostgreSQL, a page of tickets reads the
// page, not the table. has_incidents (whether any ticket names a row as its
// problem) once made the planner hash every ticket's problem_id with a
// scan of the whole table on each list: 60 ms a page at 100,000 tickets.
// The planner only does that with many rows, so the test loads 20,000.
func TestPagePlanReadsOnlyThePage(t *testing.T) {
	if storetest.PostgresURL() == "" {
		t.Skip("PostgreSQL only (FRONTDESK_TEST_DATABASE_URL)")
	}
	db := storetest.Postgres(t)
	f := newFixture(t, db)
	ctx := context.Background()
	if _, err := db.Exec(ctx, `INSERT INTO tickets (subject, status, status_rank, requester_id, submitter_id, via_channel, created_at, updated_at)
		SELECT 'bulk', 'open', 1, ?, ?, 'api', g, g FROM generate_series(1, 20000) g`, f.alice.UserID, f.alice.UserID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, `ANALYZE tickets`); err != nil {
		t.Fatal(err)
	}
	rows, err := db.Query(ctx, `EXPLAIN SELECT `+ticket.TicketColumns+` FROM tickets t WHERE t.deleted_at = 0 ORDER BY t.id LIMIT 101`)
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
	p := strings.Join(plan, "\n")
	if strings.Contains(p, "Seq Scan on tickets") || strings.Contains(p, "hashed SubPlan") {
		t.Fatalf("a page of tickets scans the table:\n%s", p)
	}
}
