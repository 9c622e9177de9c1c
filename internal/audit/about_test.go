package audit_test

import (
	"context"
	"testing"

	"github.com/frontdesk/frontdesk/internal/audit"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// TestAboutUser: the entries a person acted in or whose target is their
// account, oldest first, in pages; staff without export_data and end-users
// are refused.
func TestAboutUser(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		record := func(actor int64, action, typ string, id int64) {
			ctx := desk.WithPrincipal(context.Background(), &desk.Principal{UserID: actor, Role: desk.RoleAgent, Via: "api"})
			if err := db.InTx(ctx, func(tx *store.Tx) error {
				return audit.RecordTx(ctx, tx, audit.Entry{Action: action, TargetType: typ, TargetID: id})
			}); err != nil {
				t.Fatal(err)
			}
		}
		record(7, "user.suspended", "user", 5) // about 5
		record(5, "group.updated", "group", 9) // by 5
		record(7, "user.updated", "user", 6)   // someone else
		record(8, "group.updated", "group", 5) // a group that happens to have id 5
		record(5, "user.updated", "user", 6)   // by 5

		agent := desk.WithPrincipal(context.Background(), &desk.Principal{UserID: 7, Role: desk.RoleAgent})
		var actions []string
		var after int64
		for {
			es, more, err := audit.AboutUser(agent, db, 5, after, 2)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range es {
				actions = append(actions, e.Action)
			}
			if !more {
				break
			}
			after = es[len(es)-1].ID
		}
		if len(actions) != 3 || actions[0] != "user.suspended" || actions[1] != "group.updated" || actions[2] != "user.updated" {
			t.Fatalf("entries about user 5: %v", actions)
		}
		light := desk.LightAgentPermissions()
		for _, p := range []*desk.Principal{{UserID: 7, Role: desk.RoleAgent, Perms: &light}, {UserID: 5, Role: desk.RoleEndUser}} {
			if _, _, err := audit.AboutUser(desk.WithPrincipal(context.Background(), p), db, 5, 0, 10); desk.ErrorCode(err) != desk.EFORBIDDEN {
				t.Errorf("%+v: %v", p, err)
			}
		}
	})
}
