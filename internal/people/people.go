// Package people owns users, their identities, organizations, groups, group
// memberships and API tokens: the rules about who they are and who may see or
// change them. Every public method reads the acting principal from the
// context and denies by default; the few functions that run without one
// (sign-in, token authentication, ticket-creation helpers) say so.
//
// All SQL here is plain and runs unchanged on SQLite and PostgreSQL; the only
// dialect switch is the full-text match in search.go, which the store package
// has no helper for.
package people

import (
	"context"
	"database/sql"
	"errors"
	"regexp"
	"strings"
	"time"
	_ "time/tzdata" // time-zone validation must not depend on the host's zoneinfo
	"unicode"
	"unicode/utf8"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/events"
	"github.com/frontdesk/frontdesk/internal/password"
	"github.com/frontdesk/frontdesk/internal/settings"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/textfold"
)

// Service is the people service. Events may be nil.
type Service struct {
	DB     *store.DB
	Events *events.Bus
	// Passwords holds the password policies that passwords set through
	// CreateUser and UpdateUser must meet, and records their history.
	Passwords *password.Service
	// Settings is the process's settings service (nil: uncached reads).
	Settings *settings.Service

	// EndSessionsTx ends every web session of a user inside tx. Package
	// account owns the sessions table and installs it (account.New); a
	// role change, suspension or deletion is refused while it is unset.
	EndSessionsTx func(ctx context.Context, tx *store.Tx, userID int64) error
	// EraseAccountTx and EraseTwoFactorTx delete, inside tx, what packages
	// account (reset and verification records, remembered devices, sign-in
	// failures) and twofactor (TOTP secret, recovery codes) keep about a
	// user who is permanently deleted; account.New installs the first, the
	// server wiring the second. PurgeUser is refused while either is unset.
	EraseAccountTx func(ctx context.Context, tx *store.Tx, userID int64) error
	// MoveTicketsTx hands every ticket naming user fromID (requester,
	// submitter, CC, follower) to toID inside tx, through the ticket
	// service's commit path, and reports how many changed. Package ticket
	// owns the tickets; the server wiring installs (*ticket.Service).MoveUserTx.
	// MergeUser is refused while it is unset.
	MoveTicketsTx func(ctx context.Context, tx *store.Tx, fromID, toID int64) (int, error)
	// EraseTicketsTx redacts, inside tx, a permanently deleted user's text
	// and the terms naming them (name, addresses, phone) from the tickets
	// they were part of, and deletes their attachments. The server wiring
	// installs (*ticket.Service).EraseUserTx; PurgeUser is refused while it
	// is unset.
	EraseTicketsTx   func(ctx context.Context, tx *store.Tx, userID int64, terms []string) error
	EraseTwoFactorTx func(ctx context.Context, tx *store.Tx, userID int64) error
	// EraseOutboxTx and EraseWebhooksTx redact, inside tx, a permanently
	// deleted user's terms from the mail queue (mail to them is deleted)
	// and from the webhook delivery log; the server wiring installs
	// (*outbox.Outbox).EraseTx and (*webhook.Service).EraseTx. PurgeUser is
	// refused while either is unset.
	EraseOutboxTx   func(ctx context.Context, tx *store.Tx, userID int64, terms []string) error
	EraseWebhooksTx func(ctx context.Context, tx *store.Tx, userID int64, terms []string) error
	// EraseRatingsTx redacts their satisfaction-rating comments (scores
	// stay); the server wiring installs (*csat.Service).EraseTx. PurgeUser
	// is refused while it is unset.
	EraseRatingsTx func(ctx context.Context, tx *store.Tx, userID int64, terms []string) error
	// EraseCommunityTx deletes, inside tx, a permanently deleted user's
	// community posts, comments, votes, subscriptions and ban. The server
	// wiring installs community.EraseUserTx; unset (no community wired),
	// there is nothing to erase.
	EraseCommunityTx func(ctx context.Context, tx *store.Tx, userID int64) error
	// EraseChatTx deletes, inside tx, a permanently deleted user's live
	// chats as a visitor and the name on the lines they wrote as an agent
	// (the chats' tickets are erased with the tickets). The server wiring
	// installs chat.EraseUserTx; unset (no chat wired), nothing to erase.
	EraseChatTx func(ctx context.Context, tx *store.Tx, userID int64) error

	// tokenIPs are the token/address pairs already in the audit log.
	tokenIPs seenIPs
	// tokens are the API tokens read recently (AuthenticateToken).
	tokens tokenCache
	// TokenCacheTTL overrides DefaultTokenCacheTTL; negative: no cache.
	TokenCacheTTL time.Duration

	// ExportLag is how recent a change incremental exports leave out
	// (zero: DefaultExportLag).
	ExportLag time.Duration

	hooks []Hook // see AddHook
}

