package server

import (
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/frontdesk/frontdesk/internal/channel/email/imapin"
	"github.com/frontdesk/frontdesk/internal/channel/email/ingest"
	"github.com/frontdesk/frontdesk/internal/channel/email/smtpin"
	"github.com/frontdesk/frontdesk/internal/httpx"
)

// EnvHangAfterFetch names a file: when set (tests only), the ingest
// service creates it after a message is read and stored and then blocks,
// so a crash test can kill the process between fetch and commit.
const EnvHangAfterFetch = "FRONTDESK_TEST_HANG_AFTER_FETCH"

// EnvIMAPLease (tests only) shortens the lease of an IMAP IDLE watch (a
// duration such as "1s"), so a restarted process takes over the mailboxes
// of the one a crash test killed without waiting out the default minute.
const EnvIMAPLease = "FRONTDESK_TEST_IMAP_LEASE"

// openInbound builds the ingest service and the SMTP receiver.
func (a *App) openInbound() error {
	a.Inbound = &ingest.Service{DB: a.DB, Tickets: a.Tickets, Threads: a.Threads, Mailboxes: a.Mailboxes, Settings: a.Settings,
		MaxBytes: a.Config.MailMaxBytes, Logger: a.Logger}
	if path := os.Getenv(EnvHangAfterFetch); path != "" {
		a.Inbound.AfterParse = func() {
			_ = os.WriteFile(path, []byte("fetched\n"), 0o600)
			select {} // wait for the kill
		}
	}
	a.IMAP = &imapin.Poller{DB: a.DB, Mailboxes: a.Mailboxes, Ingest: a.Inbound, Logger: a.Logger}
	a.IMAPIdle = &imapin.Watcher{Poller: a.IMAP, Logger: a.Logger}
	if v := os.Getenv(EnvIMAPLease); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("%s: %w", EnvIMAPLease, err)
		}
		a.IMAPIdle.Lease = d
	}
	a.SMTP = &smtpin.Receiver{Ingest: a.Inbound, Mailboxes: a.Mailboxes, MaxBytes: a.Config.MailMaxBytes, Logger: a.Logger}
	cert, key := a.Config.SMTPCertFile, a.Config.SMTPKeyFile
	if (cert == "") != (key == "") {
		return fmt.Errorf("the SMTP receiver needs both a certificate and a key file for STARTTLS (--smtp-tls-cert, --smtp-tls-key)")
	}
	if cert != "" {
		pair, err := tls.LoadX509KeyPair(cert, key)
		if err != nil {
			return fmt.Errorf("smtp certificate: %w", err)
		}
		a.SMTP.TLS = &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}
	}
	return nil
}

// registerInbound serves POST /inbound/email when a secret is configured:
// the raw MIME message as the body (message/rfc822 or any type), as
// forwarded by SES, Postmark or Mailgun-style services, authenticated with
// "Authorization: Bearer <secret>". Optional query parameter "recipient"
// names the support address when the message's headers do not.
func (a *App) registerInbound(mux *http.ServeMux) {
	if a.Config.InboundSecret == "" {
		return
	}
	mux.Handle("POST /inbound/email", httpx.BearerOnly(a.Config.InboundSecret, http.HandlerFunc(a.inboundEmail)))
}

type inboundResult struct {
	Outcome   ingest.Outcome `json:"outcome"`
	TicketID  int64          `json:"ticket_id,omitempty"`
	MessageID string         `json:"message_id"`
	Reason    string         `json:"reason,omitempty"`
}

func (a *App) inboundEmail(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	if r.ContentLength > a.Config.MailMaxBytes {
		writeInboundError(w, http.StatusRequestEntityTooLarge, "TooLarge", "The message is larger than the size limit")
		return
	}
	body := http.MaxBytesReader(w, r.Body, a.Config.MailMaxBytes)
	var rcpts []string
	if rc := strings.TrimSpace(r.URL.Query().Get("recipient")); rc != "" {
		rcpts = append(rcpts, rc)
	}
	res, err := a.Inbound.Ingest(r.Context(), ingest.Delivery{Recipients: rcpts}, body)
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig) || errors.Is(err, ingest.ErrTooLarge):
		writeInboundError(w, http.StatusRequestEntityTooLarge, "TooLarge", "The message is larger than the size limit")
		return
	case errors.Is(err, ingest.ErrNoMailbox):
		writeInboundError(w, http.StatusUnprocessableEntity, "NoSupportAddress", "No support address is configured to receive this message")
		return
	case err != nil:
		a.Logger.Error("inbound email", "err", err)
		w.Header().Set("Retry-After", "60")
		writeInboundError(w, http.StatusServiceUnavailable, "TemporaryFailure", "The message could not be stored; send it again later")
		return
	}
	status := http.StatusOK
	if res.Outcome == ingest.Created {
		status = http.StatusCreated
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(inboundResult{Outcome: res.Outcome, TicketID: res.TicketID, MessageID: res.MessageID, Reason: res.Reason})
}

func writeInboundError(w http.ResponseWriter, status int, code, desc string) {
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "description": desc})
}
