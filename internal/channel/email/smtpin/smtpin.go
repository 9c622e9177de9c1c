// Package smtpin is the SMTP receiver built into "frontdesk serve"
// (--smtp-addr): an MX or a forwarding relay delivers mail for the support
// addresses straight to Frontdesk. Recipients other than an enabled
// support address (or a plus-address of one) are refused with 550, mail
// over the size limit with 552, and a message is accepted (250) only once
// its ticket change, its dedupe record or its suspension is committed; a
// failure on Frontdesk's side answers 451 so the sender tries again.
// STARTTLS is offered when a certificate is configured; 8BITMIME and
// SMTPUTF8 are supported.
package smtpin

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/frontdesk/frontdesk/internal/channel/email/ingest"
	"github.com/frontdesk/frontdesk/internal/channel/email/mailbox"
	"github.com/frontdesk/frontdesk/internal/desk"
)

// DefaultMaxBytes is the default size limit of one message.
const DefaultMaxBytes = 40 << 20

// maxRecipients bounds RCPT TO per message.
const maxRecipients = 100

// Receiver accepts mail over SMTP and hands it to the ingest service.
type Receiver struct {
	Ingest    *ingest.Service
	Mailboxes *mailbox.Service
	// MaxBytes is the largest message accepted (0: DefaultMaxBytes).
	MaxBytes int64
	// TLS enables STARTTLS when set.
	TLS *tls.Config
	// Domain is the name the server greets with (default "localhost").
	Domain string
	Logger *slog.Logger
}

func (r *Receiver) log() *slog.Logger {
	if r.Logger == nil {
		return slog.Default()
	}
	return r.Logger
}

// Server returns a go-smtp server over r.
func (r *Receiver) Server() *smtp.Server {
	s := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{r: r, remote: c.Conn().RemoteAddr().String()}, nil
	}))
	s.Domain = r.Domain
	if s.Domain == "" {
		s.Domain = "localhost"
	}
	s.MaxMessageBytes = r.maxBytes()
	s.MaxRecipients = maxRecipients
	s.MaxLineLength = 10000 // real mail breaks the 1,000-octet rule
	s.ReadTimeout, s.WriteTimeout = 5*time.Minute, time.Minute
	s.EnableSMTPUTF8 = true
	s.TLSConfig = r.TLS
	s.ErrorLog = slog.NewLogLogger(r.log().Handler(), slog.LevelWarn)
	return s
}

func (r *Receiver) maxBytes() int64 {
	if r.MaxBytes > 0 {
		return r.MaxBytes
	}
	return DefaultMaxBytes
}

// Serve accepts connections on ln until ctx ends, then shuts down (mail
// in flight finishes or is answered with a temporary failure).
func (r *Receiver) Serve(ctx context.Context, ln net.Listener) error {
	s := r.Server()
	done := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			_ = s.Shutdown(sctx)
		case <-done:
		}
	}()
	err := s.Serve(ln)
	close(done)
	if errors.Is(err, smtp.ErrServerClosed) {
		return nil
	}
	return err
}

// acceptsRecipient reports whether rcpt is an enabled support address.
// The mailboxes are read once per message (at its first recipient) and
// handed to ingest with it.
func (s *session) acceptsRecipient(ctx context.Context, rcpt string) (bool, error) {
	if s.boxes == nil {
		boxes, err := s.r.Mailboxes.List(desk.SystemContext(ctx))
		if err != nil {
			return false, err
		}
		s.boxes = append(make([]*mailbox.Mailbox, 0, len(boxes)), boxes...)
	}
	return ingest.MatchMailbox(s.boxes, []string{rcpt}) != nil, nil
}

type session struct {
	r      *Receiver
	remote string
	from   string
	rcpts  []string
	// boxes are the mailboxes as read for the current message.
	boxes []*mailbox.Mailbox
}

var (
	errNoSuchUser = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such support address here"}
	errTemporary  = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Temporary failure, try again later"}
	errNoRcpt     = &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 5, 1}, Message: "No valid recipients"}
)

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	s.from, s.rcpts, s.boxes = from, nil, nil
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ok, err := s.acceptsRecipient(context.Background(), to)
	if err != nil {
		s.r.log().Error("smtp: recipient check", "err", err)
		return errTemporary
	}
	if !ok {
		return errNoSuchUser
	}
	s.rcpts = append(s.rcpts, strings.ToLower(to))
	return nil
}

func (s *session) Data(rd io.Reader) error {
	if len(s.rcpts) == 0 {
		return errNoRcpt
	}
	res, err := s.r.Ingest.Ingest(context.Background(), ingest.Delivery{Recipients: s.rcpts, EnvelopeFrom: s.from, Mailboxes: s.boxes}, rd)
	switch {
	case errors.Is(err, smtp.ErrDataTooLarge) || errors.Is(err, ingest.ErrTooLarge):
		_, _ = io.Copy(io.Discard, rd)
		return smtp.ErrDataTooLarge
	case err != nil:
		_, _ = io.Copy(io.Discard, rd)
		s.r.log().Error("smtp: ingest", "remote", s.remote, "err", err)
		return errTemporary
	}
	s.r.log().Debug("smtp: received", "remote", s.remote, "outcome", res.Outcome, "ticket_id", res.TicketID, "message_id", res.MessageID)
	return nil
}

func (s *session) Reset()        { s.from, s.rcpts, s.boxes = "", nil, nil }
func (s *session) Logout() error { return nil }