func (s *Service) settingsSvc() *settings.Service {
	return settings.Or(s.Settings, s.DB, s.Events)
}

// New returns a Service over db publishing to bus (which may be nil).
// Other instances' changes to users, roles and tokens reach its token
// cache through bus.
func New(db *store.DB, bus *events.Bus) *Service {
	s := &Service{DB: db, Events: bus, Passwords: password.New(db)}
	if bus != nil {
		bus.Subscribe(func(e events.Event) {
			if changesAccess(e) {
				s.tokens.clear()
			}
		})
	}
	return s
}

// passwords returns s.Passwords, or a default one over s.DB.
func (s *Service) passwords() *password.Service {
	if s.Passwords != nil {
		return s.Passwords
	}
	return password.New(s.DB)
}

// Limits on what clients may store, so no request can bloat a row or a
// search document without bound.
const (
	maxName      = 255   // runes
	maxText      = 65536 // bytes, notes and details
	maxShort     = 255   // bytes: external ids, token names, phones, locales
	maxTags      = 100
	maxTagLen    = 100 // bytes
	defaultLimit = 100
	maxLimit     = 1000
	maxIDs       = 1000 // ids per GetUsers/GetOrganizations/GetGroups call
)

func unauthorized() *desk.Error {
	return &desk.Error{Code: desk.EUNAUTHORIZED, Message: "Couldn't authenticate you"}
}

// clampLimit applies the default and the ceiling to a page size.
func clampLimit(limit int) int {
	if limit <= 0 {
		return defaultLimit
	}
	return min(limit, maxLimit)
}

// pageArgs returns a LIMIT/OFFSET clause and its arguments (see store.Page).
func pageArgs(limit, offset int) (string, []any) {
	return store.Page(clampLimit(limit), max(0, offset))
}

// validText reports whether s can be stored in both stores: PostgreSQL
// rejects invalid UTF-8 and NUL bytes in TEXT columns.
func validText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}

// hasControl reports whether s contains control characters (names, tags,
// identifiers must be single-line).
func hasControl(s string) bool {
	return strings.IndexFunc(s, unicode.IsControl) >= 0
}

// checkName validates a display name (users, organizations, groups).
func checkName(v *desk.Validation, field, name string) string {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		v.Add(field, "can't be blank")
	case !validText(name) || hasControl(name):
		v.Add(field, "contains invalid characters")
	case utf8.RuneCountInString(name) > maxName:
		v.Add(field, "is too long (maximum is 255 characters)")
	}
	return name
}

// checkText validates free text (notes, details, descriptions).
func checkText(v *desk.Validation, field, s string) string {
	switch {
	case !validText(s):
		v.Add(field, "contains invalid characters")
	case len(s) > maxText:
		v.Add(field, "is too long")
	}
	return s
}

// checkShort validates a single-line identifier-like value.
func checkShort(v *desk.Validation, field, s string) string {
	s = strings.TrimSpace(s)
	switch {
	case !validText(s) || hasControl(s):
		v.Add(field, "contains invalid characters")
	case len(s) > maxShort:
		v.Add(field, "is too long")
	}
	return s
}

