// Package webhook owns Frontdesk's outbound webhooks (tables webhooks,
// webhook_invocations, webhook_attempts): Zendesk-shaped definitions,
// deliveries of ticket events and rule actions through durable jobs,
// Standard Webhooks signatures, a delivery log, and SSRF-safe dialling.
//
// A delivery never happens inside a transaction: the ticket hook (event
// subscriptions) and EnqueueTx (the notification_webhook rule action)
// record an invocation and enqueue a job in the causing transaction; the
// job sends, records the attempt, and enqueues the next attempt with
// exponential back-off while attempts remain. Every attempt of an
// invocation carries the same webhook-id, so receivers can drop repeats.
// After DisableAfter invocations in a row fail for good the webhook is
// deactivated with a reason the admin page shows; activating it again
// clears the count.
//
// Secrets (basic-auth password, bearer token, signing secret) are sealed
// with the instance key for their webhook and kind.
package webhook

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/frontdesk/frontdesk/internal/audit"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/rules"
	"github.com/frontdesk/frontdesk/internal/secrets"
	"github.com/frontdesk/frontdesk/internal/settings"
	"github.com/frontdesk/frontdesk/internal/store"
)

// Status is a webhook's state.
type Status string

const (
	StatusActive   Status = "active"
	StatusInactive Status = "inactive"
)

// AuthType is how a delivery authenticates to the endpoint.
type AuthType string

const (
	AuthNone   AuthType = ""
	AuthBasic  AuthType = "basic_auth"
	AuthBearer AuthType = "bearer_token"
)

// Format is the request body format (Zendesk's request_format).
type Format string

const (
	FormatJSON Format = "json"
	FormatXML  Format = "xml"
	FormatForm Format = "form_encoded"
)

func (f Format) contentType() string {
	switch f {
	case FormatXML:
		return "application/xml; charset=utf-8"
	case FormatForm:
		return "application/x-www-form-urlencoded"
	}
	return "application/json; charset=utf-8"
}

var methods = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// Authentication is a webhook's authentication as anyone may read it: the
// secret itself never leaves the package but to the delivery.
type Authentication struct {
	Type      AuthType `json:"type"`
	Username  string   `json:"username,omitempty"`
	HasSecret bool     `json:"has_secret"`
}

// Webhook is a stored webhook without its secrets.
type Webhook struct {
	ID                  int64          `json:"id"`
	Name                string         `json:"name"`
	Description         string         `json:"description"`
	Endpoint            string         `json:"endpoint"`
	HTTPMethod          string         `json:"http_method"`
	RequestFormat       Format         `json:"request_format"`
	Status              Status         `json:"status"`
	Subscriptions       []string       `json:"subscriptions"`
	Authentication      Authentication `json:"authentication"`
	ConsecutiveFailures int            `json:"consecutive_failures"`
	DisabledReason      string         `json:"disabled_reason"`
	CreatedBy           int64          `json:"created_by"`
	UpdatedBy           int64          `json:"updated_by"`
	CreatedAt           time.Time      `json:"created_at"`
	UpdatedAt           time.Time      `json:"updated_at"`
}

// Conditional reports whether rules (triggers, automations) may call it.
func (w *Webhook) Conditional() bool { return slices.Contains(w.Subscriptions, SubConditional) }

// AuthInput is the authentication part of an Input. Password (basic) or
// Token (bearer) left nil keeps the stored secret when the type is
// unchanged.
type AuthInput struct {
	Type     string
	Username *string
	Password *string
	Token    *string
}

// Input is a create or update; nil fields are left as they are (on create:
// their defaults).
type Input struct {
	Name          *string
	Description   *string
	Endpoint      *string
	HTTPMethod    *string
	RequestFormat *string
	Status        *string
	Subscriptions *[]string
	// Authentication nil leaves it; a non-nil value with Type "" removes it.
	Authentication *AuthInput
}

