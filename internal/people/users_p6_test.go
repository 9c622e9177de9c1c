package people_test

import (
	"fmt"
	"testing"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// BenchmarkAutocompleteUsers: the name-prefix lookup agents hit on every
// keystroke, over a directory of 2,000 users sharing a common prefix.
func BenchmarkAutocompleteUsers(b *testing.B) {
	db := storetest.SQLite(b)
	s := newSvc(db)
	agent := mkUser(b, s, "Bench Agent", "bench.agent@example.com", desk.RoleAgent)
	for i := range 2000 {
		mkUser(b, s, fmt.Sprintf("Customer %04d Smith", i), fmt.Sprintf("c%04d@example.com", i), desk.RoleEndUser)
	}
	ctx := as(agent)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		us, err := s.AutocompleteUsers(ctx, "custom")
		if err != nil || len(us) == 0 {
			b.Fatalf("%d users, %v", len(us), err)
		}
	}
}

// TestAutocompleteUsersInSQL: the prefix match (folded, wildcards taken
// literally), the order by folded name and the limit are the query's, and
// users stored before their folded name existed are found once
// FoldUserNames has run.
func TestAutocompleteUsersInSQL(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSvc(db)
		agent := mkUser(t, s, "Agent", "agent@example.test", desk.RoleAgent)
		// Created in reverse order, so id order is not name order.
		for i := people.MaxUserAutocomplete + 4; i >= 0; i-- {
			mkUser(t, s, fmt.Sprintf("Żaneta %03d", i), fmt.Sprintf("z%03d@example.test", i), desk.RoleEndUser)
		}
		mkUser(t, s, "Za_x Literal", "lit@example.test", desk.RoleEndUser)
		old := mkUser(t, s, "Zanzibar Old", "old@example.test", desk.RoleEndUser)

		us, err := s.AutocompleteUsers(as(agent), "zaneta")
		if err != nil {
			t.Fatal(err)
		}
		if len(us) != people.MaxUserAutocomplete || us[0].Name != "Żaneta 000" || us[len(us)-1].Name != fmt.Sprintf("Żaneta %03d", people.MaxUserAutocomplete-1) {
			t.Fatalf("autocomplete zaneta: %d users, first %q, last %q", len(us), us[0].Name, us[len(us)-1].Name)
		}
		for i := 1; i < len(us); i++ {
			if us[i-1].Name >= us[i].Name {
				t.Fatalf("out of order: %q before %q", us[i-1].Name, us[i].Name)
			}
		}
		if us, err := s.AutocompleteUsers(as(agent), "za_"); err != nil || len(us) != 1 || us[0].Name != "Za_x Literal" {
			t.Errorf("autocomplete za_ (a literal underscore): %v %v", names(us), err)
		}
		if us, err := s.AutocompleteUsers(as(agent), "za%"); err != nil || len(us) != 0 {
			t.Errorf("autocomplete za%% (a literal percent): %v %v", names(us), err)
		}

		// A row stored before migration 19 has no folded name.
		if _, err := db.Exec(bg, `UPDATE users SET name_fold = NULL WHERE id = ?`, old.ID); err != nil {
			t.Fatal(err)
		}
		if us, err := s.AutocompleteUsers(as(agent), "zanz"); err != nil || len(us) != 0 {
			t.Fatalf("unfolded row found: %v %v", names(us), err)
		}
		if n, err := s.FoldUserNames(bg); err != nil || n != 1 {
			t.Fatalf("FoldUserNames = %d, %v; want 1", n, err)
		}
		if us, err := s.AutocompleteUsers(as(agent), "ZANZ"); err != nil || len(us) != 1 || us[0].ID != old.ID {
			t.Errorf("after folding: %v %v", names(us), err)
		}
		if n, err := s.FoldUserNames(bg); err != nil || n != 0 {
			t.Errorf("second FoldUserNames = %d, %v; want 0", n, err)
		}
		// A rename refolds.
		renamed := "Ądam Renamed"
		if _, err := s.UpdateUser(sysCtx(), old.ID, people.UserInput{Name: &renamed}); err != nil {
			t.Fatal(err)
		}
		if us, err := s.AutocompleteUsers(as(agent), "adam r"); err != nil || len(us) != 1 || us[0].ID != old.ID {
			t.Errorf("after rename: %v %v", names(us), err)
		}
	})
}

func names(us []*desk.User) []string {
	var out []string
	for _, u := range us {
		out = append(out, u.Name)
	}
	return out
}
