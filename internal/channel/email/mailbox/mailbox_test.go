package mailbox_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/channel/email/mailbox"
	"github.com/frontdesk/frontdesk/internal/channel/email/mailtest"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/secrets"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

func ptr[T any](v T) *T { return &v }

func admin() context.Context {
	return desk.WithPrincipal(context.Background(), &desk.Principal{UserID: 1, Role: desk.RoleAdmin})
}

func agent() context.Context {
	return desk.WithPrincipal(context.Background(), &desk.Principal{UserID: 2, Role: desk.RoleAgent})
}

func newService(t testing.TB, db *store.DB) *mailbox.Service {
	box, err := secrets.NewBox(bytes.Repeat([]byte{7}, secrets.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return mailbox.New(db, box)
}

// DKIMKeyPEM returns a fresh Ed25519 key in PKCS#8 PEM.
func dkimKeyPEM(t testing.TB) string {
	_, k, _ := ed25519.GenerateKey(rand.Reader)
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

func TestCreateUpdateDeleteKeepSecretsSealed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newService(t, db)
		ctx := admin()
		m, err := s.Create(ctx, mailbox.Input{Address: ptr(" Support@Example.COM "), Name: ptr("Obsługa klienta"),
			IMAPHost: ptr("imap.example.com"), IMAPUsername: ptr("support"), IMAPSecret: ptr("imap-pass-Zażółć"),
			SMTPHost: ptr("smtp.example.com"), SMTPUsername: ptr("support"), SMTPSecret: ptr("smtp-pass"),
			DKIMSelector: ptr("fd"), DKIMKey: ptr(dkimKeyPEM(t))})
		if err != nil {
			t.Fatal(err)
		}
		if m.Address != "support@example.com" || !m.Default || !m.Enabled || m.IMAP.Port != 993 || m.SMTP.Port != 587 ||
			!m.IMAP.HasSecret || !m.SMTP.HasSecret || !m.HasDKIMKey || m.CheckStatus != mailbox.CheckUnchecked {
			t.Fatalf("created %+v", m)
		}
		// No column holds a secret readably.
		var imapSec, smtpSec, dkim string
		if err := db.QueryRow(context.Background(), `SELECT imap_secret, smtp_secret, dkim_key FROM email_mailboxes WHERE id = ?`, m.ID).Scan(&imapSec, &smtpSec, &dkim); err != nil {
			t.Fatal(err)
		}
		for _, v := range []string{imapSec, smtpSec, dkim} {
			if !strings.HasPrefix(v, "v1:") || strings.Contains(v, "pass") || strings.Contains(v, "PRIVATE") {
				t.Fatalf("secret stored as %q", v)
			}
		}
		// Only the system principal opens them.
		if _, err := s.Sender(ctx, m.ID); desk.ErrorCode(err) != desk.EFORBIDDEN {
			t.Fatalf("admin read credentials: %v", err)
		}
		snd, err := s.Sender(desk.SystemContext(context.Background()), 0)
		if err != nil || snd.SMTPPassword != "smtp-pass" || snd.DKIM == nil || snd.ID != m.ID {
			t.Fatalf("sender = %+v, %v", snd, err)
		}
		rcv, err := s.Receiver(desk.SystemContext(context.Background()), m.ID)
		if err != nil || rcv.IMAPSecret != "imap-pass-Zażółć" {
			t.Fatalf("receiver = %+v, %v", rcv, err)
		}

		second, err := s.Create(ctx, mailbox.Input{Address: ptr("sales@example.com"), Default: ptr(true)})
		if err != nil {
			t.Fatal(err)
		}
		if first, _ := s.Get(ctx, m.ID); first.Default || !second.Default {
			t.Fatalf("default not moved: first %v second %v", first.Default, second.Default)
		}
		// Clearing a secret and disabling.
		m, err = s.Update(ctx, m.ID, mailbox.Input{SMTPSecret: ptr(""), Enabled: ptr(false)})
		if err != nil || m.SMTP.HasSecret || m.Enabled || !m.IMAP.HasSecret {
			t.Fatalf("update = %+v, %v", m, err)
		}
		if _, err := s.Sender(desk.SystemContext(context.Background()), m.ID); !errors.Is(err, mailbox.ErrNoRelay) {
			t.Fatalf("disabled mailbox sends: %v", err)
		}
		own, err := s.Addresses(ctx)
		if err != nil || !mailbox.IsOwnAddress(own, "SUPPORT+t5.abc@example.com") || mailbox.IsOwnAddress(own, "bob@example.com") {
			t.Fatalf("own addresses %v, %v", own, err)
		}
		if err := s.Delete(ctx, second.ID); err != nil {
			t.Fatal(err)
		}
		if first, _ := s.Get(ctx, m.ID); !first.Default {
			t.Fatal("the address left is not the default")
		}
		if err := s.Delete(ctx, second.ID); desk.ErrorCode(err) != desk.ENOTFOUND {
			t.Fatalf("second delete: %v", err)
		}
	})
}

func TestBadInputChangesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newService(t, db)
		ctx := admin()
		m, err := s.Create(ctx, mailbox.Input{Address: ptr("help@example.com")})
		if err != nil {
			t.Fatal(err)
		}
		for name, in := range map[string]mailbox.Input{
			"address":      {Address: ptr("not an address")},
			"plus":         {Address: ptr("help+x@example.com")},
			"security":     {IMAPHost: ptr("imap.example.com"), IMAPUsername: ptr("u"), IMAPSecurity: ptr("ssl3")},
			"port":         {SMTPHost: ptr("smtp.example.com"), SMTPPort: ptr(70000)},
			"host":         {SMTPHost: ptr("smtp.example.com:25")},
			"newline":      {Name: ptr("a\r\nBcc: x@y")},
			"after_fetch":  {IMAPAfterFetch: ptr("move")},
			"auth":         {IMAPAuth: ptr("kerberos")},
			"dkim":         {DKIMSelector: ptr("s"), DKIMKey: ptr("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----")},
			"dkim_no_sel":  {DKIMKey: ptr(dkimKeyPEM(t))},
			"imap_no_user": {IMAPHost: ptr("imap.example.com")},
			"group":        {DefaultGroupID: ptr(int64(999))},
		} {
			if _, err := s.Update(ctx, m.ID, in); desk.ErrorCode(err) != desk.EINVALID {
				t.Errorf("%s: err = %v, want invalid", name, err)
			}
		}
		if _, err := s.Create(ctx, mailbox.Input{Address: ptr("HELP@example.com")}); desk.ErrorCode(err) != desk.EINVALID {
			t.Errorf("duplicate address: %v", err)
		}
		after, err := s.Get(ctx, m.ID)
		if err != nil || after.UpdatedAt != m.UpdatedAt || after.Name != "help@example.com" || after.HasDKIMKey {
			t.Fatalf("bad input changed the mailbox: %+v %v", after, err)
		}
		if _, err := s.List(agent()); desk.ErrorCode(err) != desk.EFORBIDDEN {
			t.Fatalf("agent listed mailboxes: %v", err)
		}
		if _, err := s.Create(agent(), mailbox.Input{Address: ptr("x@example.com")}); desk.ErrorCode(err) != desk.EFORBIDDEN {
			t.Fatalf("agent created a mailbox: %v", err)
		}
	})
}

