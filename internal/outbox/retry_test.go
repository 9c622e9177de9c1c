package outbox_test

import (
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/audit"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/outbox"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// TestRetryFailedMessage: an admin puts a message that failed for good
// back in the queue (due at once, attempts afresh, audited); agents cannot,
// and messages that did not fail cannot be retried.
func TestRetryFailedMessage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ob := outbox.New(db, newBox(t))
		for _, to := range []string{"gone@example.com", "fine@example.com"} {
			if err := add(t, db, ob, outbox.Message{To: to, Subject: "s", Text: "t", Kind: "k"}); err != nil {
				t.Fatal(err)
			}
		}
		now := time.Now()
		due, err := ob.Due(sys, now, 10, time.Minute)
		if err != nil || len(due) != 2 {
			t.Fatalf("due %v %v", due, err)
		}
		failed, waiting := due[0].ID, due[1].ID
		if err := ob.Fail(sys, failed, now, "550 5.1.1 no such user"); err != nil {
			t.Fatal(err)
		}
		admin := desk.WithPrincipal(bg, &desk.Principal{UserID: 7, Role: desk.RoleAdmin})
		agent := desk.WithPrincipal(bg, &desk.Principal{UserID: 8, Role: desk.RoleAgent})
		if err := ob.Retry(agent, failed); desk.ErrorCode(err) != desk.EFORBIDDEN {
			t.Fatalf("agent retried: %v", err)
		}
		if err := ob.Retry(admin, waiting); desk.ErrorCode(err) != desk.EINVALID {
			t.Fatalf("retry of a message that did not fail: %v", err)
		}
		if err := ob.Retry(admin, 9999); desk.ErrorCode(err) != desk.ENOTFOUND {
			t.Fatalf("retry of no message: %v", err)
		}
		if err := ob.Retry(admin, failed); err != nil {
			t.Fatal(err)
		}
		list, err := ob.List(admin, 10)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range list {
			if e.ID == failed && (e.Failed() || e.Attempts != 0 || e.LastError == "") {
				t.Fatalf("after retry: %+v", e)
			}
		}
		again, err := ob.Due(sys, time.Now().Add(time.Second), 10, time.Minute)
		if err != nil || len(again) != 1 || again[0].ID != failed {
			t.Fatalf("the retried message is not due: %v %v", again, err)
		}
		if err := ob.Retry(admin, failed); desk.ErrorCode(err) != desk.EINVALID {
			t.Fatalf("second retry of a waiting message: %v", err)
		}
		entries, err := audit.List(admin, db, audit.Filter{Action: "outbox.retried"})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range entries {
			if e.Action == "outbox.retried" && e.TargetID == failed && e.ActorID == 7 && e.Data["to"] == "gone@example.com" {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("audit entries of the retry: %d of %+v", n, entries)
		}
	})
}
