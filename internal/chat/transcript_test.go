package chat_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/channel/email/deliver"
	"github.com/frontdesk/frontdesk/internal/channel/email/mailbox"
	"github.com/frontdesk/frontdesk/internal/channel/email/mailtest"
	"github.com/frontdesk/frontdesk/internal/chat"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/outbox"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

func ptr[T any](v T) *T { return &v }

// mailRig gives the fixture an outbox delivered through a real SMTP relay
// (go-smtp, STARTTLS, AUTH PLAIN), the way the server sends mail.
func (f *fixture) mailRig() (*outbox.Outbox, *mailtest.SMTPServer, *deliver.Deliverer) {
	f.t.Helper()
	ob := outbox.New(f.db, f.svc.Box)
	f.svc.Outbox = ob
	tlsc := mailtest.NewTLS(f.t)
	relay := mailtest.StartSMTP(f.t, tlsc, "relay", "relay-pass")
	mbs := mailbox.New(f.db, f.svc.Box)
	if _, err := mbs.Create(as(f.admin), mailbox.Input{Address: ptr("help@shop.example.com"), Name: ptr("Shop help"),
		SMTPHost: ptr(relay.Host), SMTPPort: ptr(relay.Port), SMTPSecurity: ptr("starttls"),
		SMTPUsername: ptr("relay"), SMTPSecret: ptr("relay-pass")}); err != nil {
		f.t.Fatal(err)
	}
	return ob, relay, &deliver.Deliverer{Outbox: ob, Mailboxes: mbs, Dial: mailbox.DialOptions{TLS: tlsc.Client, Timeout: 10 * time.Second}}
}

// mailParts reads a delivered mail's subject and its text and HTML parts.
func mailParts(t *testing.T, data []byte) (subject, text, html string) {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	subject, _ = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	mt, params, _ := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if mt != "multipart/alternative" {
		t.Fatalf("content type %q", mt)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextRawPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(quotedprintable.NewReader(p))
		if strings.HasPrefix(p.Header.Get("Content-Type"), "text/html") {
			html = string(body)
		} else {
			text = string(body)
		}
	}
	return subject, text, html
}