// Limits.
const (
	maxName        = 255
	maxDescription = 1024
	maxSecret      = 4096
	// MaxBody bounds one delivery's body (a rendered rule action body).
	MaxBody = 256 << 10
)

// Service is the webhook store, its rules and its deliveries.
type Service struct {
	DB       *store.DB
	Box      *secrets.Box
	Settings *settings.Service
	Logger   *slog.Logger
	// Dialer connects deliveries and tests (see ssrf.go); New sets one
	// that asks the allow-private setting.
	Dialer *Dialer
	// Timeout bounds one HTTP exchange (default 10 s).
	Timeout time.Duration
	// MaxAttempts bounds the attempts of one invocation (default 5);
	// Backoff is the wait before the second attempt, doubling after each
	// (default 30 s, at most an hour).
	MaxAttempts int
	Backoff     time.Duration
	// DisableAfter deactivates a webhook once this many invocations in a
	// row failed for good (default 5).
	DisableAfter int
	// Retention is how long the delivery log keeps invocations (default
	// 30 days).
	Retention time.Duration

	// subscribed is what Hook reads, for the configuration epoch it was
	// read at.
	subscribed store.Cached[[]subscribed]
	// OnJob is called after a transaction that enqueued a delivery commits
	// (the job runner's Notify).
	OnJob func()
	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time

	clientOnce sync.Once
	client     *http.Client
}

// New returns a service with the default policy.
func New(db *store.DB, box *secrets.Box, st *settings.Service, logger *slog.Logger) *Service {
	s := &Service{DB: db, Box: box, Settings: st, Logger: logger}
	s.Dialer = &Dialer{AllowPrivate: s.allowPrivate}
	return s
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) allowPrivate(ctx context.Context) bool {
	if s.Settings == nil {
		return false
	}
	v, err := settings.WebhooksAllowPrivate.Get(ctx, s.Settings)
	return err == nil && v
}

func (s *Service) timeout() time.Duration {
	if s.Timeout > 0 {
		return s.Timeout
	}
	return 10 * time.Second
}

func (s *Service) httpClient() *http.Client {
	s.clientOnce.Do(func() { s.client = s.Dialer.Client(s.timeout()) })
	return s.client
}

func (s *Service) maxAttempts() int {
	if s.MaxAttempts > 0 {
		return s.MaxAttempts
	}
	return 5
}

func (s *Service) disableAfter() int {
	if s.DisableAfter > 0 {
		return s.DisableAfter
	}
	return 5
}

// backoff is the wait after attempt n (1-based) failed.
func (s *Service) backoff(n int) time.Duration {
	b := s.Backoff
	if b <= 0 {
		b = 30 * time.Second
	}
	d := b << min(n-1, 16)
	return min(d, time.Hour)
}

// requireManage lets the system and staff whose role manages business rules.
func requireManage(ctx context.Context) (*desk.Principal, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	if !p.System && (!p.IsStaff() || !p.Can().ManageBusinessRules) {
		return nil, desk.Forbidden("You may not manage webhooks")
	}
	return p, nil
}

const cols = `id, name, description, endpoint, http_method, request_format, status, subscriptions,
	auth_type, auth_username, auth_secret, signing_secret, consecutive_failures, disabled_reason,
	created_by, updated_by, created_at, updated_at`

type row struct {
	Webhook
	authSecret, signingSecret string
}

func scan(sc interface{ Scan(...any) error }) (*row, error) {
	var r row
	var format, status, subs, authType string
	var created, updated int64
	err := sc.Scan(&r.ID, &r.Name, &r.Description, &r.Endpoint, &r.HTTPMethod, &format, &status, &subs,
		&authType, &r.Authentication.Username, &r.authSecret, &r.signingSecret, &r.ConsecutiveFailures, &r.DisabledReason,
		&r.CreatedBy, &r.UpdatedBy, &created, &updated)
	if err != nil {
		return nil, err
	}
	r.RequestFormat, r.Status, r.Authentication.Type = Format(format), Status(status), AuthType(authType)
	r.Authentication.HasSecret = r.authSecret != ""
	r.Subscriptions = decodeSubs(subs)
	r.CreatedAt, r.UpdatedAt = time.UnixMicro(created).UTC(), time.UnixMicro(updated).UTC()
	return &r, nil
}

