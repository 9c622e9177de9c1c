package mailbox

import (
	"context"
	"errors"
	"strings"
	"time"
)

// CheckResult is the outcome of CheckConnection: "" for a side that
// worked, the error text for one that failed, Skipped for one not set up.
type CheckResult struct {
	IMAP string `json:"imap"`
	SMTP string `json:"smtp"`
}

// Skipped marks a side of the check that has no server configured.
const Skipped = "not configured"

// OK reports whether every configured side worked and at least one is set
// up.
func (r CheckResult) OK() bool {
	return (r.IMAP == "" || r.IMAP == Skipped) && (r.SMTP == "" || r.SMTP == Skipped) &&
		!(r.IMAP == Skipped && r.SMTP == Skipped)
}

// CheckConnection really dials mailbox id's servers (admins only): IMAP
// login and SELECT of the folder, SMTP EHLO, STARTTLS and AUTH. It records
// the outcome on the mailbox and returns it with the mailbox.
func (s *Service) CheckConnection(ctx context.Context, id int64) (*Mailbox, CheckResult, error) {
	if err := requireAdmin(ctx); err != nil {
		return nil, CheckResult{}, err
	}
	r, err := s.get(ctx, id)
	if err != nil {
		return nil, CheckResult{}, err
	}
	res := CheckResult{IMAP: Skipped, SMTP: Skipped}
	if r.IMAP.Configured() {
		res.IMAP = errText(s.checkIMAP(ctx, r))
	}
	if r.SMTP.Configured() {
		res.SMTP = errText(s.checkSMTP(ctx, r))
	}
	status, msg := CheckOK, ""
	if !res.OK() {
		status = CheckFailed
		var parts []string
		if res.IMAP != "" {
			parts = append(parts, "IMAP: "+res.IMAP)
		}
		if res.SMTP != "" {
			parts = append(parts, "SMTP: "+res.SMTP)
		}
		msg = strings.Join(parts, "; ")
	}
	if err := s.recordCheck(ctx, id, status, msg, time.Now()); err != nil {
		return nil, res, err
	}
	m, err := s.Get(ctx, id)
	return m, res, err
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func (s *Service) checkIMAP(ctx context.Context, r *row) error {
	secret, err := s.open(r, secretIMAP, r.imapSecret)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, s.Dial.timeout())
	defer cancel()
	c, err := DialIMAP(ctx, r.IMAP, secret, s.Dial)
	if err != nil {
		return err
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	if _, err := c.Select(r.IMAP.Folder, nil).Wait(); err != nil {
		return errors.New("imap: select folder " + r.IMAP.Folder + ": " + err.Error())
	}
	return c.Logout().Wait()
}

func (s *Service) checkSMTP(ctx context.Context, r *row) error {
	pw, err := s.open(r, secretSMTP, r.smtpSecret)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, s.Dial.timeout())
	defer cancel()
	c, err := DialSMTP(ctx, r.SMTP, pw, s.Dial)
	if err != nil {
		return err
	}
	defer c.Close()
	return c.Quit()
}
