// Package mailbox manages Frontdesk's support addresses (table
// email_mailboxes): the address customers write to, its display name, brand
// and default group, the IMAP account mail is fetched from and the SMTP
// relay mail is sent through.
//
// Credentials (IMAP password or OAuth2 token, SMTP password, DKIM private
// key) are sealed with the instance key (package secrets) for their mailbox
// and kind as soon as they arrive. Nothing an admin or the API can read ever
// holds them: Mailbox only says whether one is set. Only the system
// principal (the delivery and fetching jobs) opens them, through Sender and
// Receiver.
package mailbox

import (
	"context"
	"crypto"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/secrets"
	"github.com/frontdesk/frontdesk/internal/store"
)

// Security is how a connection to a mail server is protected.
type Security string

const (
	SecurityTLS      Security = "tls"      // TLS from the first byte (IMAPS 993, SMTPS 465)
	SecuritySTARTTLS Security = "starttls" // plain connection upgraded with STARTTLS
	SecurityNone     Security = "none"     // no TLS: only for a relay on the same host
)

// IMAPAuth is how Frontdesk signs in to the IMAP account.
type IMAPAuth string

const (
	AuthPassword IMAPAuth = "password"
	AuthXOAUTH2  IMAPAuth = "xoauth2"
)

// AfterFetch is what happens to a message on the IMAP server once its
// ticket change is committed.
type AfterFetch string

const (
	AfterFetchSeen   AfterFetch = "seen"
	AfterFetchMove   AfterFetch = "move"
	AfterFetchDelete AfterFetch = "delete"
)

// CheckStatus is the outcome of the last connection check.
type CheckStatus string

const (
	CheckUnchecked CheckStatus = "unchecked"
	CheckOK        CheckStatus = "verified"
	CheckFailed    CheckStatus = "failed"
)

// IMAP holds the inbound settings. HasSecret says whether a password or
// token is stored; the secret itself never leaves the package but to
// Receiver.
type IMAP struct {
	Host       string     `json:"host"`
	Port       int        `json:"port"`
	Security   Security   `json:"security"`
	Username   string     `json:"username"`
	Auth       IMAPAuth   `json:"auth"`
	Folder     string     `json:"folder"`
	AfterFetch AfterFetch `json:"after_fetch"`
	MoveTo     string     `json:"move_to"`
	HasSecret  bool       `json:"has_secret"`
}

// Configured reports whether inbound mail is set up.
func (i IMAP) Configured() bool { return i.Host != "" }

// SMTP holds the outbound relay settings.
type SMTP struct {
	Host      string   `json:"host"`
	Port      int      `json:"port"`
	Security  Security `json:"security"`
	Username  string   `json:"username"`
	HasSecret bool     `json:"has_secret"`
}

// Configured reports whether outbound mail is set up.
func (s SMTP) Configured() bool { return s.Host != "" }

// Mailbox is a support address as admins see it: no secrets.
type Mailbox struct {
	ID             int64       `json:"id"`
	Address        string      `json:"email"`
	Name           string      `json:"name"`
	BrandName      string      `json:"brand_name"`
	DefaultGroupID int64       `json:"default_group_id"`
	Default        bool        `json:"default"`
	Enabled        bool        `json:"enabled"`
	IMAP           IMAP        `json:"imap"`
	SMTP           SMTP        `json:"smtp"`
	DKIMSelector   string      `json:"dkim_selector"`
	HasDKIMKey     bool        `json:"has_dkim_key"`
	CheckStatus    CheckStatus `json:"check_status"`
	CheckError     string      `json:"check_error"`
	CheckedAt      time.Time   `json:"checked_at"`
	CreatedAt      time.Time   `json:"created_at"`
	UpdatedAt      time.Time   `json:"updated_at"`
}

// Domain is the part of the address after '@'.
func (m *Mailbox) Domain() string {
	_, d, _ := strings.Cut(m.Address, "@")
	return d
}

// Service is the mailbox store and its rules.
type Service struct {
	DB  *store.DB
	Box *secrets.Box
	// Dial settings for connection checks; zero values mean defaults
	// (see check.go).
	Dial DialOptions

	// def is the default support address for the configuration epoch it
	// was read at (see DefaultTx).
	def store.Cached[*Mailbox]
	// addrs is AddressesTx's answer for the epoch it was read at.
	addrs store.Cached[map[string]bool]
}