func (s *Service) load(ctx context.Context, q store.Querier, id int64) (*row, error) {
	r, err := scan(q.QueryRow(ctx, `SELECT `+cols+` FROM webhooks WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, desk.NotFound()
	}
	if err != nil {
		return nil, fmt.Errorf("webhook %d: %w", id, err)
	}
	return r, nil
}

// ListFilter narrows List (Zendesk's filter[name_contains], filter[status]).
type ListFilter struct {
	NameContains string
	Status       string
}

// List returns the webhooks, by id.
func (s *Service) List(ctx context.Context, f ListFilter) ([]*Webhook, error) {
	if _, err := requireManage(ctx); err != nil {
		return nil, err
	}
	if f.Status != "" && f.Status != string(StatusActive) && f.Status != string(StatusInactive) {
		return nil, desk.Invalid("filter[status]", "must be active or inactive")
	}
	rows, err := s.DB.Query(ctx, `SELECT `+cols+` FROM webhooks ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list webhooks: %w", err)
	}
	defer rows.Close()
	var out []*Webhook
	needle := strings.ToLower(f.NameContains)
	for rows.Next() {
		r, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("list webhooks: %w", err)
		}
		if needle != "" && !strings.Contains(strings.ToLower(r.Name), needle) {
			continue
		}
		if f.Status != "" && string(r.Status) != f.Status {
			continue
		}
		w := r.Webhook
		out = append(out, &w)
	}
	return out, rows.Err()
}

// Get returns one webhook.
func (s *Service) Get(ctx context.Context, id int64) (*Webhook, error) {
	if _, err := requireManage(ctx); err != nil {
		return nil, err
	}
	r, err := s.load(ctx, s.DB, id)
	if err != nil {
		return nil, err
	}
	return &r.Webhook, nil
}

