package chatweb_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/chat"
	"github.com/frontdesk/frontdesk/internal/events"
	"github.com/frontdesk/frontdesk/internal/outbox"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// /chat/start and /chat/message spend one per-IP budget; a spent one gets
// a 429 with Retry-After.
func TestStartAndMessageBudget(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		in := newInstance(t, db, events.New())
		in.makeKey(t)
		in.svc.StartsPerMinute = 2
		in.start(t, "vera@example.com")
		form := `{"name":"Vera","email":"vera@example.com","question":"Call me back"}`
		if res, out := in.post(t, "message", in.keyK, origin, "", form); res.StatusCode != 200 {
			t.Fatalf("message: %d %v", res.StatusCode, out)
		}
		for _, op := range []string{"message", "start"} {
			res, out := in.post(t, op, in.keyK, origin, "", form)
			secs, err := strconv.Atoi(res.Header.Get("Retry-After"))
			if res.StatusCode != 429 || out["error"] != "too_many" || err != nil || secs < 1 || secs > 60 {
				t.Fatalf("%s past the budget: %d %v, Retry-After %q", op, res.StatusCode, out, res.Header.Get("Retry-After"))
			}
		}
	})
}

// /chat/transcript mails the caller's chat to its pre-chat address: an
// address in the request changes nothing (no open relay), a second request
// at once gets 429 with Retry-After, and no token gets nothing.
func TestTranscriptEndpoint(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		in := newInstance(t, db, events.New())
		in.makeKey(t)
		ob := outbox.New(db, box)
		in.svc.Outbox = ob
		tok, _ := in.start(t, "vera@example.com")
		if res, _ := in.post(t, "transcript", in.keyK, origin, "", `{}`); res.StatusCode != 401 {
			t.Fatalf("no token: %d", res.StatusCode)
		}
		res, out := in.post(t, "transcript", in.keyK, origin, tok, `{"to":"evil@attacker.example","email":"evil@attacker.example"}`)
		if res.StatusCode != 200 || out["to"] != "v***@example.com" {
			t.Fatalf("transcript: %d %v", res.StatusCode, out)
		}
		res, out = in.post(t, "transcript", in.keyK, origin, tok, `{}`)
		if res.StatusCode != 429 || out["error"] != "too_many" || res.Header.Get("Retry-After") == "" {
			t.Fatalf("again at once: %d %v", res.StatusCode, out)
		}
		ctx := context.Background()
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			since := time.Now().Add(-time.Hour)
			evil, err := ob.CountSinceTx(ctx, tx, "evil@attacker.example", chat.KindTranscript, since)
			if err != nil {
				return err
			}
			vera, err := ob.CountSinceTx(ctx, tx, "vera@example.com", chat.KindTranscript, since)
			if evil != 0 || vera != 1 {
				t.Errorf("queued: evil %d, vera %d", evil, vera)
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
	})
}