// New returns a Service over db sealing credentials with box.
func New(db *store.DB, box *secrets.Box) *Service { return &Service{DB: db, Box: box} }

// Limits on settings.
const (
	maxText = 255
	// MaxSecret bounds a password, token or PEM key.
	MaxSecret = 16 << 10
)

func requireAdmin(ctx context.Context) error {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return err
	}
	if !p.IsAdmin() {
		return desk.Forbidden("Only admins can manage support addresses")
	}
	return nil
}

func requireSystem(ctx context.Context) error {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return err
	}
	if !p.System {
		return desk.Forbidden("Only the mail jobs can read mailbox credentials")
	}
	return nil
}

const cols = `id, address, name, brand_name, default_group_id, is_default, enabled,
	imap_host, imap_port, imap_security, imap_username, imap_auth, imap_secret, imap_folder, imap_after_fetch, imap_move_to,
	smtp_host, smtp_port, smtp_security, smtp_username, smtp_secret, dkim_selector, dkim_key,
	check_status, check_error, checked_at, created_at, updated_at`

// row is a mailbox with its sealed secrets, as stored.
type row struct {
	Mailbox
	imapSecret, smtpSecret, dkimKey string
}

func scan(sc interface{ Scan(...any) error }) (*row, error) {
	var r row
	var checked, created, updated int64
	var imapSec, imapAuth, after, smtpSec, status string
	err := sc.Scan(&r.ID, &r.Address, &r.Name, &r.BrandName, &r.DefaultGroupID, &r.Default, &r.Enabled,
		&r.IMAP.Host, &r.IMAP.Port, &imapSec, &r.IMAP.Username, &imapAuth, &r.imapSecret, &r.IMAP.Folder, &after, &r.IMAP.MoveTo,
		&r.SMTP.Host, &r.SMTP.Port, &smtpSec, &r.SMTP.Username, &r.smtpSecret, &r.DKIMSelector, &r.dkimKey,
		&status, &r.CheckError, &checked, &created, &updated)
	if err != nil {
		return nil, err
	}
	r.IMAP.Security, r.IMAP.Auth, r.IMAP.AfterFetch = Security(imapSec), IMAPAuth(imapAuth), AfterFetch(after)
	r.SMTP.Security, r.CheckStatus = Security(smtpSec), CheckStatus(status)
	r.IMAP.HasSecret, r.SMTP.HasSecret, r.HasDKIMKey = r.imapSecret != "", r.smtpSecret != "", r.dkimKey != ""
	r.CheckedAt, r.CreatedAt, r.UpdatedAt = micros(checked), micros(created), micros(updated)
	return &r, nil
}

func micros(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return time.UnixMicro(us).UTC()
}

// List returns every support address, default first then by address.
// Admins only.
func (s *Service) List(ctx context.Context) ([]*Mailbox, error) {
	if err := requireAdmin(ctx); err != nil {
		return nil, err
	}
	rows, err := s.all(ctx, s.DB)
	if err != nil {
		return nil, err
	}
	out := make([]*Mailbox, len(rows))
	for i, r := range rows {
		out[i] = &r.Mailbox
	}
	return out, nil
}