// TestCheckConnection dials real servers: go-imap's in-memory IMAP server
// and a go-smtp server, both with STARTTLS.
func TestCheckConnection(t *testing.T) {
	db := storetest.SQLite(t)
	s := newService(t, db)
	tlsc := mailtest.NewTLS(t)
	s.Dial = mailbox.DialOptions{TLS: tlsc.Client, Timeout: 10 * time.Second}
	imapSrv := mailtest.StartIMAP(t, tlsc, "support", "imap-secret")
	smtpSrv := mailtest.StartSMTP(t, tlsc, "relay-user", "smtp-secret")
	ctx := admin()
	m, err := s.Create(ctx, mailbox.Input{Address: ptr("support@example.com"),
		IMAPHost: ptr(imapSrv.Host), IMAPPort: ptr(imapSrv.Port), IMAPSecurity: ptr("starttls"),
		IMAPUsername: ptr("support"), IMAPSecret: ptr("imap-secret"),
		SMTPHost: ptr(smtpSrv.Host), SMTPPort: ptr(smtpSrv.Port), SMTPSecurity: ptr("starttls"),
		SMTPUsername: ptr("relay-user"), SMTPSecret: ptr("smtp-secret")})
	if err != nil {
		t.Fatal(err)
	}
	m, res, err := s.CheckConnection(ctx, m.ID)
	if err != nil || !res.OK() || m.CheckStatus != mailbox.CheckOK || m.CheckedAt.IsZero() {
		t.Fatalf("check = %+v %+v %v", m, res, err)
	}

	// Wrong passwords, a missing folder and no TLS trust each fail with a reason.
	m, err = s.Update(ctx, m.ID, mailbox.Input{IMAPSecret: ptr("wrong"), SMTPSecret: ptr("wrong")})
	if err != nil || m.CheckStatus != mailbox.CheckUnchecked {
		t.Fatalf("update resets the check: %+v %v", m, err)
	}
	m, res, err = s.CheckConnection(ctx, m.ID)
	if err != nil || res.OK() || !strings.Contains(res.IMAP, "sign in") || !strings.Contains(res.SMTP, "sign in") || m.CheckStatus != mailbox.CheckFailed {
		t.Fatalf("check with wrong passwords = %+v %+v %v", m, res, err)
	}
	_, err = s.Update(ctx, m.ID, mailbox.Input{IMAPSecret: ptr("imap-secret"), IMAPFolder: ptr("Nope"), SMTPSecret: ptr("smtp-secret")})
	if err != nil {
		t.Fatal(err)
	}
	_, res, _ = s.CheckConnection(ctx, m.ID)
	if !strings.Contains(res.IMAP, "select folder Nope") || res.SMTP != "" {
		t.Fatalf("missing folder: %+v", res)
	}
	s.Dial.TLS = nil // the system roots do not trust the test certificate
	_, res, _ = s.CheckConnection(ctx, m.ID)
	if !strings.Contains(res.SMTP, "STARTTLS") || !strings.Contains(res.IMAP, "certificate") {
		t.Fatalf("untrusted certificate: %+v", res)
	}
	if _, _, err := s.CheckConnection(agent(), m.ID); desk.ErrorCode(err) != desk.EFORBIDDEN {
		t.Fatalf("agent ran a check: %v", err)
	}
}

func TestXOAUTH2IsOfferedToTheServer(t *testing.T) {
	// The in-memory server knows no XOAUTH2: the attempt must fail cleanly,
	// naming the sign-in, rather than fall back to a password login.
	db := storetest.SQLite(t)
	s := newService(t, db)
	s.Dial = mailbox.DialOptions{Timeout: 10 * time.Second}
	imapSrv := mailtest.StartIMAP(t, nil, "support", "pw")
	m, err := s.Create(admin(), mailbox.Input{Address: ptr("support@example.com"),
		IMAPHost: ptr(imapSrv.Host), IMAPPort: ptr(imapSrv.Port), IMAPSecurity: ptr("none"),
		IMAPUsername: ptr("support"), IMAPAuth: ptr("xoauth2"), IMAPSecret: ptr("pw")})
	if err != nil {
		t.Fatal(err)
	}
	_, res, err := s.CheckConnection(admin(), m.ID)
	if err != nil || !strings.Contains(res.IMAP, "sign in") || res.SMTP != mailbox.Skipped {
		t.Fatalf("xoauth2 check = %+v %v", res, err)
	}
	if _, err := s.Update(admin(), m.ID, mailbox.Input{IMAPAuth: ptr("password")}); err != nil {
		t.Fatal(err)
	}
	if _, res, _ := s.CheckConnection(admin(), m.ID); !res.OK() {
		t.Fatalf("password check over a plain connection = %+v", res)
	}
}
