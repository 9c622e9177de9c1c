package chat_test

import (
	"context"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/settings"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// A visitor's token stops opening its chat chat.visitor_token_days after
// the chat ended; a chat still going keeps it however old it is.
func TestVisitorTokenLifetime(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		clock := time.Now()
		f.svc.Now = func() time.Time { return clock }
		live := f.start("Lena Long", "lena@example.com", "A chat that goes on")
		ended := f.start("Otto Old", "otto@example.com", "A chat that ends")
		if err := f.svc.VisitorEnd(ctx, f.visitor(ended.Token)); err != nil {
			t.Fatal(err)
		}
		clock = clock.Add(29 * 24 * time.Hour)
		if _, err := f.svc.Authenticate(ctx, ended.Token, origin); err != nil {
			t.Fatalf("29 days after the end (default 30): %v", err)
		}
		clock = clock.Add(2 * 24 * time.Hour)
		if _, err := f.svc.Authenticate(ctx, ended.Token, origin); code(err) != desk.EUNAUTHORIZED {
			t.Fatalf("31 days after the end: %v, want unauthorized", err)
		}
		if _, err := f.svc.Authenticate(ctx, live.Token, origin); err != nil {
			t.Fatalf("a chat not ended keeps its token: %v", err)
		}
		if err := settings.ChatTokenDays.Set(f.sys, f.st, 60); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Authenticate(ctx, ended.Token, origin); err != nil {
			t.Fatalf("with 60 days: %v", err)
		}
		for _, bad := range []int64{0, -1, 3651} {
			if err := settings.ChatTokenDays.Set(f.sys, f.st, bad); code(err) != desk.EINVALID {
				t.Errorf("chat.visitor_token_days = %d: %v, want invalid", bad, err)
			}
		}
		if err := settings.ChatTokenDays.Set(f.sys, f.st, 1); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Authenticate(ctx, ended.Token, origin); code(err) != desk.EUNAUTHORIZED {
			t.Fatalf("with 1 day: %v", err)
		}
	})
}
