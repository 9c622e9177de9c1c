// Package mailtest starts real mail servers for tests: an SMTP server
// (go-smtp) that keeps what it receives, and an in-memory IMAP server
// (go-imap's imapmemserver), both on 127.0.0.1 with STARTTLS offered under
// a certificate made for the test and trusted by ClientTLS.
package mailtest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// TLS holds a server certificate for 127.0.0.1 and "localhost" and a
// client configuration that trusts it.
type TLS struct {
	Server *tls.Config
	Client *tls.Config
}

// NewTLS makes a fresh self-signed certificate.
func NewTLS(t testing.TB) *TLS {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "localhost"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &TLS{
		Server: &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}},
		Client: &tls.Config{RootCAs: pool},
	}
}

// Mail is one message the SMTP server accepted.
type Mail struct {
	From string
	To   []string
	Data []byte
}

// SMTPServer is a running go-smtp server.
type SMTPServer struct {
	Host string
	Port int
	// User and Password are the only credentials AUTH PLAIN accepts.
	User, Password string

	mu    sync.Mutex
	mails []Mail
	// Reject, when set, answers RCPT TO for an address with an error
	// (e.g. &smtp.SMTPError{Code: 550} or 451).
	reject map[string]*smtp.SMTPError
	got    chan struct{}
}

// StartSMTP starts an SMTP server offering STARTTLS with tlsc and requiring
// AUTH PLAIN as user/password (when user is not empty). It stops when the
// test ends.
func StartSMTP(t testing.TB, tlsc *TLS, user, password string) *SMTPServer {
	t.Helper()
	s := &SMTPServer{User: user, Password: password, reject: map[string]*smtp.SMTPError{}, got: make(chan struct{}, 1000)}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &session{srv: s}, nil }))
	srv.Domain = "localhost"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	srv.MaxMessageBytes = 30 << 20
	srv.MaxRecipients = 2000
	if tlsc != nil {
		srv.TLSConfig = tlsc.Server
	} else {
		srv.AllowInsecureAuth = true
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Host, s.Port = "127.0.0.1", ln.Addr().(*net.TCPAddr).Port
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return s
}

// Addr is host:port.
func (s *SMTPServer) Addr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) }

// Reject makes RCPT TO addr fail with code (4xx temporary, 5xx permanent)
// until cleared with code 0.
func (s *SMTPServer) Reject(addr string, code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if code == 0 {
		delete(s.reject, addr)
		return
	}
	s.reject[addr] = &smtp.SMTPError{Code: code, Message: "rejected by the test"}
}

// Mails returns what the server accepted so far.
func (s *SMTPServer) Mails() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.mails...)
}

type session struct {
	srv    *SMTPServer
	authed bool
	from   string
	to     []string
}

func (ss *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (ss *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != ss.srv.User || password != ss.srv.Password {
			return errors.New("invalid credentials")
		}
		ss.authed = true
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.srv.User != "" && !ss.authed {
		return smtp.ErrAuthRequired
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.srv.mu.Lock()
	rej := ss.srv.reject[to]
	ss.srv.mu.Unlock()
	if rej != nil {
		return rej
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	var b bytes.Buffer
	if _, err := io.Copy(&b, r); err != nil {
		return err
	}
	ss.srv.mu.Lock()
	ss.srv.mails = append(ss.srv.mails, Mail{From: ss.from, To: ss.to, Data: b.Bytes()})
	ss.srv.mu.Unlock()
	return nil
}

func (ss *session) Reset()        { ss.from, ss.to = "", nil }
func (ss *session) Logout() error { return nil }

// IMAPServer is a running in-memory IMAP server with one user.
type IMAPServer struct {
	Host           string
	Port           int
	User, Password string
	Mem            *imapmemserver.User
}

// StartIMAP starts an IMAP server offering STARTTLS with tlsc (plain
// logins allowed without TLS when tlsc is nil) with one user owning INBOX.
func StartIMAP(t testing.TB, tlsc *TLS, user, password string) *IMAPServer {
	t.Helper()
	mem := imapmemserver.New()
	u := imapmemserver.NewUser(user, password)
	if err := u.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	mem.AddUser(u)
	opts := &imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}},
		InsecureAuth: tlsc == nil,
	}
	if tlsc != nil {
		opts.TLSConfig = tlsc.Server
	}
	srv := imapserver.New(opts)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return &IMAPServer{Host: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port, User: user, Password: password, Mem: u}
}
