package search

import (
	"context"
	"slices"
	"testing"

	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// TestPageThenCountIsTheOnePassAnswer checks that the two-query form of a
// page and its count (pageThenCount, SQLite plans that read their rows in
// order) returns exactly what the one-pass form (COUNT(*) OVER ()) does, for
// the benchmark's mix of words of every frequency band and conditions, on
// first pages, later pages, short last pages and pages past the end; and
// that the mix takes both forms, and the short-page shortcut, so each is
// compared.
func TestPageThenCountIsTheOnePassAnswer(t *testing.T) {
	s := bandService(t, storetest.SQLite(t), 2000, 500)
	ctx := as(agent)
	qs := append(slices.Clone(benchQueries), "status<solved", "status:open", "type:ticket priority>normal blank", "blank -battery")
	twoQueries, onePass, shortPage := 0, 0, 0
	for _, q := range qs {
		r, tgs := windowed(t, s, q)
		for _, tg := range tgs {
			if tg.public || tg.empty {
				continue
			}
			for _, pg := range [][2]int{{0, 25}, {25, 25}, {0, 100}, {100, 100}, {390, 100}, {480, 25}, {5000, 25}} {
				skip, want := pg[0], pg[1]
				wantIDs, wantN := onePassPage(t, r, tg, skip, want)
				ids, n, done, err := r.pageThenCount(ctx, tg, skip, want)
				if err != nil {
					t.Fatal(err)
				}
				if !done {
					onePass++
					continue
				}
				twoQueries++
				if len(ids) < want && len(ids) > 0 {
					shortPage++
				}
				if !slices.Equal(ids, wantIDs) || n != wantN {
					t.Errorf("%q %s skip %d want %d: two queries gave %d ids %v…, count %d; one pass %d ids %v…, count %d",
						q, tg.ent.typ, skip, want, len(ids), head(ids), n, len(wantIDs), head(wantIDs), wantN)
				}
			}
		}
	}
	if twoQueries == 0 || onePass == 0 || shortPage == 0 {
		t.Fatalf("the mix must take both forms and a short page: two queries %d, one pass %d, short pages %d", twoQueries, onePass, shortPage)
	}
}

// onePassPage is fetch's one-pass form: the page with the count beside
// each row, and the count query for a page past the end.
func onePassPage(t *testing.T, r *run, tg *target, skip, want int) ([]int64, int) {
	t.Helper()
	q, args := r.sql(tg, sqlCountedIDs)
	ids, n, err := queryCountedIDs(context.Background(), r.db, q+" LIMIT ? OFFSET ?", append(args, want, skip)...)
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) == 0 {
		cq, cargs := r.sql(tg, sqlCount)
		if err := r.db.QueryRow(context.Background(), cq, cargs...).Scan(&n); err != nil {
			t.Fatal(err)
		}
	}
	return ids, n
}

func head(ids []int64) []int64 { return ids[:min(len(ids), 5)] }

// windowed prepares the agent's search q and returns its run and the
// targets that apply to it, each compiled and with its window found: the
// state fetch builds its page and count queries from.
func windowed(t *testing.T, s *Service, q string) (*run, []*target) {
	t.Helper()
	ctx := as(agent)
	r, tgs, err := s.prepare(ctx, agent, q)
	if err != nil {
		t.Fatal(err)
	}
	var out []*target
	for _, tg := range tgs {
		if err := r.compile(ctx, tg); err != nil {
			t.Fatal(err)
		}
		if tg.never {
			continue
		}
		if err := r.window(ctx, tg); err != nil {
			t.Fatal(err)
		}
		out = append(out, tg)
	}
	return r, out
}

// TestPageStopsEarlyReadsThePlan checks the plan test behind pageThenCount
// on shapes whose plans differ: a common word's page reads the window's
// tickets through the id-ordered cover index, and an assignee's tickets
// come from their index in id order (no sort); a page ordered by a date
// must sort every match.
func TestPageStopsEarlyReadsThePlan(t *testing.T) {
	s := bandService(t, storetest.SQLite(t), 2000, 500)
	ctx := as(agent)
	for q, want := range map[string]bool{bandMost: true, "status:open assignee:me": true, bandMost + " order_by:created_at": false, "status:open order_by:updated_at": false} {
		r, tgs := windowed(t, s, q)
		for _, tg := range tgs {
			if tg.ent != ticketEntity {
				continue
			}
			sq, args := r.sql(tg, sqlIDs)
			sq += " LIMIT ? OFFSET ?"
			args = append(args, 25, 0)
			got, err := r.pageStopsEarly(ctx, sq, args)
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("%q: pageStopsEarly = %v, want %v; plan:\n%s", q, got, want, renderPlan(explain(t, r.db, sq, args)))
			}
		}
	}
}

// TestWindowCountIsTheCountQuery checks the count the window pass makes for
// a search known to be ordered by recency (windowCounts) against the count
// query, and the page fetch then reads alone against the one-pass form, over
// the benchmark's mix; and that the mix has such searches, and leaves the
// others (conditions, phrases, exclusions, rarer words) to the other forms.
func TestWindowCountIsTheCountQuery(t *testing.T) {
	db := storetest.SQLite(t)
	s := bandService(t, db, 2000, 500)
	ctx := as(agent)
	// Some matches are deleted tickets, which the count must leave out as
	// the count query does.
	if err := db.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE tickets SET deleted_at = 1 WHERE id % 7 = 0`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	qs := append(slices.Clone(benchQueries), "status:open "+bandMost, "assignee:me "+bandMost, bandMost+" order_by:created_at sort:asc", bandMost+" -battery")
	counted, notCounted := 0, 0
	for _, q := range qs {
		windowed(t, s, q) // the first search of a word keeps whether it is common
		r, tgs := windowed(t, s, q)
		for _, tg := range tgs {
			if !tg.counted {
				notCounted++
				continue
			}
			counted++
			if tg.conds > 0 {
				t.Errorf("%q: a search with conditions was counted in the window pass", q)
			}
			var n int
			cq, cargs := r.sql(tg, sqlCount)
			if err := r.db.QueryRow(ctx, cq, cargs...).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if tg.count != n {
				t.Errorf("%q %s: the window pass counted %d, the count query %d", q, tg.ent.typ, tg.count, n)
			}
			for _, pg := range [][2]int{{0, 25}, {25, 100}, {n - 10, 25}, {n + 5, 25}} {
				skip, want := max(pg[0], 0), pg[1]
				wantIDs, wantN := onePassPage(t, r, tg, skip, want)
				ids, got, err := r.fetch(ctx, tg, skip, want)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(ids, wantIDs) || got != wantN {
					t.Errorf("%q %s skip %d want %d: %d ids %v…, count %d; one pass %d ids %v…, count %d",
						q, tg.ent.typ, skip, want, len(ids), head(ids), got, len(wantIDs), head(wantIDs), wantN)
				}
			}
		}
	}
	if counted == 0 || notCounted == 0 {
		t.Fatalf("the mix must have searches counted in the window pass and others: counted %d, not counted %d", counted, notCounted)
	}
	t.Logf("counted in the window pass: %d targets; not: %d", counted, notCounted)
}
