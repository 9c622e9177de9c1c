package ingest_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/attach"
	"github.com/frontdesk/frontdesk/internal/channel/email/deliver"
	"github.com/frontdesk/frontdesk/internal/channel/email/ingest"
	"github.com/frontdesk/frontdesk/internal/channel/email/mailbox"
	"github.com/frontdesk/frontdesk/internal/channel/email/mailtest"
	"github.com/frontdesk/frontdesk/internal/channel/email/notify"
	"github.com/frontdesk/frontdesk/internal/channel/email/thread"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/events"
	"github.com/frontdesk/frontdesk/internal/outbox"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/secrets"
	"github.com/frontdesk/frontdesk/internal/settings"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

func ptr[T any](v T) *T { return &v }

type fixture struct {
	db      *store.DB
	tickets *ticket.Service
	people  *people.Service
	threads *thread.Store
	in      *ingest.Service
	deliver *deliver.Deliverer
	smtp    *mailtest.SMTPServer
	sys     context.Context
	box     *mailbox.Mailbox
	agent   *desk.User
	blobDir string
}

func newFixture(t testing.TB, db *store.DB) *fixture {
	t.Helper()
	box, _ := secrets.NewBox(bytes.Repeat([]byte{7}, secrets.KeySize))
	blobDir := t.TempDir()
	blobs, err := attach.New(blobDir, 64<<20)
	if err != nil {
		t.Fatal(err)
	}
	bus := events.New()
	f := &fixture{blobDir: blobDir, db: db, tickets: ticket.New(db, bus, blobs), people: people.New(db, bus), threads: thread.New(db, box),
		smtp: mailtest.StartSMTP(t, nil, "", ""), sys: desk.SystemContext(context.Background())}
	mailboxes := mailbox.New(db, box)
	ob := outbox.New(db, box)
	f.box, err = mailboxes.Create(f.sys, mailbox.Input{Address: ptr("support@example.com"), Name: ptr("Example Support"),
		SMTPHost: ptr(f.smtp.Host), SMTPPort: ptr(f.smtp.Port), SMTPSecurity: ptr("none")})
	if err != nil {
		t.Fatal(err)
	}
	(&notify.Notifier{Outbox: ob, Mailboxes: mailboxes, Threads: f.threads}).Register(f.tickets)
	f.deliver = &deliver.Deliverer{Outbox: ob, Mailboxes: mailboxes, Dial: mailbox.DialOptions{Timeout: 10 * time.Second}}
	f.in = &ingest.Service{DB: db, Tickets: f.tickets, Threads: f.threads, Mailboxes: mailboxes}
	f.agent, err = f.people.CreateUser(f.sys, people.UserInput{Name: ptr("Alan Agent"), Email: ptr("alan@example.com"), Role: ptr(desk.RoleAgent)})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// msg builds a plain-text message; extra holds further header lines.
func msg(from, to, subject, id, body string, extra ...string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: Mon, 30 Nov 2026 08:00:00 +0000\r\n", from, to, subject)
	if id != "" {
		fmt.Fprintf(&b, "Message-ID: <%s>\r\n", id)
	}
	for _, h := range extra {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body + "\r\n")
	return []byte(b.String())
}

func (f *fixture) ingest(t testing.TB, raw []byte, rcpts ...string) *ingest.Result {
	t.Helper()
	res, err := f.in.Ingest(context.Background(), ingest.Delivery{Recipients: rcpts}, bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func (f *fixture) ticketCount(t testing.TB) int {
	t.Helper()
	var n int
	if err := f.db.QueryRow(context.Background(), `SELECT COUNT(*) FROM tickets`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func (f *fixture) comments(t testing.TB, id int64) []*desk.Comment {
	t.Helper()
	cs, _, err := f.tickets.Comments(f.sys, id, 0, 100, false)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// flush delivers the outbox to the test relay and returns the mails sent.
func (f *fixture) flush(t testing.TB) []mailtest.Mail {
	t.Helper()
	before := len(f.smtp.Mails())
	if _, err := f.deliver.DeliverDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	return f.smtp.Mails()[before:]
}

func header(t testing.TB, m mailtest.Mail) mail.Header {
	t.Helper()
	pm, err := mail.ReadMessage(bytes.NewReader(m.Data))
	if err != nil {
		t.Fatal(err)
	}
	return pm.Header
}

func TestNewMailOpensATicketAndIsAcknowledged(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		raw := msg(`"Zofia Żółć" <zofia@klient.example>`, "support@example.com", "Drukarka nie działa", "m1@klient.example",
			"Dzień dobry,\r\ndrukarka nie drukuje.\r\n-- \r\nZofia, tel. 123", "Cc: Carl <carl@klient.example>, support@example.com")
		res := f.ingest(t, raw, "support@example.com")
		if res.Outcome != ingest.Created || res.TicketID == 0 {
			t.Fatalf("result %+v", res)
		}
		tk, err := f.tickets.Get(f.sys, res.TicketID)
		if err != nil {
			t.Fatal(err)
		}
		if tk.Subject != "Drukarka nie działa" || tk.Via.Channel != "email" || tk.Via.Source.From["address"] != "zofia@klient.example" ||
			tk.Via.Source.From["name"] != "Zofia Żółć" || tk.Via.Source.To["address"] != "support@example.com" || tk.Via.Source.Rel != nil {
			t.Fatalf("ticket %+v via %+v", tk, tk.Via)
		}
		if len(tk.EmailCCIDs) != 1 {
			t.Fatalf("CCs %v, want Carl only (not the support address)", tk.EmailCCIDs)
		}
		req, err := f.people.GetUser(f.sys, tk.RequesterID)
		if err != nil || req.Email != "zofia@klient.example" || req.Role != desk.RoleEndUser {
			t.Fatalf("requester %+v %v", req, err)
		}
		cs := f.comments(t, tk.ID)
		if len(cs) != 1 || !strings.Contains(cs[0].Body, "drukarka nie drukuje") || !strings.Contains(cs[0].Body, "tel. 123") || cs[0].AuthorID != req.ID ||
			cs[0].Via.Channel != "email" || cs[0].Via.Source.From["address"] != "zofia@klient.example" || cs[0].Via.Source.To["address"] != "support@example.com" {
			t.Fatalf("comments %+v", cs)
		}
		if len(cs[0].Attachments) != 1 || cs[0].Attachments[0].FileName != "original.eml" || cs[0].Attachments[0].Size != int64(len(raw)) {
			t.Fatalf("attachments %+v", cs[0].Attachments)
		}

		// the customer hears that the request arrived, threaded, marked automatic
		sent := f.flush(t)
		var ack *mailtest.Mail
		for i := range sent {
			if sent[i].To[0] == "zofia@klient.example" {
				ack = &sent[i]
			}
		}
		if ack == nil {
			t.Fatalf("no acknowledgement among %d mails", len(sent))
		}
		h := header(t, *ack)
		if h.Get("Auto-Submitted") != "auto-replied" || h.Get("In-Reply-To") != "<m1@klient.example>" ||
			!strings.Contains(h.Get("Reply-To"), "support+t") || !strings.Contains(string(ack.Data), "has been received") {
			t.Fatalf("acknowledgement headers %v", h)
		}

		// the same message again changes nothing
		if again := f.ingest(t, raw, "support@example.com"); again.Outcome != ingest.Duplicate {
			t.Fatalf("second delivery: %+v", again)
		}
		if n := f.ticketCount(t); n != 1 {
			t.Fatalf("%d tickets after a duplicate", n)
		}
		if sent := f.flush(t); len(sent) != 0 {
			t.Fatalf("a duplicate sent %d mails", len(sent))
		}
	})
}

func TestRepliesFindTheirTicket(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		res := f.ingest(t, msg("Zofia <zofia@klient.example>", "support@example.com", "Help", "q1@klient.example", "First question"))
		id := res.TicketID
		f.flush(t)

		// an agent answers; the mail carries ids and a tokened Reply-To
		agentCtx := desk.WithPrincipal(context.Background(), mustPrincipal(t, f, f.agent.ID))
		if _, _, err := f.tickets.Update(agentCtx, id, ticket.Input{Comment: &ticket.CommentInput{Body: "Have you tried turning it off?"}, Status: ptr("pending")}); err != nil {
			t.Fatal(err)
		}
		var reply *mailtest.Mail
		for _, m := range f.flush(t) {
			if m.To[0] == "zofia@klient.example" {
				reply = &m
			}
		}
		if reply == nil {
			t.Fatal("no reply mailed to the customer")
		}
		h := header(t, *reply)
		outID := thread.Normalize(h.Get("Message-Id"))
		replyTo, _ := mail.ParseAddress(h.Get("Reply-To"))

		// 1. the customer's client sets In-Reply-To
		r1 := f.ingest(t, msg("Zofia <zofia@klient.example>", "support@example.com", "Re: Help", "a1@klient.example",
			"Yes I did.\r\n\r\nOn Mon, Alan wrote:\r\n> Have you tried turning it off?", "In-Reply-To: <"+outID+">"))
		if r1.Outcome != ingest.Commented || r1.TicketID != id {
			t.Fatalf("reply by In-Reply-To: %+v", r1)
		}
		tk, _ := f.tickets.Get(f.sys, id)
		if tk.Status != desk.StatusOpen {
			t.Fatalf("customer reply left status %s, want open", tk.Status)
		}
		cs := f.comments(t, id)
		if last := cs[len(cs)-1]; last.Body != "Yes I did." || last.AuthorID != tk.RequesterID || last.Via.Source.From["name"] != "Zofia" {
			t.Fatalf("reply comment %q by %d", last.Body, last.AuthorID)
		}

		// 2. a relay rewrote the Message-ID: only the Reply-To token is left
		r2 := f.ingest(t, msg("Zofia <zofia@klient.example>", replyTo.Address, "Re: something else", "a2@klient.example",
			"Second answer", "In-Reply-To: <rewritten@ses.example>"), replyTo.Address)
		if r2.Outcome != ingest.Commented || r2.TicketID != id {
			t.Fatalf("reply by token: %+v", r2)
		}

		// 3. a forged token is worthless
		forged := strings.Replace(replyTo.Address, "+t", "+t9", 1)
		r3 := f.ingest(t, msg("Zofia <zofia@klient.example>", forged, "Re: Help", "a3@klient.example", "Forged"), forged)
		if r3.Outcome != ingest.Created || r3.TicketID == id {
			t.Fatalf("forged token: %+v", r3)
		}

		// 4. a bare [#id] joins only for people on the ticket
		subj := thread.Subject(id, "Help")
		if r := f.ingest(t, msg("Stranger <mallory@evil.example>", "support@example.com", subj, "s1@evil.example", "Let me in")); r.Outcome != ingest.Created || r.TicketID == id {
			t.Fatalf("stranger with [#id]: %+v", r)
		}
		if r := f.ingest(t, msg("Zofia <zofia@klient.example>", "support@example.com", subj, "s2@klient.example", "Me again")); r.Outcome != ingest.Commented || r.TicketID != id {
			t.Fatalf("requester with [#id]: %+v", r)
		}
	})
}

func mustPrincipal(t testing.TB, f *fixture, id int64) *desk.Principal {
	t.Helper()
	p, err := people.PrincipalFor(context.Background(), f.db, id)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

const bounce = "From: MAILER-DAEMON@mx.example\r\nTo: support@example.com\r\nSubject: Undelivered Mail Returned to Sender\r\nMessage-ID: <b1@mx.example>\r\n" +
	"MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\r\n" +
	"--B\r\nContent-Type: text/plain\r\n\r\nDelivery failed.\r\n--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example\r\n\r\n" +
	"Final-Recipient: rfc822; %s\r\nAction: %s\r\nStatus: %s\r\n\r\n--B--\r\n"

func TestNoiseMakesNoTicket(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.ingest(t, msg("Zofia <zofia@klient.example>", "support@example.com", "Hi", "x1@klient.example", "Hello"))
		f.flush(t)
		before := f.ticketCount(t)
		cases := map[string][]byte{
			"auto-submitted": msg("Zofia <zofia@klient.example>", "support@example.com", "Out of office", "o1@k", "Away", "Auto-Submitted: auto-replied"),
			"x-autoreply":    msg("Zofia <zofia@klient.example>", "support@example.com", "Away", "o2@k", "Away", "X-Autoreply: yes"),
			"precedence":     msg("Zofia <zofia@klient.example>", "support@example.com", "News", "o3@k", "Bulk", "Precedence: bulk"),
			"own address":    msg("Support <support@example.com>", "support@example.com", "Loop", "o4@k", "Loop"),
			"plus own":       msg("Support <support+t1.abc@example.com>", "support@example.com", "Loop", "o5@k", "Loop"),
			"delayed dsn":    []byte(fmt.Sprintf(bounce, "zofia@klient.example", "delayed", "4.4.1")),
		}
		for name, raw := range cases {
			if r := f.ingest(t, raw); r.Outcome != ingest.Ignored {
				t.Fatalf("%s: %+v", name, r)
			}
		}
		if state, _, _ := people.DeliverableState(context.Background(), db, "zofia@klient.example"); state != people.DeliverableOK {
			t.Fatalf("a delayed DSN marked the address %q", state)
		}
		r := f.ingest(t, []byte(strings.Replace(fmt.Sprintf(bounce, "zofia@klient.example", "failed", "5.1.1"), "b1@", "b2@", 1)))
		if r.Outcome != ingest.Ignored || r.Reason != "bounce" {
			t.Fatalf("bounce: %+v", r)
		}
		if state, n, _ := people.DeliverableState(context.Background(), db, "zofia@klient.example"); state != people.DeliverableUndelivered || n != 1 {
			t.Fatalf("after a bounce: %q %d", state, n)
		}
		if n := f.ticketCount(t); n != before {
			t.Fatalf("noise made %d tickets", n-before)
		}
		if sent := f.flush(t); len(sent) != 0 {
			t.Fatalf("noise triggered %d mails", len(sent))
		}
		var pending int
		_ = db.QueryRow(context.Background(), `SELECT COUNT(*) FROM attachments WHERE comment_id IS NULL`).Scan(&pending)
		if pending != 0 {
			t.Fatalf("%d stored files left behind by ignored mail", pending)
		}
	})
}

func TestSuspendedQueue(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		bad, err := f.people.CreateUser(f.sys, people.UserInput{Name: ptr("Bad"), Email: ptr("bad@klient.example"), Role: ptr(desk.RoleEndUser)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(context.Background(), `UPDATE users SET suspended = ? WHERE id = ?`, true, bad.ID); err != nil {
			t.Fatal(err)
		}
		if err := settings.BlockedSenders.Set(f.sys, settings.Or(nil, db, nil), "spam.example, someone@else.example"); err != nil {
			t.Fatal(err)
		}
		r1 := f.ingest(t, msg("Bad <bad@klient.example>", "support@example.com", "Let me back", "sus1@k", "Please"))
		r2 := f.ingest(t, msg("Spammer <x@mail.spam.example>", "support@example.com", "Buy", "sus2@k", "Cheap"))
		if r1.Outcome != ingest.Suspended || r2.Outcome != ingest.Suspended {
			t.Fatalf("results %+v %+v", r1, r2)
		}
		if r := f.ingest(t, msg("Spammer <x@mail.spam.example>", "support@example.com", "Buy", "sus2@k", "Cheap")); r.Outcome != ingest.Duplicate {
			t.Fatalf("suspended twice: %+v", r)
		}
		if n := f.ticketCount(t); n != 0 {
			t.Fatalf("%d tickets from suspended mail", n)
		}
		eu, err := f.people.CreateUser(f.sys, people.UserInput{Name: ptr("Eve"), Email: ptr("eve@klient.example"), Role: ptr(desk.RoleEndUser)})
		if err != nil {
			t.Fatal(err)
		}
		endUser := desk.WithPrincipal(context.Background(), mustPrincipal(t, f, eu.ID))
		if _, _, err := f.in.ListSuspended(endUser, 0, 0, 10); desk.ErrorCode(err) != desk.EFORBIDDEN {
			t.Fatalf("end-user lists the queue: %v", err)
		}
		agent := desk.WithPrincipal(context.Background(), mustPrincipal(t, f, f.agent.ID))
		list, more, err := f.in.ListSuspended(agent, 0, 0, 10)
		if err != nil || more || len(list) != 2 {
			t.Fatalf("list %d %v %v", len(list), more, err)
		}
		spam := list[0]
		if spam.Author.Email != "x@mail.spam.example" || spam.CauseID != 13 || spam.Subject != "Buy" || spam.Via.Source.From["address"] != "x@mail.spam.example" {
			t.Fatalf("suspended %+v", spam)
		}
		if err := f.in.DestroySuspended(agent, []int64{spam.ID}); err != nil {
			t.Fatal(err)
		}
		ts, err := f.in.Recover(agent, []int64{list[1].ID})
		if err != nil || len(ts) != 1 || ts[0].Via.Source.From["address"] != "bad@klient.example" {
			t.Fatalf("recover %+v %v", ts, err)
		}
		cs := f.comments(t, ts[0].ID)
		if len(cs) != 1 || cs[0].Body != "Please" || len(cs[0].Attachments) != 1 {
			t.Fatalf("recovered comments %+v", cs)
		}
		if n, _ := f.in.CountSuspended(agent); n != 0 {
			t.Fatalf("%d left in the queue", n)
		}
		// a recovered message delivered again is a duplicate
		if r := f.ingest(t, msg("Bad <bad@klient.example>", "support@example.com", "Let me back", "sus1@k", "Please")); r.Outcome != ingest.Duplicate {
			t.Fatalf("after recovery: %+v", r)
		}
		if _, err := f.in.GetSuspended(agent, spam.ID); desk.ErrorCode(err) != desk.ENOTFOUND {
			t.Fatalf("destroyed still shown: %v", err)
		}
	})
}

func TestBlocked(t *testing.T) {
	list := "spam.example\n@junk.example, one@x.example"
	for addr, want := range map[string]bool{"a@spam.example": true, "a@sub.spam.example": true, "a@notspam.example": false,
		"b@junk.example": true, "one@x.example": true, "two@x.example": false, "garbage": false} {
		if got := ingest.Blocked(list, addr); got != want {
			t.Errorf("Blocked(%q) = %v", addr, got)
		}
	}
}

func TestTooLargeIsRefusedAndLeavesNothing(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t))
	f.in.MaxBytes = 1024
	raw := msg("Zofia <zofia@klient.example>", "support@example.com", "Big", "big@k", strings.Repeat("x", 4096))
	if _, err := f.in.Ingest(context.Background(), ingest.Delivery{}, bytes.NewReader(raw)); err != ingest.ErrTooLarge {
		t.Fatalf("err %v", err)
	}
	var n int
	_ = f.db.QueryRow(context.Background(), `SELECT COUNT(*) FROM attachments`).Scan(&n)
	if n != 0 || f.ticketCount(t) != 0 || f.blobFiles(t) != 0 {
		t.Fatalf("%d files (%d on disk), %d tickets left", n, f.blobFiles(t), f.ticketCount(t))
	}
}

