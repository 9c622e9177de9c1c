package deliver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/textproto"
	"sync"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/frontdesk/frontdesk/internal/channel/email/mailbox"
	"github.com/frontdesk/frontdesk/internal/channel/email/thread"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/outbox"
)

// JobKind is the job that delivers due mail (see server.registerSchedules).
const JobKind = "email.deliver"

// Defaults of Deliverer's knobs.
const (
	DefaultBatch       = 100
	DefaultLease       = 5 * time.Minute
	DefaultMaxAttempts = 8
	DefaultBaseBackoff = time.Minute
	DefaultMaxBackoff  = 6 * time.Hour
	// noRelayWait is how long mail waits before looking again for a relay
	// when none is configured.
	noRelayWait = time.Minute
)

// Deliverer sends due outbox messages through their mailbox's relay.
type Deliverer struct {
	Outbox    *outbox.Outbox
	Mailboxes *mailbox.Service
	Logger    *slog.Logger
	Dial      mailbox.DialOptions
	// Batch is how many messages one round claims; Lease how long they
	// stay claimed; MaxAttempts how many failed attempts make a message
	// fail for good; BaseBackoff the wait after the first failure, doubled
	// after each further one up to MaxBackoff. Zero means the default.
	Batch       int
	Lease       time.Duration
	MaxAttempts int
	BaseBackoff time.Duration
	MaxBackoff  time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	kickOnce sync.Once
	kick     chan struct{} // see Kick
}

// Result counts what one round did.
type Result struct {
	Sent, Retrying, Failed int
}

func (d *Deliverer) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

func or[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// Backoff is the wait before the next attempt after attempts failures.
func (d *Deliverer) Backoff(attempts int) time.Duration {
	wait := or(d.BaseBackoff, DefaultBaseBackoff)
	limit := or(d.MaxBackoff, DefaultMaxBackoff)
	for i := 1; i < attempts && wait < limit; i++ {
		wait *= 2
	}
	return min(wait, limit)
}

// DeliverDue sends every due message, a batch at a time, until none is
// left. It runs as the system principal: only the delivery path may read
// deliverable mail and relay credentials.
func (d *Deliverer) DeliverDue(ctx context.Context) (Result, error) {
	ctx = desk.SystemContext(ctx)
	var total Result
	for {
		msgs, err := d.Outbox.Due(ctx, d.now(), or(d.Batch, DefaultBatch), or(d.Lease, DefaultLease))
		if err != nil {
			return total, err
		}
		if len(msgs) == 0 {
			return total, nil
		}
		r, err := d.deliverBatch(ctx, msgs)
		total.Sent, total.Retrying, total.Failed = total.Sent+r.Sent, total.Retrying+r.Retrying, total.Failed+r.Failed
		if err != nil {
			return total, err
		}
	}
}

// conn is an open relay connection for one mailbox.
type conn struct {
	sender *mailbox.Sender
	client *smtp.Client
}

// deliverBatch sends msgs, reusing one relay connection per mailbox.
func (d *Deliverer) deliverBatch(ctx context.Context, msgs []outbox.Message) (Result, error) {
	var r Result
	conns := map[int64]*conn{}
	defer func() {
		for _, c := range conns {
			if c.client != nil {
				_ = c.client.Quit()
				c.client.Close()
			}
		}
	}()
	for _, m := range msgs {
		outcome, err := d.deliverOne(ctx, conns, m)
		if err != nil {
			return r, err
		}
		switch outcome {
		case sent:
			r.Sent++
		case retrying:
			r.Retrying++
		case failed:
			r.Failed++
		}
	}
	return r, nil
}

type outcome int

const (
	sent outcome = iota
	retrying
	failed
	waiting // no relay yet: not an attempt
)

func (d *Deliverer) deliverOne(ctx context.Context, conns map[int64]*conn, m outbox.Message) (outcome, error) {
	c, err := d.connFor(ctx, conns, m.MailboxID)
	if errors.Is(err, mailbox.ErrNoRelay) {
		return waiting, d.Outbox.RetryAt(ctx, m.ID, d.now().Add(noRelayWait), "no enabled support address with an SMTP relay", false)
	}
	if err == nil && c.client == nil {
		c.client, err = mailbox.DialSMTP(ctx, c.sender.SMTP, c.sender.SMTPPassword, d.Dial)
	}
	if err != nil {
		return d.failure(ctx, m, err)
	}
	id := m.MessageID
	if id == "" {
		id = thread.NewMessageID(c.sender.Domain())
	}
	env, err := Compose(m, c.sender, id, d.now())
	if err != nil {
		return failed, d.Outbox.Fail(ctx, m.ID, d.now(), err.Error())
	}
	if err := send(c.client, env); err != nil {
		if !isSMTPReply(err) { // the connection is broken: reconnect for the next message
			c.client.Close()
			c.client = nil
		} else {
			_ = c.client.Reset()
		}
		return d.failure(ctx, m, err)
	}
	return sent, d.Outbox.MarkDelivered(ctx, m.ID, d.now(), id)
}

// connFor returns the relay connection state of mailbox id (0: default).
func (d *Deliverer) connFor(ctx context.Context, conns map[int64]*conn, id int64) (*conn, error) {
	if c, ok := conns[id]; ok {
		return c, nil
	}
	s, err := d.Mailboxes.Sender(ctx, id)
	if id != 0 && desk.ErrorCode(err) == desk.ENOTFOUND {
		// The address it was queued for has been deleted since: send it
		// as the default address rather than let it wait forever.
		s, err = d.Mailboxes.Sender(ctx, 0)
	}
	if err != nil {
		return nil, err
	}
	c := &conn{sender: s}
	conns[id] = c
	return c, nil
}

func send(c *smtp.Client, env *Envelope) error {
	if err := c.Mail(env.From, nil); err != nil {
		return err
	}
	if err := c.Rcpt(env.To, nil); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(env.Data); err != nil {
		w.Close()
		return err
	}
	return w.Close()
}

func isSMTPReply(err error) bool {
	var se *smtp.SMTPError
	var te *textproto.Error
	return errors.As(err, &se) || errors.As(err, &te)
}

// Permanent reports whether the relay refused for good (a 5xx reply).
func Permanent(err error) bool {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		return se.Code >= 500 && se.Code < 600
	}
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code >= 500 && te.Code < 600
	}
	return false
}

// failure records a failed attempt: permanent answers and the last allowed
// attempt fail the message; others retry after Backoff.
func (d *Deliverer) failure(ctx context.Context, m outbox.Message, err error) (outcome, error) {
	attempts := m.Attempts + 1
	if Permanent(err) || attempts >= or(d.MaxAttempts, DefaultMaxAttempts) {
		d.log().Warn("email delivery failed for good", "outbox_id", m.ID, "attempts", attempts, "err", err)
		return failed, d.Outbox.Fail(ctx, m.ID, d.now(), err.Error())
	}
	wait := d.Backoff(attempts)
	d.log().Info("email delivery failed, will retry", "outbox_id", m.ID, "attempts", attempts, "in", wait, "err", err)
	return retrying, d.Outbox.RetryAt(ctx, m.ID, d.now().Add(wait), err.Error(), true)
}

func (d *Deliverer) log() *slog.Logger {
	if d.Logger == nil {
		return slog.Default()
	}
	return d.Logger
}

// String is a short account of a round for logs.
func (r Result) String() string {
	return fmt.Sprintf("sent %d, retrying %d, failed %d", r.Sent, r.Retrying, r.Failed)
}
