package retention_test

import (
	"testing"

	"github.com/frontdesk/frontdesk/internal/audit"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/retention"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// TestPolicies: admins (manage_security) create, change and delete
// policies, each change audited; agents may not read or run them; bad
// input is a validation error naming the field.
func TestPolicies(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		if _, err := f.svc.List(f.agent); desk.ErrorCode(err) != desk.EFORBIDDEN {
			t.Fatalf("agent listed policies: %v", err)
		}
		if _, err := f.svc.Create(f.agent, retention.Input{Kind: kind(retention.KindClosedTickets), Days: num(30)}); desk.ErrorCode(err) != desk.EFORBIDDEN {
			t.Fatalf("agent created a policy: %v", err)
		}
		if _, err := f.svc.Preview(f.agent); desk.ErrorCode(err) != desk.EFORBIDDEN {
			t.Fatalf("agent previewed: %v", err)
		}
		if _, err := f.svc.Run(f.agent, false); desk.ErrorCode(err) != desk.EFORBIDDEN {
			t.Fatalf("agent ran retention: %v", err)
		}
		// Skipping the deleted list is the system's alone.
		if err := f.tickets.PermanentDelete(f.admin, 1); desk.ErrorCode(err) != desk.EFORBIDDEN {
			t.Fatalf("admin permanently deleted without the deleted list: %v", err)
		}
		if _, err := f.tickets.PurgeAttachments(f.admin, 1); desk.ErrorCode(err) != desk.EFORBIDDEN {
			t.Fatalf("admin purged attachments: %v", err)
		}
		bad := []struct {
			name  string
			in    retention.Input
			field string
		}{
			{"no kind", retention.Input{Days: num(3)}, "kind"},
			{"unknown kind", retention.Input{Kind: kind("everything"), Days: num(3)}, "kind"},
			{"no days", retention.Input{Kind: kind(retention.KindClosedTickets)}, "days"},
			{"negative days", retention.Input{Kind: kind(retention.KindClosedTickets), Days: num(-1)}, "days"},
			{"too many days", retention.Input{Kind: kind(retention.KindClosedTickets), Days: num(retention.MaxDays + 1)}, "days"},
			{"tag with a space", retention.Input{Kind: kind(retention.KindClosedTickets), Days: num(3), Tag: str("a b")}, "tag"},
			{"unknown group", retention.Input{Kind: kind(retention.KindClosedTickets), Days: num(3), GroupID: func() *int64 { n := int64(999999); return &n }()}, "group_id"},
			{"filter on users", retention.Input{Kind: kind(retention.KindInactiveEndUsers), Days: num(3), Channel: str("email")}, "kind"},
		}
		for _, c := range bad {
			_, err := f.svc.Create(f.admin, c.in)
			var de *desk.Error
			if desk.ErrorCode(err) != desk.EINVALID {
				t.Fatalf("%s: %v", c.name, err)
			}
			de = err.(*desk.Error)
			if len(de.Details[c.field]) == 0 {
				t.Fatalf("%s: details %+v lack %s", c.name, de.Details, c.field)
			}
		}
		p, err := f.svc.Create(f.admin, retention.Input{Kind: kind(retention.KindClosedTickets), Days: num(30), Channel: str(" Email ")})
		if err != nil || !p.Active || p.Channel != "email" || p.Days != 30 {
			t.Fatalf("created %+v, %v", p, err)
		}
		off := false
		p, err = f.svc.Update(f.admin, p.ID, retention.Input{Days: num(45), Active: &off})
		if err != nil || p.Active || p.Days != 45 || p.Channel != "email" {
			t.Fatalf("updated %+v, %v", p, err)
		}
		if _, err := f.svc.Update(f.admin, p.ID, retention.Input{Days: num(0)}); desk.ErrorCode(err) != desk.EINVALID {
			t.Fatalf("update to 0 days: %v", err)
		}
		if err := f.svc.Delete(f.admin, p.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Get(f.admin, p.ID); desk.ErrorCode(err) != desk.ENOTFOUND {
			t.Fatalf("deleted policy: %v", err)
		}
		if err := f.svc.Delete(f.admin, p.ID); desk.ErrorCode(err) != desk.ENOTFOUND {
			t.Fatalf("second delete: %v", err)
		}
		entries, err := audit.List(f.admin, db, audit.Filter{Action: "retention_policy.*"})
		if err != nil || len(entries) != 3 {
			t.Fatalf("%d policy audit entries, want 3: %v", len(entries), err)
		}
	})
}