func FuzzIngest(f *testing.F) {
	f.Add(msg("Zofia <zofia@klient.example>", "support@example.com", "Hi", "f1@k", "Hello"))
	f.Add([]byte(fmt.Sprintf(bounce, "a@b.example", "failed", "5.1.1")))
	f.Add([]byte("From: =?utf-8?B?////?= <x@y.z>\r\nContent-Type: multipart/mixed; boundary=\"\"\r\n\r\n--\r\n\x00\xff"))
	f.Add([]byte("Subject: [#1] t1.aaaaaaaaaaaaaaaa\r\nFrom: a@b.c\r\nIn-Reply-To: <<<>>>\r\nReferences: " + strings.Repeat("<a@b> ", 200) + "\r\n\r\n"))
	f.Add([]byte(""))
	fx := newFixture(f, storetest.SQLite(f))
	f.Fuzz(func(t *testing.T, raw []byte) {
		res, err := fx.in.Ingest(context.Background(), ingest.Delivery{}, bytes.NewReader(raw))
		if err != nil {
			if desk.ErrorCode(err) == desk.EINVALID || err == ingest.ErrTooLarge {
				return
			}
			t.Fatalf("ingest failed: %v", err)
		}
		if (res.Outcome == ingest.Created || res.Outcome == ingest.Commented) && res.TicketID == 0 {
			t.Fatalf("result %+v", res)
		}
	})
}

