package views_test

import (
	"testing"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
	"github.com/frontdesk/frontdesk/internal/views"
)

// update_many checks positions as create and update do (the same range as
// macros): out of range is refused and nothing changes; in range, views
// are reordered and toggled all at once.
func TestUpdateManyChecksPositions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		mk := func(title string) *views.View {
			v, err := f.svc.Create(as(f.admin), views.Input{Title: ptr(title), All: raw(`[{"field":"status","operator":"is","value":"open"}]`)})
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		a, b := mk("A"), mk("B")
		for _, bad := range []int{-1, 1<<30 + 1} {
			pos := bad
			_, err := f.svc.UpdateMany(as(f.admin), []views.Placement{{ID: a.ID, Position: ptr(5)}, {ID: b.ID, Position: &pos}})
			if desk.ErrorCode(err) != desk.EINVALID {
				t.Fatalf("position %d: %v", bad, err)
			}
		}
		if got, err := f.svc.Get(as(f.admin), a.ID); err != nil || got.Position != a.Position {
			t.Fatalf("a refused update_many moved A: %+v %v", got, err)
		}
		if _, err := f.svc.UpdateMany(as(f.admin), nil); desk.ErrorCode(err) != desk.EINVALID {
			t.Fatalf("empty update_many: %v", err)
		}
		off := false
		list, err := f.svc.UpdateMany(as(f.admin), []views.Placement{{ID: a.ID, Position: ptr(7)}, {ID: b.ID, Position: ptr(1), Active: &off}})
		if err != nil || len(list) != 2 {
			t.Fatalf("update_many: %v %v", list, err)
		}
		got := map[int64]*views.View{}
		for _, v := range list {
			got[v.ID] = v
		}
		if got[a.ID].Position != 7 || !got[a.ID].Active || got[b.ID].Position != 1 || got[b.ID].Active {
			t.Fatalf("after update_many: A %+v, B %+v", got[a.ID], got[b.ID])
		}
	})
}
