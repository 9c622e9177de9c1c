package outbox_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/outbox"
	"github.com/frontdesk/frontdesk/internal/secrets"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

var (
	bg  = context.Background()
	sys = desk.SystemContext(bg)
)

func newBox(t testing.TB) *secrets.Box {
	t.Helper()
	key := make([]byte, secrets.KeySize)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	b, err := secrets.NewBox(key)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func add(t *testing.T, db *store.DB, ob *outbox.Outbox, m outbox.Message) error {
	t.Helper()
	return db.InTx(bg, func(tx *store.Tx) error { return ob.AddTx(bg, tx, m) })
}

func TestOutbox(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ob := outbox.New(db, newBox(t))
		at := time.Date(2025, 4, 4, 9, 14, 57, 123456000, time.UTC)
		for i, to := range []string{"a@example.com", "B@Example.com ", "a@example.com"} {
			if err := add(t, db, ob, outbox.Message{To: to, Subject: "Hello\r\nBcc: evil@example.com", Text: "text " + string(rune('0'+i)),
				HTML: "<p>x</p>", Kind: "test", CreatedAt: at.Add(time.Duration(i) * time.Second)}); err != nil {
				t.Fatal(err)
			}
		}

		m, err := ob.Latest(sys, "A@example.com")
		if err != nil || m.Text != "text 2" || m.To != "a@example.com" || m.Kind != "test" || !m.SentAt.IsZero() ||
			!m.CreatedAt.Equal(at.Add(2*time.Second)) || m.HTML != "<p>x</p>" {
			t.Fatalf("latest: %+v %v", m, err)
		}
		// Header injection through the subject is folded away.
		if strings.ContainsAny(m.Subject, "\r\n") || m.Subject != "Hello Bcc: evil@example.com" {
			t.Fatalf("subject %q", m.Subject)
		}
		if m, err := ob.Latest(sys, "b@example.com"); err != nil || m.Text != "text 1" {
			t.Fatalf("latest b: %+v %v", m, err)
		}
		if _, err := ob.Latest(sys, "nobody@example.com"); desk.ErrorCode(err) != desk.ENOTFOUND {
			t.Fatalf("latest unknown: %v", err)
		}

		admin := desk.WithPrincipal(bg, &desk.Principal{UserID: 1, Role: desk.RoleAdmin, Via: "web"})
		tests := []struct {
			name  string
			ctx   context.Context
			limit int
			code  string
			want  []string // texts, newest first
		}{
			{"admin", admin, 0, "", []string{"text 2", "text 1", "text 0"}},
			{"admin limit", admin, 2, "", []string{"text 2", "text 1"}},
			{"system", desk.SystemContext(bg), 1, "", []string{"text 2"}},
			{"agent", desk.WithPrincipal(bg, &desk.Principal{UserID: 2, Role: desk.RoleAgent}), 0, desk.EFORBIDDEN, nil},
			{"end-user", desk.WithPrincipal(bg, &desk.Principal{UserID: 3, Role: desk.RoleEndUser}), 0, desk.EFORBIDDEN, nil},
			{"anonymous", bg, 0, desk.EUNAUTHORIZED, nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				list, err := ob.List(tt.ctx, tt.limit)
				if got := desk.ErrorCode(err); got != tt.code {
					t.Fatalf("code %q (%v), want %q", got, err, tt.code)
				}
				if tt.code != "" {
					return
				}
				var texts []string
				for _, m := range list {
					texts = append(texts, m.Preview)
				}
				if strings.Join(texts, ",") != strings.Join(tt.want, ",") {
					t.Fatalf("got %v, want %v", texts, tt.want)
				}
			})
		}

		// Bad messages are refused and nothing is written.
		for _, m := range []outbox.Message{
			{To: "", Subject: "s", Text: "t"},
			{To: "a@example.com\r\nBcc: evil@example.com", Subject: "s", Text: "t"},
			{To: "Name <a@example.com>", Subject: "s", Text: "t"},
			{To: "no-at-sign", Subject: "s", Text: "t"},
			{To: "a@example.com", Subject: " ", Text: "t"},
			{To: "a@example.com", Subject: "s"},
			{To: "a@example.com", Subject: "s", Text: "t", Kind: "bad\nkind"},
		} {
			if err := add(t, db, ob, m); desk.ErrorCode(err) != desk.EINVALID {
				t.Errorf("%+v: err = %v", m, err)
			}
		}
		// NUL bytes and invalid UTF-8 are cleaned so PostgreSQL stores them.
		if err := add(t, db, ob, outbox.Message{To: "c@example.com", Subject: "s\x00", Text: "a\x00b\xff", Kind: "k"}); err != nil {
			t.Fatal(err)
		}
		if m, err := ob.Latest(sys, "c@example.com"); err != nil || m.Text != "ab\uFFFD" || m.CreatedAt.IsZero() {
			t.Fatalf("%+v %v", m, err)
		}
		err = db.InTx(bg, func(tx *store.Tx) error {
			n, err := ob.CountSinceTx(bg, tx, "A@example.com", "test", at.Add(time.Second))
			if err == nil && n != 1 {
				t.Errorf("count = %d", n)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// TestSecretsNeverShown: a reset link queued in the outbox is never shown
// to an admin — not in the list, not in the stored display columns — while
// the delivery path gets it intact.
func TestSecretsNeverShown(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ob := outbox.New(db, newBox(t))
		const token = "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWprbG1u"
		link := "https://help.example.com/password/reset?token=" + token
		msg := outbox.Message{To: "owner@example.com", Subject: "Reset your password", Kind: "password_reset",
			Text: "To choose a new password, open this link:\n\n" + link + "\n\nYour code is 493021.\n",
			HTML: `<p><a href="` + link + `">Choose a new password</a></p>`}
		if err := add(t, db, ob, msg); err != nil {
			t.Fatal(err)
		}

		// A non-owner admin (and the owner) see that it was sent, to whom,
		// its kind and state — and no secret.
		for _, p := range []*desk.Principal{{UserID: 7, Role: desk.RoleAdmin, Via: "web"}, {UserID: 1, Role: desk.RoleAdmin, Via: "api"}} {
			list, err := ob.List(desk.WithPrincipal(bg, p), 0)
			if err != nil || len(list) != 1 {
				t.Fatalf("list: %v %+v", err, list)
			}
			e := list[0]
			all := fmt.Sprintf("%+v", e)
			if strings.Contains(all, token) || strings.Contains(all, "493021") || strings.Contains(all, "token=") {
				t.Fatalf("the admin view shows a secret: %s", all)
			}
			if e.To != "owner@example.com" || e.Kind != "password_reset" || e.Subject != "Reset your password" || e.Sent() ||
				!strings.Contains(e.Preview, outbox.HiddenLink) || !strings.Contains(e.Preview, "To choose a new password") {
				t.Fatalf("entry: %+v", e)
			}
			// The delivery path is not theirs.
			if _, err := ob.Deliverable(desk.WithPrincipal(bg, p), e.ID); desk.ErrorCode(err) != desk.EFORBIDDEN {
				t.Fatalf("admin reads a deliverable message: %v", err)
			}
			if _, err := ob.Pending(desk.WithPrincipal(bg, p), 0); desk.ErrorCode(err) != desk.EFORBIDDEN {
				t.Fatalf("admin reads pending messages: %v", err)
			}
			if _, err := ob.Latest(desk.WithPrincipal(bg, p), "owner@example.com"); desk.ErrorCode(err) != desk.EFORBIDDEN {
				t.Fatalf("admin reads the latest message: %v", err)
			}
		}
		// Nothing readable is stored either: a database copy shows no link.
		var row string
		if err := db.QueryRow(bg, `SELECT to_addr || subject || text_body || html_body || sealed FROM outbox`).Scan(&row); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(row, token) || strings.Contains(row, "493021") {
			t.Fatalf("the stored row holds the secret: %s", row)
		}

		// The delivery path gets the message exactly as queued.
		pending, err := ob.Pending(sys, 0)
		if err != nil || len(pending) != 1 {
			t.Fatalf("pending: %v %+v", err, pending)
		}
		m := pending[0]
		if m.Text != msg.Text || m.HTML != msg.HTML || m.Subject != msg.Subject || m.To != msg.To || m.Kind != msg.Kind {
			t.Fatalf("deliverable differs: %+v", m)
		}
		if d, err := ob.Deliverable(sys, m.ID); err != nil || d.Text != msg.Text {
			t.Fatalf("deliverable: %+v %v", d, err)
		}
		if err := ob.MarkSent(sys, m.ID, time.Now()); err != nil {
			t.Fatal(err)
		}
		if pending, err := ob.Pending(sys, 0); err != nil || len(pending) != 0 {
			t.Fatalf("pending after sending: %v %+v", err, pending)
		}
		if list, _ := ob.List(desk.SystemContext(bg), 0); len(list) != 1 || !list[0].Sent() {
			t.Fatalf("sent state: %+v", list)
		}
		if err := ob.MarkSent(sys, 999999, time.Now()); desk.ErrorCode(err) != desk.ENOTFOUND {
			t.Fatalf("mark unknown: %v", err)
		}

		// A sealed body moved to another recipient's row does not open.
		if err := add(t, db, ob, outbox.Message{To: "attacker@example.com", Subject: "Hi", Text: "hello", Kind: "password_reset"}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(bg, `UPDATE outbox SET sealed = (SELECT sealed FROM outbox WHERE to_addr = ?) WHERE to_addr = ?`,
			"owner@example.com", "attacker@example.com"); err != nil {
			t.Fatal(err)
		}
		if m, err := ob.Latest(sys, "attacker@example.com"); err == nil {
			t.Fatalf("a moved body opened: %+v", m)
		}
		// A message from before sealing (blanked by the migration) is
		// never pending and cannot be opened.
		if _, err := db.Exec(bg, `INSERT INTO outbox (to_addr, subject, kind, created_at) VALUES (?, ?, ?, ?)`,
			"legacy@example.com", "Reset your password", "password_reset", 1); err != nil {
			t.Fatal(err)
		}
		if _, err := ob.Latest(sys, "legacy@example.com"); err == nil {
			t.Fatal("a legacy message opened")
		}
		if _, err := db.Exec(bg, `UPDATE outbox SET sealed = ? WHERE to_addr = ?`, "", "attacker@example.com"); err != nil {
			t.Fatal(err)
		}
		if pending, err := ob.Pending(sys, 0); err != nil || len(pending) != 0 {
			t.Fatalf("legacy messages pending: %v %+v", err, pending)
		}
		// Without a key nothing is queued in clear.
		noKey := outbox.New(db, nil)
		if err := add(t, db, noKey, outbox.Message{To: "a@example.com", Subject: "s", Text: "t", Kind: "k"}); err == nil {
			t.Fatal("queued without a key")
		}
	})
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"open https://x.example/reset?token=abc now":                     "open " + outbox.HiddenLink + " now",
		"http://127.0.0.1:8080/verify?token=a":                           outbox.HiddenLink,
		"<a href=\"https://x.example/a\">go</a>":                         "<a href=\"" + outbox.HiddenLink + "\">go</a>",
		"token Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFi":                         "token " + outbox.HiddenToken,
		"abcdefghijklmnopqrstuvwxyzABCDEF":                               outbox.HiddenToken,
		"code 123456.":                                                   "code " + outbox.HiddenToken + ".",
		"Note: blocked for 15 minutes (until 2 January 2006, 15:04 UTC)": "Note: blocked for 15 minutes (until 2 January 2006, 15:04 UTC)",
		"write to mailto:help@example.com":                               "write to mailto:help@example.com",
		"Someone asked to reset the password of your account":            "Someone asked to reset the password of your account",
	} {
		if got := outbox.Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}