var _ = io.EOF

// TestConcurrentDeliveriesMakeOneTicket: a relay's retry can deliver one
// message twice at the same moment; on PostgreSQL both transactions pass
// the "seen?" check before either commits, so only the unique Message-ID
// record can tell them apart. Exactly one ticket, and every delivery ends
// without an error.
func TestConcurrentDeliveriesMakeOneTicket(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		for round := range 3 {
			raw := msg("Ola <ola@klient.example>", "support@example.com", "Twice", fmt.Sprintf("race%d@klient.example", round), "Hello")
			const n = 6
			outcomes := make(chan ingest.Outcome, n)
			errs := make(chan error, n)
			var wg sync.WaitGroup
			for range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					res, err := f.in.Ingest(context.Background(), ingest.Delivery{Recipients: []string{"support@example.com"}}, bytes.NewReader(raw))
					if err != nil {
						errs <- err
						return
					}
					outcomes <- res.Outcome
				}()
			}
			wg.Wait()
			close(outcomes)
			close(errs)
			for err := range errs {
				t.Fatalf("round %d: %v", round, err)
			}
			created := 0
			for o := range outcomes {
				if o == ingest.Created {
					created++
				} else if o != ingest.Duplicate {
					t.Fatalf("round %d: outcome %q", round, o)
				}
			}
			if created != 1 || f.ticketCount(t) != round+1 {
				t.Fatalf("round %d: %d created, %d tickets", round, created, f.ticketCount(t))
			}
		}
	})
}
