package webhook

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/jobs"
	"github.com/frontdesk/frontdesk/internal/store"
)

// JobDeliver is the job kind of one delivery attempt; JobPurge the
// retention of the delivery log.
const (
	JobDeliver = "webhook.deliver"
	JobPurge   = "webhook.purge_log"
)

// InvocationStatus is where a delivery stands.
type InvocationStatus string

const (
	InvPending   InvocationStatus = "pending"  // waiting for its first attempt
	InvRetrying  InvocationStatus = "retrying" // failed, another attempt is queued
	InvSucceeded InvocationStatus = "success"
	InvFailed    InvocationStatus = "failed" // failed for good
)

// Limits of what a delivery reads and keeps.
const (
	// maxResponseRead bounds the response body read from an endpoint;
	// maxResponseKept what the log keeps of it.
	maxResponseRead = 64 << 10
	maxResponseKept = 2 << 10
	maxErrorKept    = 500
)

type deliverJob struct {
	InvocationID int64 `json:"invocation_id"`
	Attempt      int   `json:"attempt"`
}

func newMessageID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return "msg_" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

// enqueue records an invocation and its first delivery job in tx.
func (s *Service) enqueue(ctx context.Context, tx *store.Tx, webhookID int64, messageID, eventType string, ticketID int64, source, body string) error {
	now := s.now().UnixMicro()
	id, err := tx.InsertID(ctx, `INSERT INTO webhook_invocations (webhook_id, message_id, event_type, ticket_id, source, body, status, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, webhookID, messageID, eventType, ticketID, source, body, string(InvPending), now, now)
	if err != nil {
		return fmt.Errorf("webhook %d: record invocation: %w", webhookID, err)
	}
	if err := jobs.Enqueue(ctx, tx, JobDeliver, deliverJob{InvocationID: id, Attempt: 1}); err != nil {
		return fmt.Errorf("webhook %d: %w", webhookID, err)
	}
	if s.OnJob != nil {
		tx.AfterCommit(s.OnJob)
	}
	return nil
}

// EnqueueTx is the notification_webhook rule action: in the rule's
// transaction it queues a delivery of body (already rendered) to the
// webhook, which must exist, be active and be subscribed to
// conditional_ticket_events. source names the rule (e.g. "trigger:12").
func (s *Service) EnqueueTx(ctx context.Context, tx *store.Tx, webhookID, ticketID int64, body, source string) error {
	if len(body) > MaxBody {
		return desk.Invalid("notification_webhook", fmt.Sprintf("the body must be at most %d bytes", MaxBody))
	}
	r, err := s.load(ctx, tx, webhookID)
	if err != nil {
		return err
	}
	if !r.Conditional() {
		return desk.Invalid("notification_webhook", "the webhook is not subscribed to conditional_ticket_events")
	}
	if r.Status != StatusActive {
		// An inactive webhook is skipped, as Zendesk does: the rule still
		// applies its other actions.
		return nil
	}
	return s.enqueue(ctx, tx, webhookID, newMessageID(), EventConditional, ticketID, source, body)
}

// outcome is what one HTTP exchange gave.
type outcome struct {
	StatusCode int
	Headers    http.Header
	Body       string // truncated
	Err        string
	Duration   time.Duration
	// Retry says whether trying again could help (network errors, 408,
	// 429, 5xx); refusals and other answers are final.
	Retry bool
}

func (o outcome) ok() bool { return o.Err == "" && o.StatusCode >= 200 && o.StatusCode < 300 }

// send makes one signed request to w with body.
func (s *Service) send(ctx context.Context, r *row, messageID string, body []byte) outcome {
	start := time.Now()
	out := s.sendOnce(ctx, r, messageID, body)
	out.Duration = time.Since(start)
	return out
}

func (s *Service) sendOnce(ctx context.Context, r *row, messageID string, body []byte) outcome {
	u, err := ValidateEndpoint(r.Endpoint, s.allowPrivate(ctx))
	if err != nil {
		return outcome{Err: "endpoint refused: " + fieldWhy(err)}
	}
	var reader io.Reader
	if r.HTTPMethod != http.MethodGet && r.HTTPMethod != http.MethodDelete {
		reader = bytes.NewReader(body)
	} else if r.RequestFormat == FormatForm && len(body) > 0 {
		// GET and DELETE carry a form body as the query string, as Zendesk does.
		q := u.RawQuery
		if q != "" {
			q += "&"
		}
		u.RawQuery = q + string(body)
	}
	req, err := http.NewRequestWithContext(ctx, r.HTTPMethod, u.String(), reader)
	if err != nil {
		return outcome{Err: "invalid request: " + err.Error()}
	}
	req.Header.Set("User-Agent", "Frontdesk-Webhook/1")
	if reader != nil {
		req.Header.Set("Content-Type", r.RequestFormat.contentType())
	}
	signing, err := s.open(r.signingSecret, signingContext(r.ID))
	if err != nil {
		return outcome{Err: "cannot open the signing secret"}
	}
	if signing != "" {
		if err := setSignatureHeaders(req.Header, signing, messageID, s.now(), body); err != nil {
			return outcome{Err: "cannot sign: " + err.Error()}
		}
	}
	req.Header.Set(HeaderZendeskWebhookID, fmt.Sprint(r.ID))
	req.Header.Set(HeaderZendeskInvocation, messageID)
	if r.Authentication.Type != AuthNone {
		secret, err := s.open(r.authSecret, authContext(r.ID))
		if err != nil {
			return outcome{Err: "cannot open the authentication secret"}
		}
		switch r.Authentication.Type {
		case AuthBasic:
			req.SetBasicAuth(r.Authentication.Username, secret)
		case AuthBearer:
			req.Header.Set("Authorization", "Bearer "+secret)
		}
	}
	resp, err := s.httpClient().Do(req)
	if err != nil {
		if errors.Is(err, ErrRefused) {
			return outcome{Err: truncate(err.Error(), maxErrorKept)}
		}
		return outcome{Err: truncate(err.Error(), maxErrorKept), Retry: true}
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, maxResponseRead))
	out := outcome{StatusCode: resp.StatusCode, Headers: resp.Header, Body: truncate(string(data), maxResponseKept)}
	if !out.ok() {
		out.Err = fmt.Sprintf("HTTP %d", resp.StatusCode)
		out.Retry = resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusRequestTimeout
	}
	return out
}

// truncate cuts s to at most n bytes on a rune boundary, keeping valid UTF-8.
func truncate(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// HandleJob runs one delivery attempt (job kind JobDeliver).
func (s *Service) HandleJob(ctx context.Context, payload json.RawMessage) error {
	var j deliverJob
	if err := json.Unmarshal(payload, &j); err != nil || j.InvocationID <= 0 || j.Attempt <= 0 {
		return jobs.Permanent(fmt.Errorf("webhook delivery: bad payload %s", payload))
	}
	return s.Deliver(desk.SystemContext(ctx), j.InvocationID, j.Attempt)
}

// Deliver makes attempt number attempt of an invocation and records it.
// An attempt already recorded (the job ran twice) is not made again; a
// retry of an attempt whose outcome could not be recorded resends with the
// same webhook-id, which receivers use to drop the repeat.
func (s *Service) Deliver(ctx context.Context, invocationID int64, attempt int) error {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil || !p.System {
		return desk.Forbidden("Only the delivery job sends webhooks")
	}
	var (
		webhookID       int64
		messageID, body string
		status          string
		attempts        int
	)
	err = s.DB.QueryRow(ctx, `SELECT webhook_id, message_id, body, status, attempts FROM webhook_invocations WHERE id = ?`, invocationID).
		Scan(&webhookID, &messageID, &body, &status, &attempts)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // purged or its webhook deleted
	}
	if err != nil {
		return fmt.Errorf("webhook invocation %d: %w", invocationID, err)
	}
	if InvocationStatus(status) == InvSucceeded || InvocationStatus(status) == InvFailed || attempts >= attempt {
		return nil
	}
	r, err := s.load(ctx, s.DB, webhookID)
	if desk.ErrorCode(err) == desk.ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}
	var out outcome
	if r.Status != StatusActive {
		out = outcome{Err: "webhook is inactive"}
	} else {
		out = s.send(ctx, r, messageID, []byte(body))
	}
	return s.record(ctx, r, invocationID, attempt, out)
}

// record writes an attempt's outcome, queues the next attempt or settles
// the invocation, and keeps the webhook's failure count (deactivating it
// at the limit).
func (s *Service) record(ctx context.Context, r *row, invocationID int64, attempt int, out outcome) error {
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		now := s.now()
		// ON CONFLICT rather than a caught unique violation: on PostgreSQL
		// a failed statement would doom the whole transaction.
		res, err := tx.Exec(ctx, `INSERT INTO webhook_attempts (invocation_id, webhook_id, attempt, status_code, success, error, duration_ms, response, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (invocation_id, attempt) DO NOTHING`, invocationID, r.ID, attempt, out.StatusCode, out.ok(), out.Err,
			out.Duration.Milliseconds(), out.Body, now.UnixMicro())
		if err != nil {
			return fmt.Errorf("webhook attempt: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // another run recorded this attempt
		}
		st := InvSucceeded
		switch {
		case out.ok():
		case out.Retry && attempt < s.maxAttempts() && r.Status == StatusActive:
			st = InvRetrying
			if err := jobs.EnqueueAt(ctx, tx, JobDeliver, deliverJob{InvocationID: invocationID, Attempt: attempt + 1}, now.Add(s.backoff(attempt))); err != nil {
				return err
			}
		default:
			st = InvFailed
		}
		if _, err := tx.Exec(ctx, `UPDATE webhook_invocations SET status = ?, attempts = ?, last_status_code = ?, updated_at = ? WHERE id = ? AND attempts < ?`,
			string(st), attempt, out.StatusCode, now.UnixMicro(), invocationID, attempt); err != nil {
			return fmt.Errorf("webhook invocation: %w", err)
		}
		switch st {
		case InvSucceeded:
			_, err = tx.Exec(ctx, `UPDATE webhooks SET consecutive_failures = 0 WHERE id = ? AND consecutive_failures <> 0`, r.ID)
		case InvFailed:
			if r.Status != StatusActive {
				return nil // skipped, not the endpoint's fault
			}
			_, err = tx.Exec(ctx, `UPDATE webhooks SET consecutive_failures = consecutive_failures + 1 WHERE id = ?`, r.ID)
			if err == nil {
				reason := fmt.Sprintf("Deactivated on %s after %d deliveries in a row failed (last: %s)",
					now.UTC().Format(time.RFC3339), s.disableAfter(), truncate(out.Err, 200))
				_, err = tx.Exec(ctx, `UPDATE webhooks SET status = ?, disabled_reason = ? WHERE id = ? AND status = ? AND consecutive_failures >= ?`,
					string(StatusInactive), reason, r.ID, string(StatusActive), s.disableAfter())
			}
		}
		return err
	})
}

// Invocation is one entry of the delivery log.
type Invocation struct {
	ID             int64            `json:"id"`
	WebhookID      int64            `json:"webhook_id"`
	MessageID      string           `json:"message_id"`
	EventType      string           `json:"event_type"`
	TicketID       int64            `json:"ticket_id"`
	Source         string           `json:"source"`
	Status         InvocationStatus `json:"status"`
	Attempts       int              `json:"attempts"`
	LastStatusCode int              `json:"last_status_code"`
	CreatedAt      time.Time        `json:"created_at"`
	UpdatedAt      time.Time        `json:"updated_at"`
}

// Attempt is one HTTP attempt of an invocation.
type Attempt struct {
	ID           int64     `json:"id"`
	InvocationID int64     `json:"invocation_id"`
	Attempt      int       `json:"attempt"`
	StatusCode   int       `json:"status_code"`
	Success      bool      `json:"success"`
	Error        string    `json:"error"`
	DurationMS   int64     `json:"duration_ms"`
	Response     string    `json:"response"`
	CreatedAt    time.Time `json:"created_at"`
}

// MaxLogPage bounds one page of the delivery log.
const MaxLogPage = 100

// Invocations lists a webhook's invocations, newest first, at most limit
// (1–MaxLogPage) with ids below before (0: from the newest), and whether
// older ones remain.
func (s *Service) Invocations(ctx context.Context, webhookID int64, limit int, before int64) ([]Invocation, bool, error) {
	if _, err := s.Get(ctx, webhookID); err != nil {
		return nil, false, err
	}
	limit = max(1, min(limit, MaxLogPage))
	q := `SELECT id, webhook_id, message_id, event_type, ticket_id, source, status, attempts, last_status_code, created_at, updated_at
		FROM webhook_invocations WHERE webhook_id = ?`
	args := []any{webhookID}
	if before > 0 {
		q += ` AND id < ?`
		args = append(args, before)
	}
	q += ` ORDER BY id DESC LIMIT ?`
	args = append(args, limit+1)
	rows, err := s.DB.Query(ctx, q, args...)
	if err != nil {
		return nil, false, fmt.Errorf("webhook invocations: %w", err)
	}
	defer rows.Close()
	out := []Invocation{}
	for rows.Next() {
		var v Invocation
		var st string
		var c, u int64
		if err := rows.Scan(&v.ID, &v.WebhookID, &v.MessageID, &v.EventType, &v.TicketID, &v.Source, &st, &v.Attempts, &v.LastStatusCode, &c, &u); err != nil {
			return nil, false, fmt.Errorf("webhook invocations: %w", err)
		}
		v.Status, v.CreatedAt, v.UpdatedAt = InvocationStatus(st), time.UnixMicro(c).UTC(), time.UnixMicro(u).UTC()
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("webhook invocations: %w", err)
	}
	if len(out) > limit {
		return out[:limit], true, nil
	}
	return out, false, nil
}

// Attempts lists the attempts of one invocation of a webhook, in order.
func (s *Service) Attempts(ctx context.Context, webhookID, invocationID int64) ([]Attempt, error) {
	if _, err := s.Get(ctx, webhookID); err != nil {
		return nil, err
	}
	var n int
	if err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM webhook_invocations WHERE id = ? AND webhook_id = ?`, invocationID, webhookID).Scan(&n); err != nil {
		return nil, fmt.Errorf("webhook attempts: %w", err)
	}
	if n == 0 {
		return nil, desk.NotFound()
	}
	rows, err := s.DB.Query(ctx, `SELECT id, invocation_id, attempt, status_code, success, error, duration_ms, response, created_at
		FROM webhook_attempts WHERE invocation_id = ? ORDER BY attempt`, invocationID)
	if err != nil {
		return nil, fmt.Errorf("webhook attempts: %w", err)
	}
	defer rows.Close()
	out := []Attempt{}
	for rows.Next() {
		var a Attempt
		var c int64
		if err := rows.Scan(&a.ID, &a.InvocationID, &a.Attempt, &a.StatusCode, &a.Success, &a.Error, &a.DurationMS, &a.Response, &c); err != nil {
			return nil, fmt.Errorf("webhook attempts: %w", err)
		}
		a.CreatedAt = time.UnixMicro(c).UTC()
		out = append(out, a)
	}
	return out, rows.Err()
}

// retention is how long the delivery log keeps entries.
func (s *Service) retention() time.Duration {
	if s.Retention > 0 {
		return s.Retention
	}
	return 30 * 24 * time.Hour
}

// PurgeLog deletes delivery-log entries older than the retention period
// (settled invocations only: one still being retried stays) and returns
// how many invocations went.
func (s *Service) PurgeLog(ctx context.Context) (int64, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil || !p.System {
		return 0, desk.Forbidden("Only the system purges the webhook log")
	}
	cut := s.now().Add(-s.retention()).UnixMicro()
	var n int64
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM webhook_attempts WHERE invocation_id IN
			(SELECT id FROM webhook_invocations WHERE created_at < ? AND status IN (?, ?))`, cut, string(InvSucceeded), string(InvFailed)); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `DELETE FROM webhook_invocations WHERE created_at < ? AND status IN (?, ?)`, cut, string(InvSucceeded), string(InvFailed))
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("purge webhook log: %w", err)
	}
	return n, nil
}

// TestRequest is a webhook test (Zendesk's POST /webhooks/test): either an
// existing webhook (WebhookID) or an unsaved definition (Input), with an
// optional payload (default: a small JSON test event).
type TestRequest struct {
	WebhookID int64
	Input     *Input
	Payload   *string
}

// TestResult is what the endpoint answered.
type TestResult struct {
	Status   int         `json:"status"`
	Headers  http.Header `json:"headers"`
	Body     string      `json:"body"`
	Error    string      `json:"error,omitempty"`
	Duration int64       `json:"duration_ms"`
}

// Test sends one signed request now (an admin's explicit action, outside
// any transaction) and reports the answer; nothing is recorded.
func (s *Service) Test(ctx context.Context, tr TestRequest) (*TestResult, error) {
	if _, err := requireManage(ctx); err != nil {
		return nil, err
	}
	var r *row
	if tr.WebhookID != 0 {
		var err error
		if r, err = s.load(ctx, s.DB, tr.WebhookID); err != nil {
			return nil, err
		}
		if tr.Input != nil {
			if _, err := s.apply(ctx, r, *tr.Input, false); err != nil {
				return nil, err
			}
		}
	} else {
		if tr.Input == nil {
			return nil, desk.Invalid("webhook", "is required")
		}
		r = &row{Webhook: Webhook{HTTPMethod: http.MethodPost, RequestFormat: FormatJSON, Status: StatusActive, Subscriptions: []string{SubConditional}}}
		in := *tr.Input
		if in.Name == nil {
			name := "Test"
			in.Name = &name
		}
		secret, err := s.apply(ctx, r, in, true)
		if err != nil {
			return nil, err
		}
		// An unsaved webhook is signed with a throwaway secret and
		// authenticates with what the request gave.
		if r.signingSecret, err = s.seal(NewSecret(), signingContext(0)); err != nil {
			return nil, err
		}
		if secret != nil {
			if r.authSecret, err = s.seal(*secret, authContext(0)); err != nil {
				return nil, err
			}
		}
	}
	mid := newMessageID()
	body := []byte(`{"type":"` + EventTest + `","id":"` + mid + `","message":"This is a test from Frontdesk"}`)
	if tr.Payload != nil {
		if len(*tr.Payload) > MaxBody {
			return nil, desk.Invalid("request", fmt.Sprintf("the payload must be at most %d bytes", MaxBody))
		}
		body = []byte(*tr.Payload)
	}
	out := s.send(ctx, r, mid, body)
	res := &TestResult{Status: out.StatusCode, Headers: out.Headers, Body: out.Body, Error: out.Err, Duration: out.Duration.Milliseconds()}
	if res.Headers == nil {
		res.Headers = http.Header{}
	}
	return res, nil
}
