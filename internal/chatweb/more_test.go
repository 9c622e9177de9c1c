package chatweb_test

import (
	"strconv"
	"testing"

	"github.com/frontdesk/frontdesk/internal/events"
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