// A visitor asks for the transcript: it is queued to the pre-chat form's
// address only, delivered through the outbox, in the chat's language, with
// hostile text escaped in the HTML part and files named, not linked; the
// request is a note on the ticket; a chat's transcript goes out at most
// once per TranscriptEvery, an IP asks for a few an hour, and an address
// receives a few a day.
func TestTranscriptByEmail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		ob, relay, d := f.mailRig()
		clock := time.Now()
		f.svc.Now = func() time.Time { return clock }
		ag := f.agent("Anna Agentka")
		s := f.start("Vera <b>Visitor</b>", "vera@example.com", "Gdzie jest moja paczka?")
		if err := f.svc.Accept(as(ag), s.Conversation.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.AgentSend(as(ag), s.Conversation.ID, `Sprawdzam <script>alert("x")</script> & wracam`); err != nil {
			t.Fatal(err)
		}
		v := f.visitor(s.Token)
		if _, err := f.svc.VisitorUpload(ctx, v, "up1", `<img src=x onerror=alert(1)>.png`, strings.NewReader("PNG?")); err != nil {
			t.Fatal(err)
		}
		sent, err := f.svc.VisitorTranscript(ctx, v, "203.0.113.5")
		if err != nil {
			t.Fatal(err)
		}
		if sent.To != "v***@example.com" {
			t.Fatalf("shown address %q", sent.To)
		}
		// Again at once: refused, with when to try again.
		_, err = f.svc.VisitorTranscript(ctx, v, "203.0.113.5")
		var le *chat.LimitError
		if !errors.As(err, &le) || code(err) != desk.ETOOMANY || le.RetryAfter <= 9*time.Minute || le.RetryAfter > chat.TranscriptEvery {
			t.Fatalf("second transcript at once: %v", err)
		}
		res, err := d.DeliverDue(ctx)
		if err != nil || res.Sent != 1 {
			t.Fatalf("deliver: %+v %v", res, err)
		}
		mails := relay.Mails()
		if len(mails) != 1 || strings.Join(mails[0].To, ",") != "vera@example.com" {
			t.Fatalf("relay got %+v", mails)
		}
		subject, text, html := mailParts(t, mails[0].Data)
		if want := "Zapis Twojego czatu (zgłoszenie #"; !strings.HasPrefix(subject, want) {
			t.Errorf("subject %q", subject)
		}
		for _, want := range []string{"Zgodnie z prośbą", "Gdzie jest moja paczka?", `Sprawdzam <script>alert("x")</script> & wracam`,
			"Anna Agentka dołącza do czatu.", "Plik: <img src=x onerror=alert(1)>.png", "strefie czasowej UTC"} {
			if !strings.Contains(text, want) {
				t.Errorf("text part lacks %q:\n%s", want, text)
			}
		}
		if strings.Contains(html, "<script>") || strings.Contains(html, "<img") || strings.Contains(html, "<b>Visitor") ||
			!strings.Contains(html, "&lt;script&gt;") || !strings.Contains(html, "Vera &lt;b&gt;Visitor&lt;/b&gt;") {
			t.Errorf("html part not escaped:\n%s", html)
		}
		if strings.Contains(text+html, "/attachments/") || strings.Contains(text+html, s.Token) {
			t.Errorf("the transcript links a file or carries the token")
		}
		// The request is on the ticket as an internal note.
		cs, _, err := f.tickets.Comments(f.sys, s.Conversation.TicketID, 0, 50, false)
		if err != nil {
			t.Fatal(err)
		}
		last := cs[len(cs)-1]
		if last.Public || !strings.Contains(last.Body, "vera@example.com") {
			t.Fatalf("last comment %+v", last)
		}

		// Ten minutes on, after the chat ended, it may go again.
		if err := f.svc.VisitorEnd(ctx, v); err != nil {
			t.Fatal(err)
		}
		clock = clock.Add(chat.TranscriptEvery + time.Second)
		if _, err := f.svc.VisitorTranscript(ctx, f.visitor(s.Token), "203.0.113.5"); err != nil {
			t.Fatalf("after the chat ended: %v", err)
		}
		if res, err := d.DeliverDue(ctx); err != nil || res.Sent != 1 {
			t.Fatalf("deliver: %+v %v", res, err)
		}
		if _, text, _ := mailParts(t, relay.Mails()[1].Data); !strings.Contains(text, "Zakończono czat.") {
			t.Errorf("second transcript lacks the end:\n%s", text)
		}

		// The IP's budget: one an hour here.
		f.svc.TranscriptsPerHour = 1
		o1 := f.start("Olga", "olga@example.com", "Pierwsze")
		o2 := f.start("Olga", "olga@example.com", "Drugie")
		if _, err := f.svc.VisitorTranscript(ctx, f.visitor(o1.Token), "198.51.100.9"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.VisitorTranscript(ctx, f.visitor(o2.Token), "198.51.100.9"); !errors.As(err, &le) || le.RetryAfter <= 0 {
			t.Fatalf("second transcript from one IP in an hour: %v", err)
		}
		// One address gets a few a day, whoever asks.
		f.svc.TranscriptsPerHour = -1
		n := 0
		for i := range 8 {
			c := f.start("Zed", "zed@example.com", "Pytanie")
			_, err := f.svc.VisitorTranscript(ctx, f.visitor(c.Token), "192.0.2."+string(rune('1'+i)))
			if err == nil {
				n++
			} else if code(err) != desk.ETOOMANY {
				t.Fatal(err)
			}
		}
		if n != 5 {
			t.Fatalf("%d transcripts to one address in a day, want 5", n)
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			n, err := ob.CountSinceTx(ctx, tx, "vera@example.com", chat.KindTranscript, clock.Add(-time.Hour))
			if n != 2 {
				t.Errorf("vera's transcripts %d", n)
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
	})
}

// A long chat's transcript has every line, past one page of messages.
func TestTranscriptOfALongChat(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		_, relay, d := f.mailRig()
		s := f.start("Lea", "lea@example.com", "line first")
		now := time.Now().UnixMicro()
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			for i := range 620 {
				if _, err := tx.Exec(ctx, `INSERT INTO chat_messages (conversation_id, kind, author_name, body, created_at) VALUES (?, 'visitor', 'Lea', ?, ?)`,
					s.Conversation.ID, fmt.Sprintf("line %03d", i), now); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.VisitorTranscript(ctx, f.visitor(s.Token), ""); err != nil {
			t.Fatal(err)
		}
		if res, err := d.DeliverDue(ctx); err != nil || res.Sent != 1 {
			t.Fatalf("deliver: %+v %v", res, err)
		}
		_, text, _ := mailParts(t, relay.Mails()[0].Data)
		if !strings.Contains(text, "line first") || !strings.Contains(text, "line 619") || strings.Count(text, ": line ") != 621 {
			t.Fatalf("transcript has %d lines", strings.Count(text, ": line "))
		}
	})
}
