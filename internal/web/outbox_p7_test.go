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
	sys := desk.SystemContext(context.Background())
	due, later := e.claimTestMail("gone@example.org", "later@example.org")
	if err := e.app.Outbox.Fail(sys, due[0].ID, time.Now(), "550 5.1.1 mailbox unavailable"); err != nil {
		t.Fatal(err)
	}
	if err := e.app.Outbox.RetryAt(sys, due[1].ID, later.Add(time.Hour), "451 4.7.1 greylisted", true); err != nil {
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

// claimTestMail lets a test play the deliverer. It queues a message to each
// address through an outbox that does not kick the server's delivery round,
// due only in an hour so that the server's own rounds (one runs at start)
// cannot claim one first and defer it for want of a relay, and claims them
// as of that hour. It returns them in order, and the time they were claimed
// as of.
func (e *env) claimTestMail(to ...string) ([]outbox.Message, time.Time) {
	e.t.Helper()
	ctx := context.Background()
	ob := outbox.New(e.app.DB, e.app.Outbox.Box)
	inAnHour := time.Now().Add(time.Hour)
	for _, addr := range to {
		err := e.app.DB.InTx(ctx, func(tx *store.Tx) error {
			if err := ob.AddTx(ctx, tx, outbox.Message{To: addr, Subject: "Hello", Text: "Hi", Kind: "test"}); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `UPDATE outbox SET next_attempt_at = ? WHERE to_addr = ?`, inAnHour.UnixMicro(), addr)
			return err
		})
		if err != nil {
			e.t.Fatal(err)
		}
	}
	due, err := ob.Due(e.sys, inAnHour, 10, time.Minute)
	if err != nil || len(due) != len(to) {
		e.t.Fatalf("due %v %v", due, err)
	}
	return due, inAnHour
}