// apply validates in over r (the stored webhook, or defaults on create)
// and returns the new plain secret when one was given ("" = keep/none).
func (s *Service) apply(ctx context.Context, r *row, in Input, creating bool) (newSecret *string, err error) {
	var v desk.Validation
	if in.Name != nil {
		r.Name = strings.TrimSpace(*in.Name)
	}
	if creating || in.Name != nil {
		if r.Name == "" {
			v.Add("name", "is required")
		} else if utf8.RuneCountInString(r.Name) > maxName || !utf8.ValidString(r.Name) {
			v.Add("name", fmt.Sprintf("must be at most %d characters", maxName))
		}
	}
	if in.Description != nil {
		r.Description = *in.Description
		if utf8.RuneCountInString(r.Description) > maxDescription || !utf8.ValidString(r.Description) {
			v.Add("description", fmt.Sprintf("must be at most %d characters", maxDescription))
		}
	}
	if in.Endpoint != nil {
		r.Endpoint = strings.TrimSpace(*in.Endpoint)
	}
	if creating || in.Endpoint != nil {
		if _, err := ValidateEndpoint(r.Endpoint, s.allowPrivate(ctx)); err != nil {
			v.Add("endpoint", fieldWhy(err))
		}
	}
	if in.HTTPMethod != nil {
		r.HTTPMethod = strings.ToUpper(strings.TrimSpace(*in.HTTPMethod))
		if !slices.Contains(methods, r.HTTPMethod) {
			v.Add("http_method", "must be one of GET, POST, PUT, PATCH, DELETE")
		}
	}
	if in.RequestFormat != nil {
		r.RequestFormat = Format(strings.TrimSpace(*in.RequestFormat))
		if r.RequestFormat != FormatJSON && r.RequestFormat != FormatXML && r.RequestFormat != FormatForm {
			v.Add("request_format", "must be json, xml or form_encoded")
		}
	}
	if in.Status != nil {
		st := Status(strings.TrimSpace(*in.Status))
		switch st {
		case StatusActive:
			// Activating (again) forgives the failures that disabled it.
			if r.Status != StatusActive || creating {
				r.ConsecutiveFailures, r.DisabledReason = 0, ""
			}
		case StatusInactive:
		default:
			v.Add("status", "must be active or inactive")
		}
		r.Status = st
	}
	if in.Subscriptions != nil {
		subs, why := normalizeSubs(*in.Subscriptions)
		if why != "" {
			v.Add("subscriptions", why)
		}
		r.Subscriptions = subs
	}
	if (creating || in.Subscriptions != nil) && len(r.Subscriptions) == 0 {
		v.Add("subscriptions", "must name at least one subscription")
	}
	if len(r.Subscriptions) > 0 && !r.Conditional() && r.RequestFormat != FormatJSON {
		v.Add("request_format", "must be json for a webhook subscribed to events")
	}
	if a := in.Authentication; a != nil {
		t := AuthType(strings.TrimSpace(a.Type))
		changed := t != r.Authentication.Type
		switch t {
		case AuthNone:
			r.Authentication = Authentication{}
			empty := ""
			newSecret = &empty
		case AuthBasic:
			if a.Username != nil {
				r.Authentication.Username = strings.TrimSpace(*a.Username)
			}
			if r.Authentication.Username == "" || strings.Contains(r.Authentication.Username, ":") || len(r.Authentication.Username) > maxName {
				v.Add("authentication", "basic_auth needs a username (without ':')")
			}
			if a.Password != nil {
				newSecret = a.Password
			} else if changed {
				v.Add("authentication", "basic_auth needs a password")
			}
		case AuthBearer:
			r.Authentication.Username = ""
			if a.Token != nil {
				newSecret = a.Token
			} else if changed {
				v.Add("authentication", "bearer_token needs a token")
			}
		default:
			v.Add("authentication", "type must be basic_auth or bearer_token (or empty for none)")
		}
		if newSecret != nil && t != AuthNone {
			if *newSecret == "" || len(*newSecret) > maxSecret || strings.ContainsAny(*newSecret, "\r\n\x00") {
				v.Add("authentication", fmt.Sprintf("the secret must be 1 to %d characters on one line", maxSecret))
			}
		}
		r.Authentication.Type = t
	}
	return newSecret, v.Err()
}

// fieldWhy is the first detail of a validation error.
func fieldWhy(err error) string {
	var e *desk.Error
	if errors.As(err, &e) {
		for _, fs := range e.Details {
			if len(fs) > 0 {
				return fs[0].Description
			}
		}
		return e.Message
	}
	return "is invalid"
}

func authContext(id int64) string    { return "webhook:auth:" + strconv.FormatInt(id, 10) }
func signingContext(id int64) string { return "webhook:signing:" + strconv.FormatInt(id, 10) }

func (s *Service) seal(v, context string) (string, error) {
	if v == "" {
		return "", nil
	}
	if s.Box == nil {
		return "", errors.New("webhook: no secrets box configured")
	}
	return s.Box.Seal([]byte(v), context)
}

func (s *Service) open(v, context string) (string, error) {
	if v == "" {
		return "", nil
	}
	if s.Box == nil {
		return "", errors.New("webhook: no secrets box configured")
	}
	b, err := s.Box.Open(v, context)
	return string(b), err
}

