package mailbox

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"fmt"
)

// DNSRecord is the TXT record receivers look up to check a mailbox's
// DKIM signatures: publish Value as a TXT record at Name.
type DNSRecord struct {
	Name  string // e.g. "fd2026._domainkey.example.com"
	Value string // e.g. "v=DKIM1; k=rsa; p=MIIB…"
}

// DKIMRecord returns the DNS record of mailbox id's DKIM key (admins
// only): only the public half of the key, derived from the sealed private
// key, which itself never leaves the package. ok is false when the mailbox
// has no key.
func (s *Service) DKIMRecord(ctx context.Context, id int64) (rec DNSRecord, ok bool, err error) {
	if err := requireAdmin(ctx); err != nil {
		return rec, false, err
	}
	r, err := s.get(ctx, id)
	if err != nil || r.dkimKey == "" {
		return rec, false, err
	}
	pem, err := s.open(r, secretDKIM, r.dkimKey)
	if err != nil {
		return rec, false, err
	}
	key, err := ParseDKIMKey(pem)
	if err != nil {
		return rec, false, fmt.Errorf("mailbox %d: %w", id, err)
	}
	value, err := dkimTXT(key.Public())
	if err != nil {
		return rec, false, fmt.Errorf("mailbox %d: %w", id, err)
	}
	return DNSRecord{Name: r.DKIMSelector + "._domainkey." + r.Domain(), Value: value}, true, nil
}

// dkimTXT is the DKIM key record (RFC 6376 section 3.6.1; RFC 8463 for
// Ed25519, whose p= is the raw 32-byte key).
func dkimTXT(pub crypto.PublicKey) (string, error) {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		der, err := x509.MarshalPKIXPublicKey(k)
		if err != nil {
			return "", err
		}
		return "v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(der), nil
	case ed25519.PublicKey:
		return "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(k), nil
	}
	return "", fmt.Errorf("no DKIM record for a %T key", pub)
}
