package chat_test

import (
	"context"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/chat"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// TestStartNeedsOneConnection: a visitor's chat starts, and an agent
// accepts it, on a PostgreSQL pool of one connection. Each transaction
// holds a connection; a read through the pool inside it would wait for a
// second one, and as many chats started or accepted at once as the pool
// has connections would wait for each other forever.
func TestStartNeedsOneConnection(t *testing.T) {
	db := storetest.PostgresPool(t, 1)
	f := newFixture(t, db)
	ann := f.agent("Ann Agent") // online: Start routes the chat to her
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	k, err := f.svc.KeyForOrigin(ctx, f.key.PublicKey, origin)
	if err != nil {
		t.Fatal(err)
	}
	st, err := f.svc.Start(ctx, k, chat.StartInput{Name: "Vera", Email: "vera@example.com", Question: "Where is my order?"})
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	// Accepting it checks, in its transaction, that Ann may see the ticket.
	actx, cancel := context.WithTimeout(as(ann), 10*time.Second)
	defer cancel()
	if err := f.svc.Accept(actx, st.Conversation.ID); err != nil {
		t.Fatalf("accept: %v", err)
	}
}
