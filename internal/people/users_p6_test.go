package people_test

import (
	"fmt"
	"testing"

	"github.com/frontdesk/frontdesk/internal/desk"
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