type querier interface {
	Query(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

func (s *Service) all(ctx context.Context, q querier) ([]*row, error) {
	rows, err := q.Query(ctx, `SELECT `+cols+` FROM email_mailboxes ORDER BY is_default DESC, address`)
	if err != nil {
		return nil, fmt.Errorf("mailbox: list: %w", err)
	}
	defer rows.Close()
	var out []*row
	for rows.Next() {
		r, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("mailbox: list: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Get returns mailbox id (admins only) or desk.NotFound.
func (s *Service) Get(ctx context.Context, id int64) (*Mailbox, error) {
	if err := requireAdmin(ctx); err != nil {
		return nil, err
	}
	r, err := s.get(ctx, id)
	if err != nil {
		return nil, err
	}
	return &r.Mailbox, nil
}

func (s *Service) get(ctx context.Context, id int64) (*row, error) {
	r, err := scan(s.DB.QueryRow(ctx, `SELECT `+cols+` FROM email_mailboxes WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, desk.NotFound()
	}
	if err != nil {
		return nil, fmt.Errorf("mailbox %d: %w", id, err)
	}
	return r, nil
}

// Addresses returns every support address (enabled or not), lower case. Any
// principal may ask: notifications use it never to mail Frontdesk itself.
func (s *Service) Addresses(ctx context.Context) (map[string]bool, error) {
	return addresses(ctx, s.DB)
}

// AddressesTx is Addresses inside tx (for hooks in a ticket change), kept
// in memory while the configuration epoch stays the same. The map returned
// is shared and must not be modified.
func (s *Service) AddressesTx(ctx context.Context, tx *store.Tx) (map[string]bool, error) {
	return s.addrs.Get(ctx, tx, func() (map[string]bool, error) { return addresses(ctx, tx) })
}

func addresses(ctx context.Context, q querier) (map[string]bool, error) {
	rows, err := q.Query(ctx, `SELECT address FROM email_mailboxes`)
	if err != nil {
		return nil, fmt.Errorf("mailbox: addresses: %w", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			return nil, err
		}
		out[a] = true
	}
	return out, rows.Err()
}

// IsOwnAddress reports whether addr is one of Frontdesk's support
// addresses, including plus-addresses of one ("support+t1.x@…").
func IsOwnAddress(own map[string]bool, addr string) bool {
	addr = strings.ToLower(strings.TrimSpace(addr))
	if own[addr] {
		return true
	}
	local, domain, ok := strings.Cut(addr, "@")
	if !ok {
		return false
	}
	base, _, plus := strings.Cut(local, "+")
	return plus && own[base+"@"+domain]
}

// Input is a change to a mailbox; nil fields stay as they are. A secret
// set to "" removes it.
type Input struct {
	Address        *string
	Name           *string
	BrandName      *string
	DefaultGroupID *int64
	Default        *bool
	Enabled        *bool

	IMAPHost       *string
	IMAPPort       *int
	IMAPSecurity   *string
	IMAPUsername   *string
	IMAPAuth       *string
	IMAPSecret     *string
	IMAPFolder     *string
	IMAPAfterFetch *string
	IMAPMoveTo     *string

	SMTPHost     *string
	SMTPPort     *int
	SMTPSecurity *string
	SMTPUsername *string
	SMTPSecret   *string

	DKIMSelector *string
	DKIMKey      *string
}

// Create adds a support address (admins only).
func (s *Service) Create(ctx context.Context, in Input) (*Mailbox, error) {
	if err := requireAdmin(ctx); err != nil {
		return nil, err
	}
	if in.Address == nil {
		return nil, desk.Invalid("email", "is required")
	}
	r := &row{Mailbox: Mailbox{Enabled: true, CheckStatus: CheckUnchecked,
		IMAP: IMAP{Security: SecurityTLS, Auth: AuthPassword, Folder: "INBOX", AfterFetch: AfterFetchSeen},
		SMTP: SMTP{Security: SecuritySTARTTLS}}}
	var id int64
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		if err := s.apply(ctx, tx, r, in); err != nil {
			return err
		}
		if err := validate(r); err != nil {
			return err
		}
		now := store.Now()
		var err error
		id, err = tx.InsertID(ctx, `INSERT INTO email_mailboxes (address, name, brand_name, default_group_id, is_default, enabled,
			imap_host, imap_port, imap_security, imap_username, imap_auth, imap_secret, imap_folder, imap_after_fetch, imap_move_to,
			smtp_host, smtp_port, smtp_security, smtp_username, smtp_secret, dkim_selector, dkim_key, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.Address, r.Name, r.BrandName, r.DefaultGroupID, r.Default, r.Enabled,
			r.IMAP.Host, r.IMAP.Port, string(r.IMAP.Security), r.IMAP.Username, string(r.IMAP.Auth), "", r.IMAP.Folder, string(r.IMAP.AfterFetch), r.IMAP.MoveTo,
			r.SMTP.Host, r.SMTP.Port, string(r.SMTP.Security), r.SMTP.Username, "", r.DKIMSelector, "", now, now)
		if store.IsUniqueViolation(err) {
			return desk.Invalid("email", "is already a support address")
		}
		if err != nil {
			return fmt.Errorf("mailbox: create: %w", err)
		}
		r.ID = id
		// Secrets are sealed for the row's id, so they are written once it has one.
		if err := s.sealSecrets(r, in); err != nil {
			return err
		}
		if err := s.finish(ctx, tx, r, now); err != nil {
			return err
		}
		return auditTx(ctx, tx, AuditCreated, nil, r)
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}

// Update changes mailbox id (admins only). Changing the address or a
// server setting resets the connection check.
func (s *Service) Update(ctx context.Context, id int64, in Input) (*Mailbox, error) {
	if err := requireAdmin(ctx); err != nil {
		return nil, err
	}
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		r, err := scan(tx.QueryRow(ctx, `SELECT `+cols+` FROM email_mailboxes WHERE id = ?`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return desk.NotFound()
		}
		if err != nil {
			return fmt.Errorf("mailbox %d: %w", id, err)
		}
		before := *r
		if err := s.apply(ctx, tx, r, in); err != nil {
			return err
		}
		if err := s.sealSecrets(r, in); err != nil {
			return err
		}
		if err := validate(r); err != nil {
			return err
		}
		if r.Address != before.Address || r.IMAP != before.IMAP || r.SMTP != before.SMTP ||
			r.imapSecret != before.imapSecret || r.smtpSecret != before.smtpSecret {
			r.CheckStatus, r.CheckError, r.CheckedAt = CheckUnchecked, "", time.Time{}
		}
		_, err = tx.Exec(ctx, `UPDATE email_mailboxes SET address = ?, name = ?, brand_name = ?, default_group_id = ?, is_default = ?, enabled = ?,
			imap_host = ?, imap_port = ?, imap_security = ?, imap_username = ?, imap_auth = ?, imap_folder = ?, imap_after_fetch = ?, imap_move_to = ?,
			smtp_host = ?, smtp_port = ?, smtp_security = ?, smtp_username = ?, dkim_selector = ?,
			check_status = ?, check_error = ?, checked_at = ? WHERE id = ?`,
			r.Address, r.Name, r.BrandName, r.DefaultGroupID, r.Default, r.Enabled,
			r.IMAP.Host, r.IMAP.Port, string(r.IMAP.Security), r.IMAP.Username, string(r.IMAP.Auth), r.IMAP.Folder, string(r.IMAP.AfterFetch), r.IMAP.MoveTo,
			r.SMTP.Host, r.SMTP.Port, string(r.SMTP.Security), r.SMTP.Username, r.DKIMSelector,
			string(r.CheckStatus), r.CheckError, toMicros(r.CheckedAt), id)
		if store.IsUniqueViolation(err) {
			return desk.Invalid("email", "is already a support address")
		}
		if err != nil {
			return fmt.Errorf("mailbox %d: update: %w", id, err)
		}
		if err := s.finish(ctx, tx, r, store.Now()); err != nil {
			return err
		}
		return auditTx(ctx, tx, AuditUpdated, &before, r)
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}

func toMicros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

// finish writes the sealed secrets and the updated time, and keeps exactly
// one default address while there are any.
func (s *Service) finish(ctx context.Context, tx *store.Tx, r *row, now int64) error {
	if _, err := tx.Exec(ctx, `UPDATE email_mailboxes SET imap_secret = ?, smtp_secret = ?, dkim_key = ?, updated_at = ? WHERE id = ?`,
		r.imapSecret, r.smtpSecret, r.dkimKey, now, r.ID); err != nil {
		return fmt.Errorf("mailbox %d: %w", r.ID, err)
	}
	if r.Default {
		if _, err := tx.Exec(ctx, `UPDATE email_mailboxes SET is_default = ? WHERE id <> ? AND is_default = ?`, false, r.ID, true); err != nil {
			return fmt.Errorf("mailbox: default: %w", err)
		}
		return nil
	}
	var n int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM email_mailboxes WHERE is_default = ?`, true).Scan(&n); err != nil {
		return err
	}
	if n == 0 { // the first address (or the one left) is the default
		_, err := tx.Exec(ctx, `UPDATE email_mailboxes SET is_default = ? WHERE id = (SELECT MIN(id) FROM email_mailboxes)`, true)
		return err
	}
	return nil
}

// Delete removes mailbox id (admins only). Threads it recorded stay: a
// reply to old mail still finds its ticket.
func (s *Service) Delete(ctx context.Context, id int64) error {
	if err := requireAdmin(ctx); err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		r, err := scan(tx.QueryRow(ctx, `SELECT `+cols+` FROM email_mailboxes WHERE id = ?`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return desk.NotFound()
		}
		if err != nil {
			return fmt.Errorf("mailbox %d: %w", id, err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM email_mailboxes WHERE id = ?`, id); err != nil {
			return fmt.Errorf("mailbox %d: delete: %w", id, err)
		}
		if err := auditTx(ctx, tx, AuditDeleted, r, nil); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM email_mailboxes WHERE is_default = ?`, true).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			_, err = tx.Exec(ctx, `UPDATE email_mailboxes SET is_default = ? WHERE id = (SELECT MIN(id) FROM email_mailboxes)`, true)
		}
		return err
	})
}

// apply copies the plain fields of in onto r, normalised.
func (s *Service) apply(ctx context.Context, tx *store.Tx, r *row, in Input) error {
	if in.Address != nil {
		a, err := people.NormalizeEmail(*in.Address)
		if err != nil {
			return desk.Invalid("email", "is not a valid email address")
		}
		if strings.Contains(a[:strings.IndexByte(a, '@')], "+") {
			return desk.Invalid("email", "can't contain '+': Frontdesk adds ticket tokens after it")
		}
		r.Address = a
	}
	for _, f := range []struct {
		field string
		in    *string
		out   *string
	}{
		{"name", in.Name, &r.Name}, {"brand_name", in.BrandName, &r.BrandName},
		{"imap.host", in.IMAPHost, &r.IMAP.Host}, {"imap.username", in.IMAPUsername, &r.IMAP.Username},
		{"imap.folder", in.IMAPFolder, &r.IMAP.Folder}, {"imap.move_to", in.IMAPMoveTo, &r.IMAP.MoveTo},
		{"smtp.host", in.SMTPHost, &r.SMTP.Host}, {"smtp.username", in.SMTPUsername, &r.SMTP.Username},
		{"dkim_selector", in.DKIMSelector, &r.DKIMSelector},
	} {
		if f.in == nil {
			continue
		}
		v := strings.TrimSpace(*f.in)
		if !oneLine(v) || utf8.RuneCountInString(v) > maxText {
			return desk.Invalid(f.field, "must be one line of at most 255 characters")
		}
		*f.out = v
	}
	if in.IMAPHost != nil {
		r.IMAP.Host = strings.ToLower(r.IMAP.Host)
	}
	if in.SMTPHost != nil {
		r.SMTP.Host = strings.ToLower(r.SMTP.Host)
	}
	if in.DefaultGroupID != nil {
		if err := groupExists(ctx, tx, *in.DefaultGroupID); err != nil {
			return err
		}
		r.DefaultGroupID = *in.DefaultGroupID
	}
	if in.Default != nil {
		r.Default = *in.Default
	}
	if in.DKIMKey != nil { // sealed later (see sealSecrets); validate needs to know
		r.HasDKIMKey = strings.TrimSpace(*in.DKIMKey) != ""
	}
	if in.Enabled != nil {
		r.Enabled = *in.Enabled
	}
	if in.IMAPPort != nil {
		r.IMAP.Port = *in.IMAPPort
	}
	if in.SMTPPort != nil {
		r.SMTP.Port = *in.SMTPPort
	}
	if in.IMAPSecurity != nil {
		r.IMAP.Security = Security(strings.ToLower(strings.TrimSpace(*in.IMAPSecurity)))
	}
	if in.SMTPSecurity != nil {
		r.SMTP.Security = Security(strings.ToLower(strings.TrimSpace(*in.SMTPSecurity)))
	}
	if in.IMAPAuth != nil {
		r.IMAP.Auth = IMAPAuth(strings.ToLower(strings.TrimSpace(*in.IMAPAuth)))
	}
	if in.IMAPAfterFetch != nil {
		r.IMAP.AfterFetch = AfterFetch(strings.ToLower(strings.TrimSpace(*in.IMAPAfterFetch)))
	}
	return nil
}

func groupExists(ctx context.Context, tx *store.Tx, id int64) error {
	if id == 0 {
		return nil
	}
	var one int
	err := tx.QueryRow(ctx, `SELECT 1 FROM agent_groups WHERE id = ? AND deleted = ?`, id, false).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) || id < 0 {
		return desk.Invalid("default_group_id", "is not a group")
	}
	return err
}

// validate checks a mailbox as a whole and fills default ports.
func validate(r *row) error {
	if r.Name == "" {
		r.Name = r.Address
	}
	if !oneOf(r.IMAP.Security, SecurityTLS, SecuritySTARTTLS, SecurityNone) {
		return desk.Invalid("imap.security", "must be tls, starttls or none")
	}
	if !oneOf(r.SMTP.Security, SecurityTLS, SecuritySTARTTLS, SecurityNone) {
		return desk.Invalid("smtp.security", "must be tls, starttls or none")
	}
	if !oneOf(r.IMAP.Auth, AuthPassword, AuthXOAUTH2) {
		return desk.Invalid("imap.auth", "must be password or xoauth2")
	}
	if !oneOf(r.IMAP.AfterFetch, AfterFetchSeen, AfterFetchMove, AfterFetchDelete) {
		return desk.Invalid("imap.after_fetch", "must be seen, move or delete")
	}
	if r.IMAP.AfterFetch == AfterFetchMove && r.IMAP.MoveTo == "" {
		return desk.Invalid("imap.move_to", "is required when messages are moved after fetching")
	}
	if r.IMAP.Folder == "" {
		r.IMAP.Folder = "INBOX"
	}
	if err := checkServer("imap", r.IMAP.Host, &r.IMAP.Port, r.IMAP.Security, 993, 143); err != nil {
		return err
	}
	if r.IMAP.Host != "" && r.IMAP.Username == "" {
		return desk.Invalid("imap.username", "is required when an IMAP host is set")
	}
	if err := checkServer("smtp", r.SMTP.Host, &r.SMTP.Port, r.SMTP.Security, 465, 587); err != nil {
		return err
	}
	if r.HasDKIMKey && r.DKIMSelector == "" {
		return desk.Invalid("dkim_selector", "is required with a DKIM key")
	}
	return nil
}

func checkServer(kind, host string, port *int, sec Security, tlsPort, plainPort int) error {
	if host == "" {
		return nil
	}
	if strings.ContainsAny(host, " /:@") {
		return desk.Invalid(kind+".host", "must be a host name or IP address, without port")
	}
	if *port == 0 {
		*port = plainPort
		if sec == SecurityTLS {
			*port = tlsPort
		}
	}
	if *port < 1 || *port > 65535 {
		return desk.Invalid(kind+".port", "must be between 1 and 65535")
	}
	return nil
}

func oneOf[T comparable](v T, options ...T) bool {
	for _, o := range options {
		if v == o {
			return true
		}
	}
	return false
}

func oneLine(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsFunc(s, unicode.IsControl)
}

// Secret kinds, part of the sealing context.
const (
	secretIMAP = "imap"
	secretSMTP = "smtp"
	secretDKIM = "dkim"
)

func sealContext(id int64, kind string) string {
	return "mailbox:" + strconv.FormatInt(id, 10) + ":" + kind
}

// sealSecrets seals the secrets in (for r's id) onto r.
func (s *Service) sealSecrets(r *row, in Input) error {
	for _, f := range []struct {
		field, kind string
		in          *string
		out         *string
	}{
		{"imap.password", secretIMAP, in.IMAPSecret, &r.imapSecret},
		{"smtp.password", secretSMTP, in.SMTPSecret, &r.smtpSecret},
		{"dkim_private_key", secretDKIM, in.DKIMKey, &r.dkimKey},
	} {
		if f.in == nil {
			continue
		}
		v := *f.in
		if f.kind == secretDKIM {
			v = strings.TrimSpace(v)
		}
		if v == "" {
			*f.out = ""
			continue
		}
		if len(v) > MaxSecret || !utf8.ValidString(v) {
			return desk.Invalid(f.field, "is too long or not text")
		}
		if f.kind == secretDKIM {
			if _, err := ParseDKIMKey(v); err != nil {
				return desk.Invalid(f.field, err.Error())
			}
		}
		sealed, err := s.Box.Seal([]byte(v), sealContext(r.ID, f.kind))
		if err != nil {
			return fmt.Errorf("mailbox: sealing %s: %w", f.field, err)
		}
		*f.out = sealed
	}
	r.IMAP.HasSecret, r.SMTP.HasSecret, r.HasDKIMKey = r.imapSecret != "", r.smtpSecret != "", r.dkimKey != ""
	return nil
}

func (s *Service) open(r *row, kind, sealed string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	b, err := s.Box.Open(sealed, sealContext(r.ID, kind))
	if err != nil {
		return "", fmt.Errorf("mailbox %d: %s secret: %w", r.ID, kind, err)
	}
	return string(b), nil
}

// Sender is what the delivery job needs to send as a mailbox.
type Sender struct {
	Mailbox
	SMTPPassword string
	// DKIM is the signing key, or nil when none is configured.
	DKIM crypto.Signer
}

// Receiver is what the fetching job needs to read a mailbox.
type Receiver struct {
	Mailbox
	// IMAPSecret is the password, or the OAuth2 access token for xoauth2.
	IMAPSecret string
}

// Sender returns the mailbox mail is sent as (system principal only): id,
// or the default address when id is 0. It is desk.NotFound when there is
// no such mailbox, and ErrNoRelay when the mailbox is disabled or has no
// relay.
func (s *Service) Sender(ctx context.Context, id int64) (*Sender, error) {
	if err := requireSystem(ctx); err != nil {
		return nil, err
	}
	r, err := s.senderRow(ctx, id)
	if err != nil {
		return nil, err
	}
	if !r.Enabled || !r.SMTP.Configured() {
		return nil, ErrNoRelay
	}
	return s.sender(r)
}

func (s *Service) sender(r *row) (*Sender, error) {
	pw, err := s.open(r, secretSMTP, r.smtpSecret)
	if err != nil {
		return nil, err
	}
	out := &Sender{Mailbox: r.Mailbox, SMTPPassword: pw}
	if r.dkimKey != "" {
		pem, err := s.open(r, secretDKIM, r.dkimKey)
		if err != nil {
			return nil, err
		}
		if out.DKIM, err = ParseDKIMKey(pem); err != nil {
			return nil, fmt.Errorf("mailbox %d: %w", r.ID, err)
		}
	}
	return out, nil
}

// ErrNoRelay means there is no enabled mailbox with an SMTP relay to send
// through: mail waits in the outbox until an admin configures one.
var ErrNoRelay = errors.New("mailbox: no enabled support address with an SMTP relay")

func (s *Service) senderRow(ctx context.Context, id int64) (*row, error) {
	if id != 0 {
		return s.get(ctx, id)
	}
	return defaultRow(ctx, s.DB)
}

type rowQuerier interface {
	QueryRow(ctx context.Context, q string, args ...any) *sql.Row
}

func defaultRow(ctx context.Context, q rowQuerier) (*row, error) {
	r, err := scan(q.QueryRow(ctx, `SELECT `+cols+` FROM email_mailboxes WHERE is_default = ? LIMIT 1`, true))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNoRelay
	}
	return r, err
}

// Receiver returns mailbox id with its IMAP secret (system principal only).
func (s *Service) Receiver(ctx context.Context, id int64) (*Receiver, error) {
	if err := requireSystem(ctx); err != nil {
		return nil, err
	}
	r, err := s.get(ctx, id)
	if err != nil {
		return nil, err
	}
	secret, err := s.open(r, secretIMAP, r.imapSecret)
	if err != nil {
		return nil, err
	}
	return &Receiver{Mailbox: r.Mailbox, IMAPSecret: secret}, nil
}

// Default returns the default support address (any principal: its address
// and name are what customers see on every mail), or ErrNoRelay when there
// is none.
func (s *Service) Default(ctx context.Context) (*Mailbox, error) {
	r, err := s.senderRow(ctx, 0)
	if err != nil {
		return nil, err
	}
	return &r.Mailbox, nil
}

// DefaultTx is Default inside tx (for hooks in a ticket change), kept in
// memory while the configuration epoch stays the same: any change to the
// support addresses moves it (store.ConfigEpoch). The Mailbox returned is
// shared and must not be modified.
func (s *Service) DefaultTx(ctx context.Context, tx *store.Tx) (*Mailbox, error) {
	m, err := s.def.Get(ctx, tx, func() (*Mailbox, error) {
		r, err := defaultRow(ctx, tx)
		if errors.Is(err, ErrNoRelay) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		return &r.Mailbox, nil
	})
	if err == nil && m == nil {
		err = ErrNoRelay
	}
	return m, err
}

// recordCheck stores the outcome of a connection check.
func (s *Service) recordCheck(ctx context.Context, id int64, status CheckStatus, msg string, at time.Time) error {
	if len(msg) > 1000 {
		msg = msg[:1000]
	}
	_, err := s.DB.Exec(ctx, `UPDATE email_mailboxes SET check_status = ?, check_error = ?, checked_at = ? WHERE id = ?`,
		string(status), strings.ToValidUTF8(msg, "?"), at.UnixMicro(), id)
	return err
}
