package chat_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
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

// Files both ways: an agent's file lands on the ticket as the agent's
// public comment attachment and in the chat, where only that chat's
// visitor downloads it; the visitor's file likewise. Names are cleaned,
// sizes bounded, and only the chat's own agent sends.
func TestFilesBothWays(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		ag := f.agent("Anna Agent")
		other := f.agent("Olaf Other")
		a := f.start("Vera", "vera@example.com", "Send me the invoice")
		b := f.start("Bob", "bob@example.com", "Me too")
		if err := f.svc.Accept(as(ag), a.Conversation.ID); err != nil {
			t.Fatal(err)
		}
		hostile := `..\..\<script>alert(1)</script>".html`
		content := "<html><script>alert(document.cookie)</script></html>"
		m, err := f.svc.AgentUpload(as(ag), a.Conversation.ID, hostile, strings.NewReader(content))
		if err != nil {
			t.Fatal(err)
		}
		if m.Kind != chat.KindAgent || m.Data == nil || m.Data.Code != "file" || m.Data.AttachmentID == 0 ||
			strings.ContainsAny(m.Body, `/\"`) || m.AuthorName != "Anna Agent" {
			t.Fatalf("agent's file line %+v %+v", m, m.Data)
		}
		cs, _, err := f.tickets.Comments(f.sys, a.Conversation.TicketID, 0, 50, false)
		if err != nil {
			t.Fatal(err)
		}
		last := cs[len(cs)-1]
		if !last.Public || last.AuthorID != ag.UserID || len(last.Attachments) != 1 || last.Attachments[0].ID != m.Data.AttachmentID {
			t.Fatalf("ticket comment %+v", last)
		}
		va, vb := f.visitor(a.Token), f.visitor(b.Token)
		view, err := f.svc.VisitorView(ctx, va, 0)
		if err != nil {
			t.Fatal(err)
		}
		if got := view.Messages[len(view.Messages)-1]; got.ID != m.ID || got.Data == nil || got.Data.AttachmentID != m.Data.AttachmentID {
			t.Fatalf("the visitor does not see the file: %+v", got)
		}
		att, rc, err := f.svc.VisitorFile(ctx, va, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(rc)
		rc.Close()
		if string(got) != content || att.FileName != m.Body || strings.HasPrefix(att.ContentType, "text/html") {
			t.Fatalf("download: %q as %q (%s)", got, att.FileName, att.ContentType)
		}
		// Another chat's visitor, a line that is no file, a made-up id.
		if _, _, err := f.svc.VisitorFile(ctx, vb, m.ID); code(err) != desk.ENOTFOUND {
			t.Fatalf("another visitor: %v", err)
		}
		for _, id := range []int64{view.Messages[0].ID, m.ID + 1000} {
			if _, _, err := f.svc.VisitorFile(ctx, va, id); code(err) != desk.ENOTFOUND {
				t.Fatalf("message %d: %v", id, err)
			}
		}
		// Only the chat's agent sends; the size limit holds.
		if _, err := f.svc.AgentUpload(as(other), a.Conversation.ID, "x.txt", strings.NewReader("x")); code(err) != desk.EFORBIDDEN {
			t.Fatalf("another agent: %v", err)
		}
		if _, err := f.svc.AgentUpload(as(ag), a.Conversation.ID, "big.bin", bytes.NewReader(make([]byte, 2<<20))); code(err) != desk.ETOOLARGE {
			t.Fatalf("oversize: %v", err)
		}
		if _, err := f.svc.AgentUpload(as(ag), b.Conversation.ID, "x.txt", strings.NewReader("x")); code(err) != desk.ECONFLICT {
			t.Fatalf("a chat not accepted: %v", err)
		}
		// The visitor's file: the visitor downloads it, the agent opens it
		// from the ticket.
		vm, err := f.svc.VisitorUpload(ctx, va, "v1", "photo.png", strings.NewReader("\x89PNG\r\n\x1a\nrest"))
		if err != nil {
			t.Fatal(err)
		}
		if _, rc, err := f.svc.VisitorFile(ctx, va, vm.ID); err != nil {
			t.Fatal(err)
		} else {
			rc.Close()
		}
		if _, rc, err := f.tickets.OpenAttachment(as(ag), vm.Data.AttachmentID); err != nil {
			t.Fatalf("agent opens the visitor's file: %v", err)
		} else {
			rc.Close()
		}
		// After the chat ends no more files go either way.
		if err := f.svc.End(as(ag), a.Conversation.ID, false); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.AgentUpload(as(ag), a.Conversation.ID, "late.txt", strings.NewReader("x")); code(err) != desk.ECONFLICT {
			t.Fatalf("after the end: %v", err)
		}
	})
}
