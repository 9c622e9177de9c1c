package people_test

import (
	"fmt"
	"testing"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// Setting field values: a user's values change and are validated; a
// refused update changes nothing, and an end-user may not set their own.
func TestUserFieldValuesRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSvc(db)
		if _, err := s.SavePersonField(sysCtx(), desk.ScopeUser, 0, people.PersonFieldInput{Key: ptr("seats"), Title: ptr("Seats"), Type: ptr("integer")}); err != nil {
			t.Fatal(err)
		}
		u := mkUser(t, s, "Val Values", "val@example.com", desk.RoleEndUser)
		got, err := s.UpdateUser(sysCtx(), u.ID, people.UserInput{UserFields: map[string]any{"seats": 3.0}})
		if err != nil || got.UserFields["seats"] != 3.0 {
			t.Fatalf("set: %v %v", got, err)
		}
		_, err = s.UpdateUser(sysCtx(), u.ID, people.UserInput{Name: ptr("Changed"), UserFields: map[string]any{"seats": "three"}})
		wantField(t, err, "user_fields")
		if cur, _ := s.GetUser(sysCtx(), u.ID); cur.Name != "Val Values" || cur.UserFields["seats"] != 3.0 {
			t.Fatalf("a refused update changed the user: %+v", cur)
		}
		_, err = s.UpdateUser(as(u), u.ID, people.UserInput{UserFields: map[string]any{"seats": 9.0}})
		wantCode(t, err, desk.EFORBIDDEN)
		// A field of the other family is unknown here.
		if _, err := s.SavePersonField(sysCtx(), desk.ScopeOrganization, 0, people.PersonFieldInput{Key: ptr("tier"), Title: ptr("Tier")}); err != nil {
			t.Fatal(err)
		}
		_, err = s.UpdateUser(sysCtx(), u.ID, people.UserInput{UserFields: map[string]any{"tier": "x"}})
		wantField(t, err, "user_fields")
	})
}

// BenchmarkUpdateUserFields measures an update that sets custom field
// values (definitions read and values checked in the transaction).
func BenchmarkUpdateUserFields(b *testing.B) {
	db := storetest.SQLite(b)
	s := newSvc(db)
	for i := range 20 {
		if _, err := s.SavePersonField(sysCtx(), desk.ScopeUser, 0, people.PersonFieldInput{
			Key: ptr(fmt.Sprintf("f%d", i)), Title: ptr("Field"), Type: ptr("text")}); err != nil {
			b.Fatal(err)
		}
	}
	u := mkUser(b, s, "Bench", "bench@example.com", desk.RoleEndUser)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := s.UpdateUser(sysCtx(), u.ID, people.UserInput{UserFields: map[string]any{"f3": fmt.Sprint(i), "f7": "x"}}); err != nil {
			b.Fatal(err)
		}
	}
}
