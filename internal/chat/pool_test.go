package chat_test

import (
	"context"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/chat"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// TestStartNeedsOneConnection: a visitor's chat starts on a PostgreSQL pool
// of one connection. Start's transaction holds a connection; a setting read
// through the pool inside it would wait for a second one, and as many
// visitors starting at once as the pool has connections would wait for
// each other forever.
func TestStartNeedsOneConnection(t *testing.T) {
	db := storetest.PostgresPool(t, 1)
	f := newFixture(t, db)
	f.agent("Ann Agent") // online: Start routes the chat to her
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	k, err := f.svc.KeyForOrigin(ctx, f.key.PublicKey, origin)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Start(ctx, k, chat.StartInput{Name: "Vera", Email: "vera@example.com", Question: "Where is my order?"}); err != nil {
		t.Fatalf("start: %v", err)
	}
}