// Create stores a new webhook with a fresh signing secret.
func (s *Service) Create(ctx context.Context, in Input) (*Webhook, error) {
	p, err := requireManage(ctx)
	if err != nil {
		return nil, err
	}
	r := &row{Webhook: Webhook{HTTPMethod: http.MethodPost, RequestFormat: FormatJSON, Status: StatusActive}}
	secret, err := s.apply(ctx, r, in, true)
	if err != nil {
		return nil, err
	}
	var id int64
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		now := s.now().UnixMicro()
		id, err = tx.InsertID(ctx, `INSERT INTO webhooks (name, description, endpoint, http_method, request_format, status, subscriptions,
			auth_type, auth_username, created_by, updated_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.Name, r.Description, r.Endpoint, r.HTTPMethod, string(r.RequestFormat), string(r.Status), encodeSubs(r.Subscriptions),
			string(r.Authentication.Type), r.Authentication.Username, p.UserID, p.UserID, now, now)
		if err != nil {
			return err
		}
		signing, err := s.seal(NewSecret(), signingContext(id))
		if err != nil {
			return err
		}
		auth := ""
		if secret != nil {
			if auth, err = s.seal(*secret, authContext(id)); err != nil {
				return err
			}
		}
		if _, err = tx.Exec(ctx, `UPDATE webhooks SET signing_secret = ?, auth_secret = ? WHERE id = ?`, signing, auth, id); err != nil {
			return err
		}
		return audit.RecordTx(ctx, tx, audit.Entry{Action: "webhook.created", TargetType: "webhook", TargetID: id,
			Data: map[string]any{"name": r.Name, "endpoint": r.Endpoint}})
	})
	if err != nil {
		return nil, fmt.Errorf("create webhook: %w", err)
	}
	return s.Get(ctx, id)
}

// Update changes a webhook. Activating a deactivated webhook clears its
// failure count.
func (s *Service) Update(ctx context.Context, id int64, in Input) (*Webhook, error) {
	p, err := requireManage(ctx)
	if err != nil {
		return nil, err
	}
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		r, err := s.load(ctx, tx, id)
		if err != nil {
			return err
		}
		secret, err := s.apply(ctx, r, in, false)
		if err != nil {
			return err
		}
		before := r.Webhook
		auth := r.authSecret
		if secret != nil {
			if auth, err = s.seal(*secret, authContext(id)); err != nil {
				return err
			}
		}
		_, err = tx.Exec(ctx, `UPDATE webhooks SET name = ?, description = ?, endpoint = ?, http_method = ?, request_format = ?,
			status = ?, subscriptions = ?, auth_type = ?, auth_username = ?, auth_secret = ?, consecutive_failures = ?,
			disabled_reason = ?, updated_by = ?, updated_at = ? WHERE id = ?`,
			r.Name, r.Description, r.Endpoint, r.HTTPMethod, string(r.RequestFormat), string(r.Status), encodeSubs(r.Subscriptions),
			string(r.Authentication.Type), r.Authentication.Username, auth, r.ConsecutiveFailures, r.DisabledReason,
			p.UserID, s.now().UnixMicro(), id)
		if err != nil {
			return err
		}
		changes := map[string]audit.Change{}
		for k, v := range map[string][2]any{"name": {before.Name, r.Name}, "endpoint": {before.Endpoint, r.Endpoint},
			"status": {before.Status, r.Status}, "http_method": {before.HTTPMethod, r.HTTPMethod},
			"subscriptions":  {encodeSubs(before.Subscriptions), encodeSubs(r.Subscriptions)},
			"authentication": {before.Authentication.Type, r.Authentication.Type}} {
			if v[0] != v[1] {
				changes[k] = audit.Change{Before: v[0], After: v[1]}
			}
		}
		if secret != nil {
			changes["authentication_secret"] = audit.Change{Before: "[redacted]", After: "[redacted]"}
		}
		return audit.RecordTx(ctx, tx, audit.Entry{Action: "webhook.updated", TargetType: "webhook", TargetID: id, Changes: changes})
	})
	if err != nil {
		return nil, wrap("update webhook", err)
	}
	return s.Get(ctx, id)
}

// Delete removes a webhook and its delivery log. Pending deliveries find
// it gone and stop.
func (s *Service) Delete(ctx context.Context, id int64) error {
	if _, err := requireManage(ctx); err != nil {
		return err
	}
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		if _, err := s.load(ctx, tx, id); err != nil {
			return err
		}
		users, err := rules.RulesUsing(ctx, tx, ActionField, func(v any) bool { n, _ := actionValue(v); return n == id })
		if err != nil {
			return err
		}
		if len(users) > 0 {
			return inUse(users)
		}
		res, err := tx.Exec(ctx, `DELETE FROM webhooks WHERE id = ?`, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return desk.NotFound()
		}
		if _, err := tx.Exec(ctx, `DELETE FROM webhook_attempts WHERE webhook_id = ?`, id); err != nil {
			return err
		}
		if _, err = tx.Exec(ctx, `DELETE FROM webhook_invocations WHERE webhook_id = ?`, id); err != nil {
			return err
		}
		return audit.RecordTx(ctx, tx, audit.Entry{Action: "webhook.deleted", TargetType: "webhook", TargetID: id})
	})
	return wrap("delete webhook", err)
}

// InUseError is the error Delete returns for a webhook that triggers or
// automations (active or not) still call: a validation error (422,
// RecordInvalid) naming each rule under "webhook", as Zendesk refuses it.
// Rules lists them, for messages in other languages.
type InUseError struct {
	Rules []rules.Ref
	err   *desk.Error
}

func (e *InUseError) Error() string { return e.err.Error() }
func (e *InUseError) Unwrap() error { return e.err }

func inUse(refs []rules.Ref) error {
	var v desk.Validation
	for _, r := range refs {
		v.Add("webhook", fmt.Sprintf("is used by %s %d %q; remove it from the %s first", r.Kind, r.ID, r.Title, r.Kind))
	}
	var de *desk.Error
	errors.As(v.Err(), &de)
	return &InUseError{Rules: refs, err: de}
}

// SigningSecret returns the webhook's signing secret.
func (s *Service) SigningSecret(ctx context.Context, id int64) (string, error) {
	if _, err := requireManage(ctx); err != nil {
		return "", err
	}
	r, err := s.load(ctx, s.DB, id)
	if err != nil {
		return "", err
	}
	sec, err := s.open(r.signingSecret, signingContext(id))
	if err != nil {
		return "", fmt.Errorf("webhook %d signing secret: %w", id, err)
	}
	return sec, nil
}

// ResetSigningSecret replaces the signing secret and returns the new one.
func (s *Service) ResetSigningSecret(ctx context.Context, id int64) (string, error) {
	p, err := requireManage(ctx)
	if err != nil {
		return "", err
	}
	secret := NewSecret()
	sealed, err := s.seal(secret, signingContext(id))
	if err != nil {
		return "", err
	}
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE webhooks SET signing_secret = ?, updated_by = ?, updated_at = ? WHERE id = ?`,
			sealed, p.UserID, s.now().UnixMicro(), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return desk.NotFound()
		}
		return audit.RecordTx(ctx, tx, audit.Entry{Action: "webhook.signing_secret_reset", TargetType: "webhook", TargetID: id})
	})
	if err != nil {
		return "", wrap("reset webhook signing secret", err)
	}
	return secret, nil
}

// wrap adds context to store errors and passes desk errors through.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	var e *desk.Error
	if errors.As(err, &e) {
		return err
	}
	return fmt.Errorf("%s: %w", op, err)
}

// AllowPrivate reports the admin setting that lets endpoints be private,
// loopback or link-local addresses.
func (s *Service) AllowPrivate(ctx context.Context) (bool, error) {
	if _, err := requireManage(ctx); err != nil {
		return false, err
	}
	return s.allowPrivate(ctx), nil
}

// SetAllowPrivate changes that setting: a security decision, so admins
// only (not every role that manages business rules).
func (s *Service) SetAllowPrivate(ctx context.Context, on bool) error {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return err
	}
	if !p.IsAdmin() {
		return desk.Forbidden("Only admins may let webhooks call private addresses")
	}
	if s.Settings == nil {
		return errors.New("webhook: no settings service")
	}
	return settings.WebhooksAllowPrivate.Set(ctx, s.Settings, on)
}
