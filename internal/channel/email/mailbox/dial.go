package mailbox

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// DialOptions tune connections to mail servers.
type DialOptions struct {
	// Timeout bounds connecting and each command; 0 means 30 seconds.
	Timeout time.Duration
	// TLS is the base TLS configuration (tests add their own CA); nil
	// means the system's roots. ServerName is always set to the host.
	TLS *tls.Config
	// HeloName is the name given in EHLO; "" means "localhost".
	HeloName string
	// IMAPUnilateral receives what an IMAP server sends unasked (new
	// message counts while idling); nil ignores it.
	IMAPUnilateral *imapclient.UnilateralDataHandler
}

func (o DialOptions) timeout() time.Duration {
	if o.Timeout <= 0 {
		return 30 * time.Second
	}
	return o.Timeout
}

func (o DialOptions) tlsConfig(host string) *tls.Config {
	c := &tls.Config{MinVersion: tls.VersionTLS12}
	if o.TLS != nil {
		c = o.TLS.Clone()
	}
	c.ServerName = host
	return c
}

// DialSMTP connects to the relay of s, says EHLO, upgrades to TLS as
// configured and authenticates when a username is set. The caller closes
// the client (Quit).
func DialSMTP(ctx context.Context, s SMTP, password string, o DialOptions) (*smtp.Client, error) {
	if !s.Configured() {
		return nil, ErrNoRelay
	}
	addr := net.JoinHostPort(s.Host, strconv.Itoa(s.Port))
	d := net.Dialer{Timeout: o.timeout()}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("smtp: connect to %s: %w", addr, err)
	}
	if s.Security == SecurityTLS {
		tc := tls.Client(conn, o.tlsConfig(s.Host))
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return nil, fmt.Errorf("smtp: TLS with %s: %w", addr, err)
		}
		conn = tc
	}
	helo := o.HeloName
	if helo == "" {
		helo = "localhost"
	}
	var c *smtp.Client
	if s.Security == SecuritySTARTTLS {
		// go-smtp greets, says EHLO and upgrades in one step; a server
		// without STARTTLS fails it, so mail never goes out in clear.
		c, err = smtp.NewClientStartTLS(conn, o.tlsConfig(s.Host))
		if err != nil {
			return nil, fmt.Errorf("smtp: STARTTLS with %s: %w", addr, err)
		}
		// EHLO again, now inside TLS: this completes the handshake, so a
		// certificate problem is reported as one.
		if err := c.Hello(helo); err != nil {
			c.Close()
			return nil, fmt.Errorf("smtp: STARTTLS with %s: %w", addr, err)
		}
	} else {
		c = smtp.NewClient(conn)
		if err := c.Hello(helo); err != nil {
			c.Close()
			return nil, fmt.Errorf("smtp: EHLO to %s: %w", addr, err)
		}
	}
	c.CommandTimeout = o.timeout()
	c.SubmissionTimeout = 2 * o.timeout()
	if s.Username != "" {
		if err := c.Auth(sasl.NewPlainClient("", s.Username, password)); err != nil {
			c.Close()
			return nil, fmt.Errorf("smtp: sign in to %s as %s: %w", addr, s.Username, err)
		}
	}
	return c, nil
}

// DialIMAP connects to the IMAP server of i and signs in with secret
// (a password, or an OAuth2 access token for xoauth2). The caller logs out.
func DialIMAP(ctx context.Context, i IMAP, secret string, o DialOptions) (*imapclient.Client, error) {
	if !i.Configured() {
		return nil, errors.New("imap: no server configured")
	}
	addr := net.JoinHostPort(i.Host, strconv.Itoa(i.Port))
	opts := &imapclient.Options{TLSConfig: o.tlsConfig(i.Host), Dialer: &net.Dialer{Timeout: o.timeout()}, UnilateralDataHandler: o.IMAPUnilateral}
	var (
		c   *imapclient.Client
		err error
	)
	switch i.Security {
	case SecurityTLS:
		c, err = imapclient.DialTLS(addr, opts)
	case SecuritySTARTTLS:
		c, err = imapclient.DialStartTLS(addr, opts)
	default:
		c, err = imapclient.DialInsecure(addr, opts)
	}
	if err != nil {
		return nil, fmt.Errorf("imap: connect to %s: %w", addr, err)
	}
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	if i.Auth == AuthXOAUTH2 {
		err = c.Authenticate(xoauth2{user: i.Username, token: secret})
	} else {
		err = c.Login(i.Username, secret).Wait()
	}
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("imap: sign in to %s as %s: %w", addr, i.Username, err)
	}
	return c, nil
}

// xoauth2 is the SASL XOAUTH2 mechanism of Gmail and Microsoft 365.
type xoauth2 struct{ user, token string }

func (x xoauth2) Start() (string, []byte, error) {
	return "XOAUTH2", []byte("user=" + x.user + "\x01auth=Bearer " + x.token + "\x01\x01"), nil
}

// Next answers the server's error challenge with an empty response, as
// the mechanism requires; the server then fails the exchange.
func (x xoauth2) Next([]byte) ([]byte, error) { return []byte{}, nil }

// ParseDKIMKey reads a PEM private key for DKIM: RSA (PKCS#1 or PKCS#8,
// at least 1024 bits) or Ed25519 (PKCS#8).
func ParseDKIMKey(s string) (crypto.Signer, error) {
	block, _ := pem.Decode([]byte(s))
	if block == nil {
		return nil, errors.New("is not a PEM private key")
	}
	var key any
	var err error
	switch block.Type {
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("has unsupported PEM type %q", block.Type)
	}
	if err != nil {
		return nil, errors.New("is not a valid private key")
	}
	switch k := key.(type) {
	case *rsa.PrivateKey:
		if k.N.BitLen() < 1024 {
			return nil, errors.New("is an RSA key shorter than 1024 bits")
		}
		return k, nil
	case ed25519.PrivateKey:
		return k, nil
	}
	return nil, errors.New("must be an RSA or Ed25519 key")
}
