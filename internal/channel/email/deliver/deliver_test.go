package deliver_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"

	"github.com/frontdesk/frontdesk/internal/channel/email/deliver"
	"github.com/frontdesk/frontdesk/internal/channel/email/mailbox"
	"github.com/frontdesk/frontdesk/internal/channel/email/mailtest"
	"github.com/frontdesk/frontdesk/internal/channel/email/thread"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/outbox"
	"github.com/frontdesk/frontdesk/internal/secrets"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

func ptr[T any](v T) *T { return &v }

var admin = desk.WithPrincipal(context.Background(), &desk.Principal{UserID: 1, Role: desk.RoleAdmin})

// rig is a store with a support address whose relay is a real go-smtp
// server (STARTTLS, AUTH PLAIN) and a DKIM key.
type rig struct {
	db        *store.DB
	box       *secrets.Box
	outbox    *outbox.Outbox
	mailboxes *mailbox.Service
	threads   *thread.Store
	smtp      *mailtest.SMTPServer
	mailbox   *mailbox.Mailbox
	dkimTXT   string
	d         *deliver.Deliverer
	clock     time.Time
}

func newRig(t testing.TB, db *store.DB) *rig {
	t.Helper()
	box, err := secrets.NewBox(bytes.Repeat([]byte{3}, secrets.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	tlsc := mailtest.NewTLS(t)
	r := &rig{db: db, box: box, outbox: outbox.New(db, box), mailboxes: mailbox.New(db, box), threads: thread.New(db, box),
		smtp: mailtest.StartSMTP(t, tlsc, "relay", "relay-pass"), clock: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)}
	pub, key, _ := ed25519.GenerateKey(rand.Reader)
	der, _ := x509.MarshalPKCS8PrivateKey(key)
	r.dkimTXT = "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(pub)
	r.mailbox, err = r.mailboxes.Create(admin, mailbox.Input{Address: ptr("pomoc@example.com"), Name: ptr("Pomoc Żółw"),
		SMTPHost: ptr(r.smtp.Host), SMTPPort: ptr(r.smtp.Port), SMTPSecurity: ptr("starttls"),
		SMTPUsername: ptr("relay"), SMTPSecret: ptr("relay-pass"),
		DKIMSelector: ptr("fd2026"), DKIMKey: ptr(string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})))})
	if err != nil {
		t.Fatal(err)
	}
	r.d = &deliver.Deliverer{Outbox: r.outbox, Mailboxes: r.mailboxes, Dial: mailbox.DialOptions{TLS: tlsc.Client, Timeout: 10 * time.Second},
		Now: func() time.Time { return r.clock }}
	return r
}

func (r *rig) queue(t testing.TB, m outbox.Message) {
	t.Helper()
	if err := r.db.InTx(context.Background(), func(tx *store.Tx) error { return r.outbox.AddTx(context.Background(), tx, m) }); err != nil {
		t.Fatal(err)
	}
}

func (r *rig) verifyDKIM(t testing.TB, data []byte) {
	t.Helper()
	vs, err := dkim.VerifyWithOptions(bytes.NewReader(data), &dkim.VerifyOptions{LookupTXT: func(domain string) ([]string, error) {
		if domain != "fd2026._domainkey.example.com" {
			t.Errorf("DKIM lookup of %q", domain)
		}
		return []string{r.dkimTXT}, nil
	}})
	if err != nil || len(vs) != 1 || vs[0].Err != nil || vs[0].Domain != "example.com" {
		t.Fatalf("DKIM verification: %+v, %v", vs, err)
	}
}

