package ticket_test

import (
	"context"
	"errors"
	"testing"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/settings"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// The require-assignee rule is read through the typed settings service: a
// stored value that cannot be read refuses the change instead of turning the
// rule off (the old string comparison read anything but "true" as off).
func TestRequireAssigneeFailsClosed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.svc.Settings = settings.New(db, f.bus)
		tk := mustCreate(t, f, f.alice, ticket.Input{Subject: str("Help"), Comment: &ticket.CommentInput{Body: "Please"}})
		// A damaged row, as a hand edit or a bad restore would leave.
		if _, err := db.Exec(context.Background(), `INSERT INTO settings (key, value) VALUES (?, 'yes')`,
			ticket.SettingRequireAssigneeToSolve); err != nil {
			t.Fatal(err)
		}
		_, _, err := f.svc.Update(as(f.agent), tk.ID, ticket.Input{Status: str("solved")})
		if !errors.Is(err, settings.ErrCorrupt) {
			t.Fatalf("solve with an unreadable rule: %v, want the read error", err)
		}
		if got, err := f.svc.Get(as(f.agent), tk.ID); err != nil || got.Status == "solved" {
			t.Fatalf("ticket solved anyway: %+v %v", got, err)
		}
		// Set through the service, the rule applies (and the cache follows).
		sys := desk.SystemContext(context.Background())
		if err := settings.RequireAssigneeToSolve.Set(sys, f.svc.Settings, true); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.svc.Update(as(f.agent), tk.ID, ticket.Input{Status: str("solved")}); code(err) != desk.EINVALID {
			t.Fatalf("solve unassigned: %v", err)
		}
		if err := settings.RequireAssigneeToSolve.Set(sys, f.svc.Settings, false); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.svc.Update(as(f.agent), tk.ID, ticket.Input{Status: str("solved")}); err != nil {
			t.Fatalf("solve once the rule is off: %v", err)
		}
	})
}
