package smtpin_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/frontdesk/frontdesk/internal/attach"
	"github.com/frontdesk/frontdesk/internal/channel/email/deliver"
	"github.com/frontdesk/frontdesk/internal/channel/email/ingest"
	"github.com/frontdesk/frontdesk/internal/channel/email/mailbox"
	"github.com/frontdesk/frontdesk/internal/channel/email/mailtest"
	"github.com/frontdesk/frontdesk/internal/channel/email/notify"
	"github.com/frontdesk/frontdesk/internal/channel/email/smtpin"
	"github.com/frontdesk/frontdesk/internal/channel/email/thread"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/events"
	"github.com/frontdesk/frontdesk/internal/outbox"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/secrets"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

func ptr[T any](v T) *T { return &v }

type world struct {
	db      *store.DB
	tickets *ticket.Service
	people  *people.Service
	deliver *deliver.Deliverer
	relay   *mailtest.SMTPServer // where Frontdesk's outgoing mail lands
	addr    string               // our SMTP receiver
	sys     context.Context
	tls     *mailtest.TLS
}

func start(t testing.TB, db *store.DB, maxBytes int64) *world {
	t.Helper()
	box, _ := secrets.NewBox(bytes.Repeat([]byte{3}, secrets.KeySize))
	blobs, err := attach.New(t.TempDir(), 64<<20)
	if err != nil {
		t.Fatal(err)
	}
	bus := events.New()
	w := &world{db: db, tickets: ticket.New(db, bus, blobs), people: people.New(db, bus), relay: mailtest.StartSMTP(t, nil, "", ""),
		sys: desk.SystemContext(context.Background()), tls: mailtest.NewTLS(t)}
	mailboxes := mailbox.New(db, box)
	threads := thread.New(db, box)
	ob := outbox.New(db, box)
	if _, err := mailboxes.Create(w.sys, mailbox.Input{Address: ptr("help@example.com"), Name: ptr("Help"),
		SMTPHost: ptr(w.relay.Host), SMTPPort: ptr(w.relay.Port), SMTPSecurity: ptr("none")}); err != nil {
		t.Fatal(err)
	}
	if _, err := mailboxes.Create(w.sys, mailbox.Input{Address: ptr("off@example.com"), Enabled: ptr(false)}); err != nil {
		t.Fatal(err)
	}
	(&notify.Notifier{Outbox: ob, Mailboxes: mailboxes, Threads: threads}).Register(w.tickets)
	w.deliver = &deliver.Deliverer{Outbox: ob, Mailboxes: mailboxes, Dial: mailbox.DialOptions{Timeout: 10 * time.Second}}
	in := &ingest.Service{DB: db, Tickets: w.tickets, Threads: threads, Mailboxes: mailboxes}
	rcv := &smtpin.Receiver{Ingest: in, Mailboxes: mailboxes, MaxBytes: maxBytes, TLS: w.tls.Server}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- rcv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	w.addr = ln.Addr().String()
	return w
}

// send delivers raw over SMTP with STARTTLS, as an MX would.
func (w *world) send(t testing.TB, from string, to []string, raw []byte) error {
	t.Helper()
	c, err := smtp.DialStartTLS(w.addr, w.tls.Client)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.SendMail(from, to, bytes.NewReader(raw))
}

func code(err error) int {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		return se.Code
	}
	return 0
}

func msg(from, to, subject, id, body string, extra ...string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: <%s>\r\n", from, to, subject, id)
	for _, h := range extra {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + body + "\r\n")
	return []byte(b.String())
}

