package search

import (
	"context"
	"testing"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// seedCustom adds custom ticket fields and values to the seeded tickets.
func seedCustom(t testing.TB, db *store.DB) {
	t.Helper()
	ctx := context.Background()
	for _, f := range []struct {
		id      int64
		typ     string
		visible bool
	}{{10, "text", true}, {11, "checkbox", true}, {12, "tagger", false}, {13, "decimal", true}} {
		if _, err := db.Exec(ctx, `INSERT INTO ticket_fields (id, type, title, visible_in_portal, created_at, updated_at) VALUES (?, ?, ?, ?, 1, 1)`,
			f.id, f.typ, f.typ, f.visible); err != nil {
			t.Fatal(err)
		}
	}
	for id, cf := range map[int64]string{
		1: `{"10":"Warszawa Centrum","11":true,"12":"vip_tier","13":2.5}`,
		2: `{"12":"vip_tier","10":"100%_sure"}`,
		3: `{"10":"Kraków","11":false,"13":10}`,
	} {
		if _, err := db.Exec(ctx, `UPDATE tickets SET custom_fields = ? WHERE id = ?`, cf, id); err != nil {
			t.Fatal(err)
		}
	}
}

func TestCustomFieldSearch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		seed(t, db)
		seedCustom(t, db)
		s := newService(db)
		runCases(t, s, []searchCase{
			{q: `custom_field_10:"warszawa centrum"`, as: admin, want: "t1"},
			{q: `custom_field_10:"Warszawa"`, as: admin, want: ""}, // the whole value, not a word of it
			{q: `custom_field_10:warsz*`, as: admin, want: "t1"},
			{q: `custom_field_10:KRAKÓW`, as: admin, want: "t3"},
			{q: `custom_field_10:100%*`, as: admin, want: "t2"}, // LIKE wildcards are data
			{q: `custom_field_10:1*`, as: admin, want: "t2"},
			{q: `custom_field_10:_*`, as: admin, want: ""},
			{q: `-custom_field_10:kraków type:ticket`, as: admin, want: "t1 t2 t4 t6"},
			{q: `custom_field_0010:kraków`, as: admin, want: "t3"},
			// Checkboxes: true/false; an unset checkbox is unchecked.
			{q: `custom_field_11:true`, as: admin, want: "t1"},
			{q: `custom_field_11:false`, as: admin, want: "t2 t3 t4 t6"},
			{q: `custom_field_11:yes`, as: admin, want: "t1"},
			// Numbers in their shortest form on both stores.
			{q: `custom_field_13:2.5`, as: admin, want: "t1"},
			{q: `custom_field_13:10`, as: admin, want: "t3"},
			// Dropdown values are tags.
			{q: `custom_field_12:vip_tier`, as: admin, want: "t1 t2"},
			{q: `custom_field_12:vip_tier status:pending`, as: agent, want: "t2"},
			// Combined with other terms and free text.
			{q: `printer custom_field_11:true`, as: admin, want: "t1"},
			// Unknown fields match nothing; users and organizations never.
			{q: `custom_field_99:x`, as: admin, want: ""},
			{q: `custom_field_10:kraków type:user`, as: admin, want: ""},
			// End-users: only fields visible in the portal, on their tickets.
			{q: `custom_field_10:kraków`, as: eve, want: "t3"},
			{q: `custom_field_10:kraków`, as: hans, want: ""},
			{q: `custom_field_12:vip_tier`, as: eve, want: ""},
			{q: `custom_field_12:vip*`, as: hans, want: ""},
			{q: `-custom_field_12:vip_tier type:ticket`, as: hans, want: "t2 t4 t6"},
		})
		if _, _, err := s.Search(as(admin), "custom_field_10>3", 1, 10); codeOf(err) != string(desk.EINVALID) {
			t.Errorf("compared custom field: %v", err)
		}
	})
}