func TestDeliverThreadedMailThroughARealRelay(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r := newRig(t, db)
		ctx := context.Background()
		replyTo, err := r.threads.ReplyTo(r.mailbox.Address, 42)
		if err != nil {
			t.Fatal(err)
		}
		id := thread.NewMessageID("example.com")
		err = db.InTx(ctx, func(tx *store.Tx) error {
			if err := r.threads.RecordTx(ctx, tx, thread.Record{MessageID: id, MailboxID: r.mailbox.ID, Direction: thread.Outbound, TicketID: 42}); err != nil {
				return err
			}
			return r.outbox.AddTx(ctx, tx, outbox.Message{To: "klient@example.org", Kind: "ticket.reply", TicketID: 42, MailboxID: r.mailbox.ID,
				Subject: thread.Subject(42, "Zażółć gęślą jaźń — drukarka nie działa"), Text: "Dzień dobry,\nproszę spróbować ponownie. Łódź, źdźbło.\n",
				HTML: "<p>Dzień dobry,</p><p>proszę spróbować ponownie.</p>", MessageID: id, InReplyTo: "orig@client.example",
				References: []string{"orig@client.example"}, ReplyTo: replyTo, AutoSubmitted: "auto-replied"})
		})
		if err != nil {
			t.Fatal(err)
		}
		res, err := r.d.DeliverDue(ctx)
		if err != nil || res.Sent != 1 {
			t.Fatalf("deliver = %v, %v", res, err)
		}
		mails := r.smtp.Mails()
		if len(mails) != 1 || mails[0].From != "pomoc@example.com" || strings.Join(mails[0].To, ",") != "klient@example.org" {
			t.Fatalf("relay got %+v", mails)
		}
		data := mails[0].Data
		r.verifyDKIM(t, data)
		msg, err := mail.ReadMessage(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		dec := new(mime.WordDecoder)
		subject, _ := dec.DecodeHeader(msg.Header.Get("Subject"))
		from, _ := msg.Header.AddressList("From")
		rt, _ := msg.Header.AddressList("Reply-To")
		for name, ok := range map[string]bool{
			"subject":        subject == "Zażółć gęślą jaźń — drukarka nie działa [#42]",
			"ascii headers":  !bytes.ContainsFunc(bytes.SplitN(data, []byte("\r\n\r\n"), 2)[0], func(r rune) bool { return r > 127 }),
			"from":           len(from) == 1 && from[0].Name == "Pomoc Żółw" && from[0].Address == "pomoc@example.com",
			"message-id":     msg.Header.Get("Message-ID") == "<"+id+">",
			"in-reply-to":    msg.Header.Get("In-Reply-To") == "<orig@client.example>",
			"references":     msg.Header.Get("References") == "<orig@client.example>",
			"auto-submitted": msg.Header.Get("Auto-Submitted") == "auto-replied",
			"reply-to":       len(rt) == 1 && rt[0].Address == replyTo,
		} {
			if !ok {
				t.Errorf("%s wrong in:\n%s", name, data)
			}
		}
		if tid, ok := r.threads.TokenFromAddress(rt[0].Address); !ok || tid != 42 {
			t.Errorf("reply-to token names ticket %d (%v)", tid, ok)
		}
		if tid, ok, _ := r.threads.Lookup(ctx, msg.Header.Get("Message-ID")); !ok || tid != 42 {
			t.Errorf("the sent Message-ID does not lead to the ticket: %d %v", tid, ok)
		}
		// multipart/alternative, text then HTML, both UTF-8 quoted-printable.
		mt, params, _ := mime.ParseMediaType(msg.Header.Get("Content-Type"))
		if mt != "multipart/alternative" {
			t.Fatalf("content type %q", mt)
		}
		mr := multipart.NewReader(msg.Body, params["boundary"])
		var parts []string
		for {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(quotedprintable.NewReader(p))
			parts = append(parts, p.Header.Get("Content-Type")+"|"+string(body))
		}
		if len(parts) != 2 || !strings.HasPrefix(parts[0], "text/plain; charset=utf-8|Dzień dobry,\r\nproszę spróbować ponownie. Łódź, źdźbło.") ||
			!strings.HasPrefix(parts[1], "text/html; charset=utf-8|<p>Dzień dobry,</p>") {
			t.Fatalf("parts %q", parts)
		}
		// Sent once: a second round sends nothing.
		if res, err := r.d.DeliverDue(ctx); err != nil || res.Sent != 0 || len(r.smtp.Mails()) != 1 {
			t.Fatalf("second round = %v, %v", res, err)
		}
	})
}

func TestDeliveryRetriesTemporaryAndGivesUpOnPermanentFailures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r := newRig(t, db)
		ctx := context.Background()
		r.smtp.Reject("later@example.org", 451)
		r.smtp.Reject("nobody@example.org", 550)
		for _, to := range []string{"later@example.org", "nobody@example.org", "fine@example.org"} {
			r.queue(t, outbox.Message{To: to, Subject: "Reset your password", Text: "Open https://help.example.com/reset?t=secret", Kind: "password_reset"})
		}
		res, err := r.d.DeliverDue(ctx)
		if err != nil || res != (deliver.Result{Sent: 1, Retrying: 1, Failed: 1}) {
			t.Fatalf("first round = %v, %v", res, err)
		}
		// The next attempt waits for its back-off.
		r.clock = r.clock.Add(r.d.Backoff(1) - time.Second)
		if res, _ := r.d.DeliverDue(ctx); res != (deliver.Result{}) {
			t.Fatalf("retried before the back-off ended: %v", res)
		}
		r.smtp.Reject("later@example.org", 0)
		r.clock = r.clock.Add(2 * time.Second)
		if res, err := r.d.DeliverDue(ctx); err != nil || res.Sent != 1 {
			t.Fatalf("retry = %v, %v", res, err)
		}
		entries, err := r.outbox.List(admin, 10)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			switch e.To {
			case "nobody@example.org":
				if !e.Failed() || !strings.Contains(e.LastError, "550") {
					t.Errorf("permanent failure shown as %+v", e)
				}
			default:
				if !e.Sent() || e.Failed() {
					t.Errorf("%s: %+v", e.To, e)
				}
			}
		}
		// Each recipient got exactly one copy; the secret link went only to them.
		if n := len(r.smtp.Mails()); n != 2 {
			t.Fatalf("relay got %d mails", n)
		}
	})
}

