package ingest_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/channel/email/ingest"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// TestRepliesNeedOneConnection: a reply finds its ticket on a PostgreSQL
// pool of one connection. The mail's transaction holds a connection; a
// thread lookup through the pool inside it would wait for a second one,
// and as many mails arriving at once as the pool has connections would
// wait for each other forever.
func TestRepliesNeedOneConnection(t *testing.T) {
	db := storetest.PostgresPool(t, 1)
	f := newFixture(t, db)
	in := func(raw []byte) *ingest.Result {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		res, err := f.in.Ingest(ctx, ingest.Delivery{}, bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	first := in(msg("Zofia <zofia@klient.example>", "support@example.com", "Help", "q1@klient.example", "First question"))
	reply := in(msg("Zofia <zofia@klient.example>", "support@example.com", "Re: Help", "q2@klient.example", "And another thing",
		"In-Reply-To: <q1@klient.example>"))
	if reply.Outcome != ingest.Commented || reply.TicketID != first.TicketID {
		t.Fatalf("reply %+v, want a comment on ticket %d", reply, first.TicketID)
	}
}
