package outbox_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/outbox"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

var bg = context.Background()

func add(t *testing.T, db *store.DB, ob *outbox.Outbox, m outbox.Message) error {
	t.Helper()
	return db.InTx(bg, func(tx *store.Tx) error { return ob.AddTx(bg, tx, m) })
}

func TestOutbox(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ob := outbox.New(db)
		at := time.Date(2025, 4, 4, 9, 14, 57, 123456000, time.UTC)
		for i, to := range []string{"a@example.com", "B@Example.com ", "a@example.com"} {
			if err := add(t, db, ob, outbox.Message{To: to, Subject: "Hello\r\nBcc: evil@example.com", Text: "text " + string(rune('0'+i)),
				HTML: "<p>x</p>", Kind: "test", CreatedAt: at.Add(time.Duration(i) * time.Second)}); err != nil {
				t.Fatal(err)
			}
		}

		m, err := ob.Latest(bg, "A@example.com")
		if err != nil || m.Text != "text 2" || m.To != "a@example.com" || m.Kind != "test" || !m.SentAt.IsZero() ||
			!m.CreatedAt.Equal(at.Add(2*time.Second)) || m.HTML != "<p>x</p>" {
			t.Fatalf("latest: %+v %v", m, err)
		}
		// Header injection through the subject is folded away.
		if strings.ContainsAny(m.Subject, "\r\n") || m.Subject != "Hello Bcc: evil@example.com" {
			t.Fatalf("subject %q", m.Subject)
		}
		if m, err := ob.Latest(bg, "b@example.com"); err != nil || m.Text != "text 1" {
			t.Fatalf("latest b: %+v %v", m, err)
		}
		if _, err := ob.Latest(bg, "nobody@example.com"); desk.ErrorCode(err) != desk.ENOTFOUND {
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
					texts = append(texts, m.Text)
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
		if m, err := ob.Latest(bg, "c@example.com"); err != nil || m.Text != "ab\uFFFD" || m.CreatedAt.IsZero() {
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
