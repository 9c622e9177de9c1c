package views_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/views"
)

// FuzzViewInput: any view body a client sends is stored or refused with a
// desk error (a 4xx), never an internal error; a stored view runs.
func FuzzViewInput(f *testing.F) {
	for _, seed := range []string{
		`{"title":"Open","all":[{"field":"status","operator":"is","value":"open"}]}`,
		`{"title":"x","any":[{"field":"priority","operator":"greater_than","value":"normal"}],"output":{"columns":["subject",42],"group_by":"status","sort_by":"updated","sort_order":"asc"}}`,
		`{"title":"x","conditions":{"all":[{"field":"current_tags","operator":"includes","value":"a b"}]}}`,
		`{"title":"x","all":[{"field":"assignee_id","operator":"is","value":"current_user"}],"restriction":{"type":"Group","ids":[1,2]}}`,
		`{"title":"x","all":[{"field":"custom_fields_7","operator":"is","value":null}],"restriction":{"type":"User","id":9}}`,
		`{"title":"","all":"status","output":{"columns":[]}}`,
		`{"title":"x","all":[{"field":"status","operator":"less_than","value":["open"]}],"output":{"sort_by":"password"}}`,
	} {
		f.Add(seed)
	}
	db, err := store.Open(context.Background(), "", f.TempDir())
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { db.Close() })
	fx := newFixture(f, db)
	f.Fuzz(func(t *testing.T, body string) {
		var in views.Input
		if json.Unmarshal([]byte(body), &in) != nil {
			return
		}
		v, err := fx.svc.Create(as(fx.admin), in)
		if err != nil {
			if desk.ErrorCode(err) == desk.EINTERNAL {
				t.Fatalf("internal error for %s: %v", body, err)
			}
			return
		}
		if _, err := fx.svc.Execute(as(fx.admin), v.ID, views.Page{Limit: 5}); desk.ErrorCode(err) == desk.EINTERNAL {
			t.Fatalf("stored view %s does not run: %v", body, err)
		}
	})
}
