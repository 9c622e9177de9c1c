package keys_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/channel/email/mailbox"
	"github.com/frontdesk/frontdesk/internal/chat"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/keys"
	"github.com/frontdesk/frontdesk/internal/outbox"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/secrets"
	"github.com/frontdesk/frontdesk/internal/settings"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
	"github.com/frontdesk/frontdesk/internal/twofactor"
	"github.com/frontdesk/frontdesk/internal/webhook"
)

func newBox(t *testing.T) *secrets.Box {
	t.Helper()
	k, err := secrets.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	b, err := secrets.NewBox(k)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func ptr[T any](v T) *T { return &v }

// seed stores one sealed value of every kind through the owning services
// and returns the mailbox id.
func seed(t *testing.T, db *store.DB, box *secrets.Box) int64 {
	t.Helper()
	sys := desk.SystemContext(context.Background())
	mb, err := mailbox.New(db, box).Create(sys, mailbox.Input{Address: ptr("support@example.com"),
		IMAPHost: ptr("imap.example.com"), IMAPPort: ptr(993), IMAPUsername: ptr("support"), IMAPSecret: ptr("imap-pass"),
		SMTPHost: ptr("smtp.example.com"), SMTPPort: ptr(587), SMTPUsername: ptr("support"), SMTPSecret: ptr("smtp-pass")})
	if err != nil {
		t.Fatal(err)
	}
	u, err := people.New(db, nil).CreateUser(sys, people.UserInput{Name: ptr("Ada"), Email: ptr("ada@example.com"), Role: ptr(desk.RoleAdmin)})
	if err != nil {
		t.Fatal(err)
	}
	self := desk.WithPrincipal(context.Background(), &desk.Principal{UserID: u.ID, Role: desk.RoleAdmin, Email: u.Email})
	if _, err := twofactor.New(db, box, "Frontdesk").Begin(self, u.ID, u.Email); err != nil {
		t.Fatal(err)
	}
	if _, err := webhook.New(db, box, nil, nil).Create(sys, webhook.Input{Name: ptr("hook"), Endpoint: ptr("https://hooks.example.com/x"), Subscriptions: &[]string{webhook.SubConditional},
		Authentication: &webhook.AuthInput{Type: "bearer_token", Token: ptr("bearer-secret")}}); err != nil {
		t.Fatal(err)
	}
	kn := "Shop"
	if _, err := chat.New(db, nil, nil, box, nil).CreateKey(sys, chat.KeyInput{Name: &kn, NewIdentitySecret: true}); err != nil {
		t.Fatal(err)
	}
	if err := settings.BotDraftAPIKey.Set(sys, settings.Uncached(db, nil), box, "sk-draft-key"); err != nil {
		t.Fatal(err)
	}
	if err := db.InTx(sys, func(tx *store.Tx) error {
		return outbox.New(db, box).AddTx(sys, tx, outbox.Message{To: "kasia@klient.example", Subject: "Hello", Text: "sealed body", Kind: "test"})
	}); err != nil {
		t.Fatal(err)
	}
	return mb.ID
}

func TestRotate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := desk.SystemContext(context.Background())
		old, next := newBox(t), newBox(t)
		mbID := seed(t, db, old)
		before, err := keys.Check(ctx, db, old)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range []keys.Kind{keys.KindMailbox, keys.KindTwoFactor, keys.KindWebhook, keys.KindOutbox, keys.KindChat, keys.KindSettings} {
			if before.Counts[k] == 0 {
				t.Fatalf("no sealed %s seeded: %+v", k, before.Counts)
			}
		}
		rep, err := keys.Rotate(ctx, db, old, next)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Total != before.Total {
			t.Fatalf("rotated %d values, %d stored", rep.Total, before.Total)
		}
		// Everything opens with the new key alone, nothing with the old.
		if after, err := keys.Check(ctx, db, next); err != nil || after.Total != before.Total {
			t.Fatalf("after rotation: %+v %v", after, err)
		}
		if _, err := keys.Check(ctx, db, old); !errors.Is(err, keys.ErrUnreadable) {
			t.Fatalf("the old key still opens values: %v", err)
		}
		// The services read their secrets with the new key.
		s, err := mailbox.New(db, next).Sender(ctx, mbID)
		if err != nil || s.SMTPPassword != "smtp-pass" {
			t.Fatalf("mailbox sender after rotation: %+v %v", s, err)
		}
		if _, err := mailbox.New(db, old).Sender(ctx, mbID); err == nil {
			t.Fatal("the mailbox secret still opens with the old key")
		}
		if k, err := settings.BotDraftAPIKey.Open(ctx, settings.Uncached(db, nil), next); err != nil || k != "sk-draft-key" {
			t.Fatalf("the answer bot's API key after rotation: %q %v", k, err)
		}
		// Rotating again from a box that knows both keys (an interrupted
		// rotation) works too.
		third := newBox(t)
		if _, err := keys.Rotate(ctx, db, third.WithOlder(next, old), third); err != nil {
			t.Fatal(err)
		}
		if _, err := keys.Check(ctx, db, third); err != nil {
			t.Fatal(err)
		}
	})
}