func (w *world) tickets_(t testing.TB) []int64 {
	t.Helper()
	rows, err := w.db.Query(context.Background(), `SELECT id FROM tickets ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		_ = rows.Scan(&id)
		ids = append(ids, id)
	}
	return ids
}

func TestReceiverChecksRecipientsAndSize(t *testing.T) {
	w := start(t, storetest.SQLite(t), 4096)
	raw := msg("a@b.example", "help@example.com", "Hi", "r1@b.example", "Hello")
	if err := w.send(t, "a@b.example", []string{"nobody@example.com"}, raw); code(err) != 550 {
		t.Fatalf("unknown recipient: %v", err)
	}
	if err := w.send(t, "a@b.example", []string{"off@example.com"}, raw); code(err) != 550 {
		t.Fatalf("disabled address: %v", err)
	}
	big := msg("a@b.example", "help@example.com", "Big", "r2@b.example", strings.Repeat("x", 8000))
	if err := w.send(t, "a@b.example", []string{"help@example.com"}, big); code(err) != 552 {
		t.Fatalf("too large: %v", err)
	}
	if n := len(w.tickets_(t)); n != 0 {
		t.Fatalf("%d tickets from refused mail", n)
	}
	if err := w.send(t, "a@b.example", []string{"HELP+anything@example.com"}, msg("a@b.example", "help@example.com", "Zażółć", "r3@b.example", "Gęślą jaźń")); err != nil {
		t.Fatalf("accepted mail: %v", err)
	}
	ids := w.tickets_(t)
	if len(ids) != 1 {
		t.Fatalf("tickets %v", ids)
	}
	tk, _ := w.tickets.Get(w.sys, ids[0])
	if tk.Subject != "Zażółć" || tk.Description != "Gęślą jaźń" {
		t.Fatalf("ticket %q %q", tk.Subject, tk.Description)
	}
}

// TestEmailRoundTrip is the story of the email channel: a message sent to
// the support address becomes a ticket, an agent's public reply arrives as
// a threaded email, the customer's reply lands on the same ticket (by
// In-Reply-To, and by the Reply-To token alone when a relay rewrote the
// Message-ID), and auto-replies and bounces make no tickets.
func TestEmailRoundTrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := start(t, db, 0)
		agent, err := w.people.CreateUser(w.sys, people.UserInput{Name: ptr("Ada Agent"), Email: ptr("ada@example.com"), Role: ptr(desk.RoleAgent)})
		if err != nil {
			t.Fatal(err)
		}
		if err := w.send(t, "kasia@klient.example", []string{"help@example.com"},
			msg("Kasia <kasia@klient.example>", "help@example.com", "Faktura", "k1@klient.example", "Gdzie jest moja faktura?")); err != nil {
			t.Fatal(err)
		}
		ids := w.tickets_(t)
		if len(ids) != 1 {
			t.Fatalf("tickets %v", ids)
		}
		id := ids[0]
		if _, err := w.deliver.DeliverDue(context.Background()); err != nil { // the acknowledgement
			t.Fatal(err)
		}
		p, _ := people.PrincipalFor(context.Background(), db, agent.ID)
		if _, _, err := w.tickets.Update(desk.WithPrincipal(context.Background(), p), id,
			ticket.Input{Comment: &ticket.CommentInput{Body: "Wysłaliśmy ją wczoraj."}, Status: ptr("pending")}); err != nil {
			t.Fatal(err)
		}
		before := len(w.relay.Mails())
		if _, err := w.deliver.DeliverDue(context.Background()); err != nil {
			t.Fatal(err)
		}
		mails := w.relay.Mails()[before:]
		if len(mails) != 1 || mails[0].To[0] != "kasia@klient.example" {
			t.Fatalf("agent reply mails: %+v", mails)
		}
		out, err := mail.ReadMessage(bytes.NewReader(mails[0].Data))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.Header.Get("References"), "<k1@klient.example>") || !strings.Contains(out.Header.Get("Subject"), fmt.Sprintf("[#%d]", id)) {
			t.Fatalf("reply not threaded: %v", out.Header)
		}
		outID := out.Header.Get("Message-Id")
		replyTo, _ := mail.ParseAddress(out.Header.Get("Reply-To"))

		// the customer answers the mail they got
		if err := w.send(t, "kasia@klient.example", []string{replyTo.Address}, msg("Kasia <kasia@klient.example>", replyTo.Address,
			"Re: "+out.Header.Get("Subject"), "k2@klient.example", "Nie dotarła.\r\n\r\nW dniu 30.11.2026 Ada Agent napisał(a):\r\n> Wysłaliśmy ją wczoraj.",
			"In-Reply-To: "+outID, "References: <k1@klient.example> "+outID)); err != nil {
			t.Fatal(err)
		}
		// and again through a relay that rewrote our Message-ID: only the token is left
		if err := w.send(t, "kasia@klient.example", []string{replyTo.Address}, msg("Kasia <kasia@klient.example>", replyTo.Address,
			"Re: faktura", "k3@klient.example", "Nadal nic.", "In-Reply-To: <010f0190abc@eu-west-1.amazonses.com>")); err != nil {
			t.Fatal(err)
		}
		// noise
		if err := w.send(t, "kasia@klient.example", []string{"help@example.com"}, msg("Kasia <kasia@klient.example>", "help@example.com",
			"Autoreply: Faktura", "k4@klient.example", "Jestem na urlopie.", "Auto-Submitted: auto-replied")); err != nil {
			t.Fatal(err)
		}
		bounce := "From: Mail Delivery System <MAILER-DAEMON@mx.example>\r\nTo: help@example.com\r\nSubject: Undelivered Mail Returned to Sender\r\nMessage-ID: <bb1@mx.example>\r\n" +
			"Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nFailed.\r\n" +
			"--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example\r\n\r\nFinal-Recipient: rfc822; kasia@klient.example\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n--B--\r\n"
		if err := w.send(t, "", []string{"help@example.com"}, []byte(bounce)); err != nil {
			t.Fatal(err)
		}
		if ids := w.tickets_(t); len(ids) != 1 {
			t.Fatalf("tickets %v, want only %d", ids, id)
		}
		cs, _, err := w.tickets.Comments(w.sys, id, 0, 100, false)
		if err != nil {
			t.Fatal(err)
		}
		var bodies []string
		for _, c := range cs {
			bodies = append(bodies, c.Body)
		}
		if len(cs) != 4 || cs[2].Body != "Nie dotarła." || cs[3].Body != "Nadal nic." {
			t.Fatalf("conversation %q", bodies)
		}
		tk, _ := w.tickets.Get(w.sys, id)
		if tk.Status != desk.StatusOpen {
			t.Fatalf("status %s after the customer's reply", tk.Status)
		}
	})
}
