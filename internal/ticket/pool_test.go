package ticket_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/settings"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// TestChangesNeedOneConnection: a ticket change reads the settings it
// needs (assign on solve, card redaction) in its own transaction. On
// PostgreSQL the transaction holds a pool connection; a read through the
// pool would wait for a second one, and as many concurrent changes as the
// pool has connections would wait for each other forever. A pool of one
// makes that wait certain, so each change must still finish.
func TestChangesNeedOneConnection(t *testing.T) {
	db := storetest.PostgresPool(t, 1)
	f := newFixture(t, db)
	f.svc.Settings = settings.New(db, f.bus)
	if err := settings.RedactCardNumbers.Set(desk.SystemContext(context.Background()), f.svc.Settings, true); err != nil {
		t.Fatal(err)
	}
	f.svc.Settings.TTL = time.Nanosecond // every read misses the cache
	within := func(p *desk.Principal) context.Context {
		ctx, cancel := context.WithTimeout(as(p), 10*time.Second)
		t.Cleanup(cancel)
		return ctx
	}
	const card = "4111 1111 1111 1111"
	tk, _, err := f.svc.Create(within(f.alice), ticket.Input{Subject: str("Pay"), Comment: &ticket.CommentInput{Body: "card " + card}})
	if err != nil || strings.Contains(tk.Description, "4111") {
		t.Fatalf("create with a card number: %+v %v", tk, err)
	}
	got, _, err := f.svc.Update(within(f.agent), tk.ID, ticket.Input{Status: str("solved")})
	if err != nil || got.AssigneeID == nil || *got.AssigneeID != f.agent.UserID {
		t.Fatalf("solve by an agent: %+v %v", got, err)
	}
}
