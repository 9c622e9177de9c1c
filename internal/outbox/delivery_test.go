package outbox_test

import (
	"strings"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/outbox"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

func TestThreadingFieldsRoundTripSealed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ob := outbox.New(db, newBox(t))
		in := outbox.Message{To: "c@example.com", Subject: "Re: x [#4]", Text: "hi", Kind: "ticket.reply",
			TicketID: 4, MailboxID: 2, MessageID: "<fd.1@example.com>", InReplyTo: "in@client.example",
			References: []string{"<a@x.example>", "in@client.example"}, ReplyTo: "Support+t4.abc@example.com", AutoSubmitted: "auto-replied"}
		if err := add(t, db, ob, in); err != nil {
			t.Fatal(err)
		}
		m, err := ob.Latest(sys, "c@example.com")
		if err != nil || m.TicketID != 4 || m.MailboxID != 2 || m.MessageID != "fd.1@example.com" || m.InReplyTo != "in@client.example" ||
			strings.Join(m.References, " ") != "a@x.example in@client.example" || m.ReplyTo != "support+t4.abc@example.com" || m.AutoSubmitted != "auto-replied" {
			t.Fatalf("message = %+v, %v", m, err)
		}
		// The reply address (it holds the ticket token) is not stored in clear.
		var n int
		if err := db.QueryRow(bg, `SELECT COUNT(*) FROM outbox WHERE sealed LIKE ? OR text_body LIKE ?`, "%t4.abc%", "%t4.abc%").Scan(&n); err != nil || n != 0 {
			t.Fatalf("reply-to in clear: %d %v", n, err)
		}
		for name, bad := range map[string]outbox.Message{
			"message_id":     {MessageID: "a b@c"},
			"in_reply_to":    {InReplyTo: "no-at-sign"},
			"references":     {References: []string{"x@y", "<z\r\n@y>"}},
			"reply_to":       {ReplyTo: "a@b>\r\nBcc: x@y"},
			"auto_submitted": {AutoSubmitted: "yes"},
		} {
			bad.To, bad.Subject, bad.Text, bad.Kind = "d@example.com", "s", "t", "k"
			if err := add(t, db, ob, bad); desk.ErrorCode(err) != desk.EINVALID {
				t.Errorf("%s: %v", name, err)
			}
		}
	})
}

func TestDueClaimsRetriesAndFailures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ob := outbox.New(db, newBox(t))
		for _, to := range []string{"a@example.com", "b@example.com", "c@example.com"} {
			if err := add(t, db, ob, outbox.Message{To: to, Subject: "s", Text: "t", Kind: "k"}); err != nil {
				t.Fatal(err)
			}
		}
		now := time.Now()
		if _, err := ob.Due(desk.WithPrincipal(bg, &desk.Principal{UserID: 1, Role: desk.RoleAdmin}), now, 10, time.Minute); desk.ErrorCode(err) != desk.EFORBIDDEN {
			t.Fatalf("admin claimed mail: %v", err)
		}
		got, err := ob.Due(sys, now, 10, time.Minute)
		if err != nil || len(got) != 3 || got[0].To != "a@example.com" {
			t.Fatalf("due = %+v, %v", got, err)
		}
		// Claimed: a second worker gets nothing until the lease ends.
		if again, err := ob.Due(sys, now, 10, time.Minute); err != nil || len(again) != 0 {
			t.Fatalf("claimed twice: %d %v", len(again), err)
		}
		if err := ob.MarkDelivered(sys, got[0].ID, now, "fd.x@example.com"); err != nil {
			t.Fatal(err)
		}
		if err := ob.RetryAt(sys, got[1].ID, now.Add(time.Hour), "451 4.3.0 try later https://relay.example/why?token=abc", true); err != nil {
			t.Fatal(err)
		}
		if err := ob.Fail(sys, got[2].ID, now, "550 5.1.1 no such user"); err != nil {
			t.Fatal(err)
		}
		if due, _ := ob.Due(sys, now.Add(2*time.Minute), 10, time.Minute); len(due) != 0 {
			t.Fatalf("due before the retry time: %+v", due)
		}
		due, err := ob.Due(sys, now.Add(2*time.Hour), 10, time.Minute)
		if err != nil || len(due) != 1 || due[0].To != "b@example.com" || due[0].Attempts != 1 {
			t.Fatalf("due after the retry time = %+v, %v", due, err)
		}
		list, err := ob.List(desk.WithPrincipal(bg, &desk.Principal{UserID: 1, Role: desk.RoleAdmin}), 10)
		if err != nil || len(list) != 3 {
			t.Fatal(list, err)
		}
		byTo := map[string]outbox.Entry{}
		for _, e := range list {
			byTo[e.To] = e
		}
		if e := byTo["a@example.com"]; !e.Sent() || e.Failed() {
			t.Errorf("delivered entry %+v", e)
		}
		if e := byTo["b@example.com"]; e.Sent() || e.Failed() || e.Attempts != 1 || strings.Contains(e.LastError, "token=abc") || !strings.Contains(e.LastError, "451") {
			t.Errorf("retried entry %+v", e)
		}
		if e := byTo["c@example.com"]; !e.Failed() || e.Attempts != 1 || !strings.Contains(e.LastError, "550") {
			t.Errorf("failed entry %+v", e)
		}
		if p, _ := ob.Pending(sys, 10); len(p) != 1 {
			t.Errorf("pending holds sent or failed mail: %+v", p)
		}
	})
}
