package search

import (
	"testing"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// walk pages through an export with the last id as the cursor, as the
// API's after_cursor does, and returns every page's hits.
func walk(t *testing.T, s *Service, p *desk.Principal, q, typ string, size int) []string {
	t.Helper()
	var pages []string
	after := int64(0)
	for i := 0; i < 20; i++ {
		rs, more, err := s.Export(as(p), q, typ, after, size)
		if err != nil {
			t.Fatalf("export %q %s after %d: %v", q, typ, after, err)
		}
		pages = append(pages, hits(rs))
		if !more {
			return pages
		}
		if len(rs) == 0 {
			t.Fatalf("export %q: more without results", q)
		}
		after = rs[len(rs)-1].ID
	}
	t.Fatalf("export %q did not end", q)
	return nil
}

func TestExport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		seed(t, db)
		s := newService(db)
		for _, c := range []struct {
			q, typ string
			as     *desk.Principal
			size   int
			want   []string
		}{
			// Ascending ids, no 1,000-result relevance order; deleted t5 never.
			{"printer", "ticket", admin, 1, []string{"t1", "t3"}},
			{"type:ticket", "ticket", admin, 2, []string{"t1 t2", "t3 t4", "t6"}},
			{"type:ticket", "ticket", admin, 5, []string{"t1 t2 t3 t4 t6"}},
			// Free text is checked against public text for end-users.
			{"printer", "ticket", eve, 1, []string{"t1", "t3"}},
			{"printer -fraud", "ticket", eve, 10, []string{"t1 t3"}},
			{"printer -fraud", "ticket", admin, 10, []string{"t1"}},
			{"fraud", "ticket", eve, 10, []string{""}},
			// End-users never export people.
			{"muller", "organization", hans, 10, []string{""}},
			{"muller", "organization", admin, 10, []string{"o2"}},
			// A type: in the query that differs from the filter finds nothing.
			{"type:user printer", "ticket", admin, 10, []string{""}},
			// Ignorable free text finds nothing.
			{"!!!", "ticket", admin, 10, []string{""}},
			// order_by does not change an export's order.
			{"status<solved order_by:created_at", "ticket", admin, 10, []string{"t1 t2 t4"}},
		} {
			got := walk(t, s, c.as, c.q, c.typ, c.size)
			if len(got) != len(c.want) {
				t.Errorf("%q %s size %d: pages %q, want %q", c.q, c.typ, c.size, got, c.want)
				continue
			}
			for i := range got {
				if got[i] != c.want[i] {
					t.Errorf("%q %s size %d: pages %q, want %q", c.q, c.typ, c.size, got, c.want)
					break
				}
			}
		}
		if _, _, err := s.Export(as(admin), "printer", "group", 0, 10); codeOf(err) != string(desk.EINVALID) {
			t.Errorf("unknown type: %v", err)
		}
		if _, _, err := s.Export(as(admin), "status<bogus", "ticket", 0, 10); codeOf(err) != string(desk.EINVALID) {
			t.Errorf("bad query: %v", err)
		}
	})
}