// TestRotateIsAllOrNothing: one value that does not open stops the
// rotation and leaves every value as it was.
func TestRotateIsAllOrNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := desk.SystemContext(context.Background())
		old, stranger := newBox(t), newBox(t)
		seed(t, db, old)
		// A value sealed with a key nobody has any more, in the last table
		// rotation visits, after the others were re-sealed in the same
		// transaction.
		foreign, err := stranger.Seal([]byte("lost"), "outbox:test:kasia@klient.example")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(ctx, `UPDATE outbox SET sealed = ?`, foreign); err != nil {
			t.Fatal(err)
		}
		var imapBefore string
		if err := db.QueryRow(ctx, `SELECT imap_secret FROM email_mailboxes`).Scan(&imapBefore); err != nil {
			t.Fatal(err)
		}
		if _, err := keys.Rotate(ctx, db, old, newBox(t)); !errors.Is(err, keys.ErrUnreadable) {
			t.Fatalf("Rotate = %v, want ErrUnreadable", err)
		}
		var imapAfter string
		if err := db.QueryRow(ctx, `SELECT imap_secret FROM email_mailboxes`).Scan(&imapAfter); err != nil {
			t.Fatal(err)
		}
		if imapAfter != imapBefore {
			t.Fatal("a failed rotation changed a mailbox secret")
		}
		if n, err := keys.Count(ctx, db); err != nil || n.Total == 0 {
			t.Fatalf("Count = %+v %v", n, err)
		}
	})
}

// TestEverySealingPackageIsRotated guards the list of owners: every
// package that seals values with the instance key must be in it.
func TestEverySealingPackageIsRotated(t *testing.T) {
	known := map[string]bool{
		"internal/channel/email/mailbox": true, "internal/twofactor": true,
		"internal/webhook": true, "internal/outbox": true, "internal/chat": true,
		"internal/settings": true,
	}
	root, _ := filepath.Abs("../..")
	var found []string
	err := filepath.WalkDir(filepath.Join(root, "internal"), func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if strings.Contains(string(b), ".Box.Seal(") || strings.Contains(string(b), "box.Seal(") {
			rel, _ := filepath.Rel(root, filepath.Dir(p))
			found = append(found, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(found)
	if len(found) == 0 {
		t.Fatal("found no package that seals values: the search is broken")
	}
	for _, pkg := range found {
		if !known[pkg] {
			t.Errorf("%s seals values with the instance key but keys.Rotate does not re-seal them: give it a ResealTx and add it to owners", pkg)
		}
	}
}

// TestRotateManyQueuedMails: the outbox is re-sealed page by page; every
// message across the page boundaries is re-sealed once.
func TestRotateManyQueuedMails(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := desk.SystemContext(context.Background())
		old, next := newBox(t), newBox(t)
		const n = 1201
		ob := outbox.New(db, old)
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			for range n {
				if err := ob.AddTx(ctx, tx, outbox.Message{To: "kasia@klient.example", Subject: "Hello", Text: "body", Kind: "test"}); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		rep, err := keys.Rotate(ctx, db, old, next)
		if err != nil || rep.Counts[keys.KindOutbox] != n {
			t.Fatalf("Rotate = %+v %v, want %d messages", rep, err, n)
		}
		if rep, err := keys.Check(ctx, db, next); err != nil || rep.Counts[keys.KindOutbox] != n {
			t.Fatalf("Check = %+v %v", rep, err)
		}
	})
}
