package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/outbox"
	"github.com/frontdesk/frontdesk/internal/store"
)

// TestOutboxPageShowsDeliveryFailures: admins see which mail failed for
// good and why, and which is being retried (p7-out).
func TestOutboxPageShowsDeliveryFailures(t *testing.T) {
	e := newEnv(t, "")
	ctx := context.Background()
	sys := desk.SystemContext(ctx)
	// The test plays the deliverer itself: it queues through an outbox that
	// does not kick the server's delivery round.
	ob := outbox.New(e.app.DB, e.app.Outbox.Box)
	for _, to := range []string{"gone@example.org", "later@example.org"} {
		err := e.app.DB.InTx(ctx, func(tx *store.Tx) error {
			return ob.AddTx(ctx, tx, outbox.Message{To: to, Subject: "Hello", Text: "Hi", Kind: "test"})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	due, err := ob.Due(sys, time.Now(), 10, time.Minute)
	if err != nil || len(due) != 2 {
		t.Fatalf("due %v %v", due, err)
	}
	if err := e.app.Outbox.Fail(sys, due[0].ID, time.Now(), "550 5.1.1 mailbox unavailable"); err != nil {
		t.Fatal(err)
	}
	if err := e.app.Outbox.RetryAt(sys, due[1].ID, time.Now().Add(time.Hour), "451 4.7.1 greylisted", true); err != nil {
		t.Fatal(err)
	}
	ad := e.client()
	ad.signIn("/agent/signin", e.admin.Email)
	body := ad.get("/agent/admin/outbox").Body
	for _, want := range []string{"Failed for good", "550 5.1.1 mailbox unavailable", "Retrying after failed attempts", "451 4.7.1 greylisted"} {
		if !strings.Contains(body, want) {
			t.Errorf("outbox page lacks %q", want)
		}
	}
}
