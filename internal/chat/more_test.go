package chat_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/chat"
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

// Starting chats and leaving messages share one per-IP budget, kept in the
// store: another instance on the same store counts the same uses.
func TestStartBudgetPerIP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		f.svc.StartsPerMinute = 3
		k, err := f.svc.KeyForOrigin(ctx, f.key.PublicKey, origin)
		if err != nil {
			t.Fatal(err)
		}
		in := func(ip string) chat.StartInput {
			return chat.StartInput{Name: "Ivy", Email: "ivy@example.com", Question: "Hello", IP: ip}
		}
		for range 2 {
			if _, err := f.svc.Start(ctx, k, in("203.0.113.7")); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := f.svc.LeaveMessage(ctx, k, in("203.0.113.7")); err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.LeaveMessage(ctx, k, in("203.0.113.7"))
		var le *chat.LimitError
		if !errors.As(err, &le) || code(err) != desk.ETOOMANY || le.RetryAfter <= 0 || le.RetryAfter > time.Minute {
			t.Fatalf("fourth use from one IP: %v", err)
		}
		if _, err := f.svc.Start(ctx, k, in("203.0.113.7")); code(err) != desk.ETOOMANY {
			t.Fatalf("start after the budget is spent: %v", err)
		}
		// Another instance on the same store: the same budget.
		other := chat.New(db, f.tickets, f.bus, f.svc.Box, f.st)
		other.StartsPerMinute = 3
		if _, err := other.Start(ctx, k, in("203.0.113.7")); code(err) != desk.ETOOMANY {
			t.Fatalf("start on another instance: %v", err)
		}
		// Another address has its own.
		if _, err := other.Start(ctx, k, in("198.51.100.2")); err != nil {
			t.Fatalf("another IP: %v", err)
		}
		// The hourly budget holds past the minute's.
		f.svc.StartsPerMinute, f.svc.StartsPerHour = -1, 2
		if _, err := f.svc.Start(ctx, k, in("192.0.2.44")); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Start(ctx, k, in("192.0.2.44")); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Start(ctx, k, in("192.0.2.44")); !errors.As(err, &le) || le.RetryAfter <= 59*time.Minute {
			t.Fatalf("hourly budget: %v", err)
		}
	})
}