// normalizeTags lower-cases, splits on white space and de-duplicates tags,
// keeping first-seen order; tags are stored space-separated.
func normalizeTags(v *desk.Validation, field string, in []string) []string {
	out := []string{}
	seen := map[string]bool{}
	for _, raw := range in {
		if !validText(raw) {
			v.Add(field, "contains invalid characters")
			return out
		}
		for _, t := range strings.FieldsFunc(strings.ToLower(raw), func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) {
			if len(t) > maxTagLen {
				v.Add(field, "contains a tag that is too long")
				return out
			}
			if !seen[t] {
				seen[t] = true
				out = append(out, t)
			}
		}
	}
	if len(out) > maxTags {
		v.Add(field, "has too many tags")
	}
	return out
}

func splitTags(s string) []string {
	f := strings.Fields(s)
	if f == nil {
		return []string{}
	}
	return f
}

var localeRE = regexp.MustCompile(`^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$`)

func checkLocale(v *desk.Validation, s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return "en-US"
	}
	if len(s) > 35 || !localeRE.MatchString(s) {
		v.Add("locale", "is not a valid locale")
	}
	return s
}

func checkTimeZone(v *desk.Validation, s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return "UTC"
	}
	// "Local" would mean the server's zone, which is not a user setting.
	if s == "Local" || len(s) > 64 || !validText(s) {
		v.Add("time_zone", "is not a valid time zone")
		return s
	}
	if _, err := time.LoadLocation(s); err != nil {
		v.Add("time_zone", "is not a valid time zone")
	}
	return s
}

// searchDoc folds parts into one full-text document. Tokens that hold
// punctuation (emails, domains, phone numbers, "bob.smith") are followed by
// their letter/digit words as well: SQLite's tokenizer splits them anyway,
// but PostgreSQL's parser keeps "alice@example.com" as one lexeme, and this
// way a search for "example" finds the same records on both stores.
func searchDoc(parts ...string) string {
	doc := textfold.Fold(strings.Join(parts, " "))
	var extra []string
	for _, tok := range strings.Fields(doc) {
		words := textfold.Words(tok)
		if len(words) == 1 && words[0] == tok {
			continue
		}
		extra = append(extra, words...)
	}
	if len(extra) == 0 {
		return doc
	}
	return doc + " " + strings.Join(extra, " ")
}

// uniqueField maps a unique-constraint failure to the input field it is
// about (the constraint names differ between the stores, the column names
// appear in both messages).
func uniqueField(err error, fallback string) *desk.Error {
	s := err.Error()
	switch {
	case strings.Contains(s, "external_id"):
		return desk.Invalid("external_id", "has already been taken")
	case strings.Contains(s, "name_key"):
		return desk.Invalid("name", "has already been taken")
	case strings.Contains(s, "domain"):
		return desk.Invalid("domain_names", "is already used by another organization")
	case strings.Contains(s, "email") || strings.Contains(s, "user_identities"):
		return desk.Invalid("email", "is already being used by another user")
	}
	return desk.Invalid(fallback, "has already been taken")
}

// mapErr turns storage errors the client can cause into desk errors.
func mapErr(err error, fallback string) error {
	if err == nil {
		return nil
	}
	var de *desk.Error
	if errors.As(err, &de) {
		return err
	}
	if store.IsUniqueViolation(err) {
		return uniqueField(err, fallback)
	}
	return err
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// exists runs a COUNT query and reports whether it found anything.
func exists(ctx context.Context, q store.Querier, query string, args ...any) (bool, error) {
	var n int
	if err := q.QueryRow(ctx, query, args...).Scan(&n); err != nil {
		return false, err
	}
	return n > 0, nil
}

// uniqueIDs drops duplicates and non-positive ids, keeping order.
func uniqueIDs(ids []int64) []int64 {
	seen := make(map[int64]bool, len(ids))
	out := make([]int64, 0, len(ids))
	for _, id := range ids {
		if id > 0 && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

func nullInt(p int64) any {
	if p == 0 {
		return nil
	}
	return p
}

func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func int64Ptr(n sql.NullInt64) *int64 {
	if !n.Valid {
		return nil
	}
	v := n.Int64
	return &v
}

func strPtr(n sql.NullString) *string {
	if !n.Valid {
		return nil
	}
	v := n.String
	return &v
}

func derefInt(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

func derefStr(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