func TestBackoffGrowsAndGivesUp(t *testing.T) {
	d := &deliver.Deliverer{BaseBackoff: time.Minute, MaxBackoff: time.Hour}
	want := []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 16 * time.Minute, 32 * time.Minute, time.Hour, time.Hour}
	for i, w := range want {
		if got := d.Backoff(i + 1); got != w {
			t.Errorf("Backoff(%d) = %v, want %v", i+1, got, w)
		}
	}
	db := storetest.SQLite(t)
	r := newRig(t, db)
	r.d.MaxAttempts = 3
	r.smtp.Reject("flaky@example.org", 421)
	r.queue(t, outbox.Message{To: "flaky@example.org", Subject: "s", Text: "t", Kind: "k"})
	var last deliver.Result
	for range 3 {
		var err error
		if last, err = r.d.DeliverDue(context.Background()); err != nil {
			t.Fatal(err)
		}
		r.clock = r.clock.Add(7 * time.Hour)
	}
	if last.Failed != 1 {
		t.Fatalf("third failure = %v, want failed for good", last)
	}
}

func TestMailWaitsWithoutARelayAndUnreachableRelayRetries(t *testing.T) {
	db := storetest.SQLite(t)
	r := newRig(t, db)
	ctx := context.Background()
	if _, err := r.mailboxes.Update(admin, r.mailbox.ID, mailbox.Input{Enabled: ptr(false)}); err != nil {
		t.Fatal(err)
	}
	r.queue(t, outbox.Message{To: "a@example.org", Subject: "s", Text: "t", Kind: "k"})
	if res, err := r.d.DeliverDue(ctx); err != nil || res != (deliver.Result{}) {
		t.Fatalf("without a relay = %v, %v", res, err)
	}
	if e, _ := r.outbox.List(admin, 1); e[0].Attempts != 0 || !strings.Contains(e[0].LastError, "no enabled support address") {
		t.Fatalf("waiting entry %+v", e[0])
	}
	// Enabled again, but the relay is down: a temporary failure.
	if _, err := r.mailboxes.Update(admin, r.mailbox.ID, mailbox.Input{Enabled: ptr(true), SMTPPort: ptr(1)}); err != nil {
		t.Fatal(err)
	}
	r.clock = r.clock.Add(time.Hour)
	if res, err := r.d.DeliverDue(ctx); err != nil || res.Retrying != 1 {
		t.Fatalf("relay down = %v, %v", res, err)
	}
}

// TestKickDeliversQueuedMailAtOnce: with Queued wired to Kick and Run
// going, a message goes out right after the commit that queued it, with
// no scheduled round; a rolled-back transaction kicks nothing and sends
// nothing.
func TestKickDeliversQueuedMailAtOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r := newRig(t, db)
		r.d.Now = nil
		r.outbox.Queued = r.d.Kick
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { r.d.Run(ctx); close(done) }()
		defer func() { cancel(); <-done }()
		msg := func(to string) outbox.Message {
			return outbox.Message{To: to, Kind: "ticket.reply", MailboxID: r.mailbox.ID, Subject: "Re: order", Text: "On its way."}
		}
		rolledBack := errors.New("rolled back")
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			if err := r.outbox.AddTx(ctx, tx, msg("never@example.org")); err != nil {
				return err
			}
			return rolledBack
		}); !errors.Is(err, rolledBack) {
			t.Fatal(err)
		}
		r.queue(t, msg("klient@example.org"))
		for deadline := time.Now().Add(10 * time.Second); len(r.smtp.Mails()) == 0; time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatal("the queued message was not sent after its commit")
			}
		}
		if m := r.smtp.Mails(); len(m) != 1 || strings.Join(m[0].To, ",") != "klient@example.org" {
			t.Fatalf("relay got %+v", m)
		}
	})
}
