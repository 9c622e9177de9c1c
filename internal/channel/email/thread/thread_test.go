package thread_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/channel/email/thread"
	"github.com/frontdesk/frontdesk/internal/secrets"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

func box(t testing.TB, b byte) *secrets.Box {
	t.Helper()
	bx, err := secrets.NewBox(bytes.Repeat([]byte{b}, secrets.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return bx
}

func TestRecordAndLookup(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := thread.New(db, box(t, 1))
		sent := thread.NewMessageID("example.com")
		if !strings.HasSuffix(sent, "@example.com") || sent == thread.NewMessageID("example.com") {
			t.Fatalf("message id %q", sent)
		}
		err := db.InTx(ctx, func(tx *store.Tx) error {
			if err := s.RecordTx(ctx, tx, thread.Record{MessageID: "<" + sent + ">", MailboxID: 1, Direction: thread.Outbound, TicketID: 7}); err != nil {
				return err
			}
			// the same again is no error and no second row
			if err := s.RecordTx(ctx, tx, thread.Record{MessageID: sent, MailboxID: 1, Direction: thread.Outbound, TicketID: 7}); err != nil {
				return err
			}
			return s.RecordTx(ctx, tx, thread.Record{MessageID: "in-1@client.example", MailboxID: 1, Direction: thread.Inbound, TicketID: 9})
		})
		if err != nil {
			t.Fatal(err)
		}
		if id, ok, err := s.Lookup(ctx, "<unknown@x>", "bad id with space", "<"+sent+">"); err != nil || !ok || id != 7 {
			t.Fatalf("lookup sent = %d %v %v", id, ok, err)
		}
		if id, ok, err := s.Lookup(ctx, "in-1@client.example"); err != nil || !ok || id != 9 {
			t.Fatalf("lookup received = %d %v %v", id, ok, err)
		}
		if _, ok, err := s.Lookup(ctx, "nobody@nowhere"); err != nil || ok {
			t.Fatalf("unknown id found: %v %v", ok, err)
		}
		ids, err := s.ForTicket(ctx, 7, 10)
		if err != nil || len(ids) != 1 || ids[0] != sent {
			t.Fatalf("ForTicket = %v %v", ids, err)
		}
		bad := []thread.Record{
			{MessageID: "", Direction: thread.Outbound, TicketID: 1},
			{MessageID: "a b@c", Direction: thread.Outbound, TicketID: 1},
			{MessageID: "a@c", Direction: "sideways", TicketID: 1},
			{MessageID: "a@c", Direction: thread.Inbound},
		}
		for _, r := range bad {
			if err := db.InTx(ctx, func(tx *store.Tx) error { return s.RecordTx(ctx, tx, r) }); err == nil {
				t.Errorf("record %+v accepted", r)
			}
		}
	})
}

func TestTokens(t *testing.T) {
	s := thread.New(nil, box(t, 1))
	other := thread.New(nil, box(t, 2))
	addr, err := s.ReplyTo("support@example.com", 123)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(addr, "support+t123.") || !strings.HasSuffix(addr, "@example.com") {
		t.Fatalf("reply-to %q", addr)
	}
	if id, ok := s.TokenFromAddress(addr); !ok || id != 123 {
		t.Fatalf("own token: %d %v", id, ok)
	}
	if id, ok := s.TokenFromAddress(strings.ToUpper(addr)); !ok || id != 123 {
		t.Fatalf("upper-cased token: %d %v", id, ok)
	}
	if _, ok := other.TokenFromAddress(addr); ok {
		t.Fatal("token verified with another instance key")
	}
	tok, _ := s.Token(123)
	sig := tok[strings.IndexByte(tok, '.')+1:]
	for _, forged := range []string{"t124." + sig, "t0123." + sig, "t123", "123." + sig, "t123." + sig[:len(sig)-1], "t-1." + sig, ""} {
		if _, ok := s.VerifyToken(forged); ok {
			t.Errorf("forged token %q verified", forged)
		}
	}
	if _, ok := s.TokenFromAddress("support@example.com"); ok {
		t.Fatal("plain address verified")
	}
}

func TestSubject(t *testing.T) {
	for in, want := range map[string]string{
		"Printer broken":      "Printer broken [#5]",
		"Printer broken [#5]": "Printer broken [#5]",
		"  ":                  "[#5]",
		"Zażółć gęślą jaźń":   "Zażółć gęślą jaźń [#5]",
	} {
		if got := thread.Subject(5, in); got != want {
			t.Errorf("Subject(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestTokensAfterKeyRotation: reply addresses sent before a key rotation
// still thread while the previous key is kept; new tokens use the new key.
func TestTokensAfterKeyRotation(t *testing.T) {
	before := thread.New(nil, box(t, 1))
	addr, err := before.ReplyTo("support@example.com", 42)
	if err != nil {
		t.Fatal(err)
	}
	after := thread.New(nil, box(t, 2).WithOlder(box(t, 1)))
	if id, ok := after.TokenFromAddress(addr); !ok || id != 42 {
		t.Fatalf("a token from before the rotation: %d %v", id, ok)
	}
	fresh, err := after.ReplyTo("support@example.com", 42)
	if err != nil {
		t.Fatal(err)
	}
	if fresh == addr {
		t.Fatal("new tokens are still signed with the old key")
	}
	if _, ok := thread.New(nil, box(t, 2)).TokenFromAddress(addr); ok {
		t.Fatal("an old token verified without the old key")
	}
}
