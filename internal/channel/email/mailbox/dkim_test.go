package mailbox_test

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"strings"
	"testing"

	"github.com/emersion/go-msgauth/dkim"

	"github.com/frontdesk/frontdesk/internal/channel/email/mailbox"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

func rsaKeyPEM(t testing.TB) string {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}))
}

// TestDKIMRecordVerifiesSignatures: the DNS record shown to admins is the
// one a receiver needs: a message signed with the mailbox's key verifies
// against it, for RSA and Ed25519 keys. Agents cannot read it, and a
// mailbox without a key has none.
func TestDKIMRecordVerifiesSignatures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newService(t, db)
		for name, key := range map[string]string{"rsa": rsaKeyPEM(t), "ed25519": dkimKeyPEM(t)} {
			m, err := s.Create(admin(), mailbox.Input{Address: ptr(name + "@example.com"), SMTPHost: ptr("smtp.example.com"), DKIMSelector: ptr("fd2026"), DKIMKey: ptr(key)})
			if err != nil {
				t.Fatal(err)
			}
			rec, ok, err := s.DKIMRecord(admin(), m.ID)
			if err != nil || !ok || rec.Name != "fd2026._domainkey.example.com" || !strings.HasPrefix(rec.Value, "v=DKIM1; k="+name+"; p=") {
				t.Fatalf("%s: record %+v %v %v", name, rec, ok, err)
			}
			if strings.Contains(rec.Value, "PRIVATE") {
				t.Fatal("the record shows the private key")
			}
			snd, err := s.Sender(desk.SystemContext(t.Context()), m.ID)
			if err != nil {
				t.Fatal(err)
			}
			var signed bytes.Buffer
			msg := "From: " + m.Address + "\r\nTo: c@example.org\r\nSubject: hi\r\n\r\nHello.\r\n"
			if err := dkim.Sign(&signed, strings.NewReader(msg), &dkim.SignOptions{Domain: "example.com", Selector: "fd2026", Signer: snd.DKIM}); err != nil {
				t.Fatal(err)
			}
			vs, err := dkim.VerifyWithOptions(&signed, &dkim.VerifyOptions{LookupTXT: func(domain string) ([]string, error) {
				if domain != rec.Name {
					return nil, errors.New("no such record: " + domain)
				}
				return []string{rec.Value}, nil
			}})
			if err != nil || len(vs) != 1 || vs[0].Err != nil {
				t.Fatalf("%s: verification %v %+v", name, err, vs)
			}
			if _, _, err := s.DKIMRecord(agent(), m.ID); desk.ErrorCode(err) != desk.EFORBIDDEN {
				t.Fatalf("agent read the DKIM record: %v", err)
			}
		}
		plain, err := s.Create(admin(), mailbox.Input{Address: ptr("plain@example.com")})
		if err != nil {
			t.Fatal(err)
		}
		if _, ok, err := s.DKIMRecord(admin(), plain.ID); ok || err != nil {
			t.Fatalf("a mailbox without a key has a record: %v %v", ok, err)
		}
	})
}
