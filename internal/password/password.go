// Package password decides which new passwords Frontdesk accepts, keeps
// the history that stops people reusing old ones, and says when a password
// has expired.
//
// Admins choose a policy level separately for staff (agents and admins) and
// for end-users; both start at Recommended:
//
//   - Recommended (NIST SP 800-63B): at least 12 characters, at most 256,
//     no composition rules, not in the embedded list of breached and common
//     passwords (CommonCount entries, see data/README.md), and not
//     containing the user's name or email address. No reuse rule, no
//     expiry.
//   - Custom: the admin picks the minimum length (8–128), which character
//     classes are required (lower-case, upper-case, digit, symbol), how many
//     previous passwords may not be reused (0–24) and after how many days a
//     password expires (0 = never). The breached-list and personal-info
//     checks stay on: they cost honest users nothing.
//
// Policies live in the settings table as JSON under "security.password.staff"
// and "security.password.end_users". A missing or unreadable setting means
// Recommended, so a damaged row can only make the rules stricter.
//
// Check reports every broken rule as a desk.Invalid-style error on the field
// "password"; each FieldError carries a stable code in its Error field
// (CodeTooShort, CodeBreached, …) that the web UI translates, and an English
// description for API clients.
//
// Whoever sets a password calls Check first (outside the write transaction:
// the reuse rule runs argon2 once per remembered password), then stores the
// hash and calls Record in the same transaction.
package password

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/frontdesk/frontdesk/internal/auth"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/settings"
	"github.com/frontdesk/frontdesk/internal/store"
)

// Audiences: whom a policy applies to.
const (
	AudienceStaff    = "staff"     // agents and admins
	AudienceEndUsers = "end_users" // customers
)

// Levels.
const (
	LevelRecommended = "recommended"
	LevelCustom      = "custom"
)

// Bounds of the rules.
const (
	RecommendedMinLength = 12
	MaxLength            = 256 // characters, under every policy
	MinCustomLength      = 8
	MaxCustomLength      = 128
	MaxHistory           = 24 // previous passwords a policy may forbid; also how many Record keeps
	MaxExpiryDays        = 3650
)

// Error codes in desk.FieldError.Error, one per rule.
const (
	CodeInvalidCharacters    = "InvalidCharacters"    // invalid UTF-8 or control characters
	CodeTooShort             = "TooShort"             // fewer than Policy.MinLength characters
	CodeTooLong              = "TooLong"              // more than MaxLength characters
	CodeMissingClass         = "MissingClass"         // a required character class is missing
	CodeContainsPersonalInfo = "ContainsPersonalInfo" // contains the user's name or email
	CodeBreached             = "Breached"             // in the breached/common password list
	CodeReused               = "Reused"               // one of the last Policy.History passwords
)

// Policy is the password rules for one audience. PolicyFor and
// AudiencePolicy return the effective values for either level (a
// Recommended policy reads as MinLength 12, no classes, no history, no
// expiry); SetPolicy only looks at Level for Recommended.
type Policy struct {
	Level         string `json:"level"`
	MinLength     int    `json:"min_length"`
	MaxLength     int    `json:"max_length"` // always MaxLength; for display
	RequireLower  bool   `json:"require_lowercase"`
	RequireUpper  bool   `json:"require_uppercase"`
	RequireDigit  bool   `json:"require_digit"`
	RequireSymbol bool   `json:"require_symbol"`
	History       int    `json:"history"`     // previous passwords that may not be reused (custom)
	ExpiryDays    int    `json:"expiry_days"` // 0 = passwords never expire
}

// Recommended returns the Recommended policy.
func Recommended() Policy {
	return Policy{Level: LevelRecommended, MinLength: RecommendedMinLength, MaxLength: MaxLength}
}

// normalize validates p and returns its effective form.
func (p Policy) normalize() (Policy, error) {
	var v desk.Validation
	switch p.Level {
	case LevelRecommended:
		return Recommended(), nil
	case LevelCustom:
	default:
		v.Add("level", "must be recommended or custom")
		return Policy{}, v.Err()
	}
	if p.MinLength < MinCustomLength || p.MinLength > MaxCustomLength {
		v.Add("min_length", fmt.Sprintf("must be between %d and %d", MinCustomLength, MaxCustomLength))
	}
	if p.History < 0 || p.History > MaxHistory {
		v.Add("history", fmt.Sprintf("must be between 0 and %d", MaxHistory))
	}
	if p.ExpiryDays < 0 || p.ExpiryDays > MaxExpiryDays {
		v.Add("expiry_days", fmt.Sprintf("must be between 0 and %d", MaxExpiryDays))
	}
	p.MaxLength = MaxLength
	return p, v.Err()
}

// AudienceFor returns the audience whose policy applies to role.
func AudienceFor(role desk.Role) string {
	if role.Staff() {
		return AudienceStaff
	}
	return AudienceEndUsers
}

func validAudience(a string) bool { return a == AudienceStaff || a == AudienceEndUsers }

// SettingKey is the settings row holding audience's policy.
func SettingKey(audience string) string { return setting(audience).Key() }

// setting is the declared setting holding audience's policy.
func setting(audience string) *settings.Setting[json.RawMessage] {
	if audience == AudienceStaff {
		return settings.PasswordStaff
	}
	return settings.PasswordEndUsers
}

// Service applies the policies stored in DB.
type Service struct {
	DB *store.DB
	// Now is the clock for history and expiry; tests replace it.
	Now func() time.Time
	// Settings is the process's settings service (nil: uncached reads).
	Settings *settings.Service
}

func (s *Service) settingsSvc() *settings.Service {
	return settings.Or(s.Settings, s.DB, nil)
}

// New returns a Service over db using the wall clock.
func New(db *store.DB) *Service { return &Service{DB: db, Now: time.Now} }

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// PolicyFor returns the policy for users with role. It needs no principal:
// sign-up and reset forms show the rules to anonymous visitors.
func (s *Service) PolicyFor(ctx context.Context, role desk.Role) (Policy, error) {
	return s.readPolicy(ctx, AudienceFor(role))
}

// AudiencePolicy returns the policy for audience (AudienceStaff or
// AudienceEndUsers), for the admin settings page.
func (s *Service) AudiencePolicy(ctx context.Context, audience string) (Policy, error) {
	if !validAudience(audience) {
		return Policy{}, desk.Invalid("audience", "must be staff or end_users")
	}
	return s.readPolicy(ctx, audience)
}

// readPolicy returns audience's stored policy, or Recommended when none is
// stored. A store error is returned; a damaged stored policy reads as
// Recommended — stricter than none, never no rules at all.
func (s *Service) readPolicy(ctx context.Context, audience string) (Policy, error) {
	raw, err := setting(audience).Get(ctx, s.settingsSvc())
	if errors.Is(err, settings.ErrCorrupt) {
		return Recommended(), nil
	}
	if err != nil {
		return Policy{}, fmt.Errorf("password: reading the %s policy: %w", audience, err)
	}
	if raw == nil {
		return Recommended(), nil
	}
	var p Policy
	if json.Unmarshal(raw, &p) != nil {
		return Recommended(), nil
	}
	if p, err = p.normalize(); err != nil {
		return Recommended(), nil
	}
	return p, nil
}

// SetPolicy stores audience's policy (admins only). Invalid values are
// desk.Invalid on the offending field (level, min_length, history,
// expiry_days). New rules apply to passwords set from now on; an expiry
// applies at once to every password older than it.
func (s *Service) SetPolicy(ctx context.Context, audience string, p Policy) error {
	pr, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return err
	}
	if !pr.IsAdmin() {
		return desk.Forbidden("Only admins can change password policies")
	}
	if !validAudience(audience) {
		return desk.Invalid("audience", "must be staff or end_users")
	}
	np, err := p.normalize()
	if err != nil {
		return err
	}
	b, err := json.Marshal(np)
	if err != nil {
		return err
	}
	return setting(audience).Set(ctx, s.settingsSvc(), b)
}

// Check validates password as the new password of a user with role under
// that role's policy. name and email are the user's (new) name and primary
// email; for an existing user (userID ≠ 0) their stored name and every
// email identity count too, and the reuse rule looks at their current and
// previous passwords. q is where those are read: s.DB, or the caller's
// transaction.
//
// A password breaking rules is desk.Invalid on "password" with one
// FieldError per broken rule, its Error field one of the Code constants.
// The reuse rule is only checked when every other rule passes.
func (s *Service) Check(ctx context.Context, q store.Querier, userID int64, name, email, password string, role desk.Role) error {
	if q == nil {
		q = s.DB
	}
	p, err := s.readPolicy(ctx, AudienceFor(role))
	if err != nil {
		return err
	}
	names, emails := []string{name}, []string{email}
	if userID != 0 {
		n, e, err := storedPersonal(ctx, q, userID)
		if err != nil {
			return err
		}
		names, emails = append(names, n...), append(emails, e...)
	}
	problems := p.problems(password, personalParts(names, emails))
	if len(problems) == 0 && p.History > 0 && userID != 0 {
		reused, err := reused(ctx, q, userID, password, p.History)
		if err != nil {
			return err
		}
		if reused {
			msg := fmt.Sprintf("must not be one of your last %d passwords", p.History)
			if p.History == 1 {
				msg = "must not be your current password"
			}
			problems = append(problems, desk.FieldError{Description: msg, Error: CodeReused})
		}
	}
	if len(problems) == 0 {
		return nil
	}
	return &desk.Error{Code: desk.EINVALID, Message: "Record validation errors",
		Details: map[string][]desk.FieldError{"password": problems}}
}

// problems lists the rules pw breaks, except reuse.
func (p Policy) problems(pw string, personal []string) []desk.FieldError {
	var out []desk.FieldError
	add := func(code, msg string) { out = append(out, desk.FieldError{Description: msg, Error: code}) }
	if !utf8.ValidString(pw) || strings.IndexFunc(pw, unicode.IsControl) >= 0 {
		add(CodeInvalidCharacters, "contains invalid characters")
		return out
	}
	n := utf8.RuneCountInString(pw)
	if n > MaxLength {
		add(CodeTooLong, fmt.Sprintf("is too long (maximum is %d characters)", MaxLength))
		return out
	}
	if n < p.MinLength {
		add(CodeTooShort, fmt.Sprintf("is too short (minimum is %d characters)", p.MinLength))
	}
	if missing := p.missingClasses(pw); len(missing) > 0 {
		add(CodeMissingClass, "must contain "+joinAnd(missing))
	}
	if containsPersonal(pw, personal) {
		add(CodeContainsPersonalInfo, "must not contain your name or email address")
	}
	if IsCommon(pw) {
		add(CodeBreached, "is too common: it appears in lists of leaked passwords")
	}
	return out
}

func (p Policy) missingClasses(pw string) []string {
	var lower, upper, digit, symbol bool
	for _, r := range pw {
		switch {
		case unicode.IsLower(r):
			lower = true
		case unicode.IsUpper(r) || unicode.IsTitle(r):
			upper = true
		case unicode.IsDigit(r):
			digit = true
		case !unicode.IsLetter(r):
			symbol = true
		}
	}
	var missing []string
	if p.RequireLower && !lower {
		missing = append(missing, "a lowercase letter")
	}
	if p.RequireUpper && !upper {
		missing = append(missing, "an uppercase letter")
	}
	if p.RequireDigit && !digit {
		missing = append(missing, "a digit")
	}
	if p.RequireSymbol && !symbol {
		missing = append(missing, "a symbol")
	}
	return missing
}

func joinAnd(l []string) string {
	if len(l) == 1 {
		return l[0]
	}
	return strings.Join(l[:len(l)-1], ", ") + " and " + l[len(l)-1]
}

// storedPersonal returns userID's stored name and email addresses.
func storedPersonal(ctx context.Context, q store.Querier, userID int64) (names, emails []string, err error) {
	var name string
	var email sql.NullString
	err = q.QueryRow(ctx, `SELECT name, email FROM users WHERE id = ?`, userID).Scan(&name, &email)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	names, emails = []string{name}, []string{email.String}
	rows, err := q.Query(ctx, `SELECT value FROM user_identities WHERE user_id = ? AND type = ?`, userID, "email")
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var e string
		if err := rows.Scan(&e); err != nil {
			return nil, nil, err
		}
		emails = append(emails, e)
	}
	return names, emails, rows.Err()
}

// reused reports whether pw matches userID's current password or one of
// their last n recorded ones.
func reused(ctx context.Context, q store.Querier, userID int64, pw string, n int) (bool, error) {
	var cur sql.NullString
	if err := q.QueryRow(ctx, `SELECT password_hash FROM users WHERE id = ?`, userID).Scan(&cur); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return false, err
	}
	hashes := []string{}
	if cur.String != "" {
		hashes = append(hashes, cur.String)
	}
	rows, err := q.Query(ctx, `SELECT hash FROM password_history WHERE user_id = ? ORDER BY id DESC LIMIT ?`, userID, n)
	if err != nil {
		return false, err
	}
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			rows.Close()
			return false, err
		}
		if h != cur.String {
			hashes = append(hashes, h)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return false, err
	}
	for _, h := range hashes {
		if auth.CheckPassword(h, pw) {
			return true, nil
		}
	}
	return false, nil
}

// Record notes, inside the transaction that stores it, that userID's
// password is now the one hashed as hash: it joins the history (of which
// the newest MaxHistory entries are kept, whatever the policy, so raising
// History takes effect at once), stamped now. An empty hash (no password)
// records nothing. The users row (password_hash, password_changed_at) is
// package people's to write: call people, which calls Record.
func (s *Service) Record(ctx context.Context, tx *store.Tx, userID int64, hash string) error {
	if hash == "" {
		return nil
	}
	now := s.now().UnixMicro()
	if _, err := tx.Exec(ctx, `INSERT INTO password_history (user_id, hash, created_at) VALUES (?, ?, ?)`,
		userID, hash, now); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `DELETE FROM password_history WHERE user_id = ? AND id NOT IN
		(SELECT id FROM password_history WHERE user_id = ? ORDER BY id DESC LIMIT ?)`, userID, userID, MaxHistory)
	return err
}

// Expired reports whether userID's password is older than their role's
// policy allows, so that they must choose a new one before going on. Users
// without a password, and policies without expiry, never expire. An
// unknown user is desk.NotFound.
func (s *Service) Expired(ctx context.Context, userID int64) (bool, error) {
	var (
		role    string
		hash    sql.NullString
		changed int64
	)
	err := s.DB.QueryRow(ctx, `SELECT role, password_hash, password_changed_at FROM users WHERE id = ?`, userID).
		Scan(&role, &hash, &changed)
	if errors.Is(err, sql.ErrNoRows) {
		return false, desk.NotFound()
	}
	if err != nil || hash.String == "" || changed == 0 {
		return false, err
	}
	p, err := s.PolicyFor(ctx, desk.Role(role))
	if err != nil || p.ExpiryDays == 0 {
		return false, err
	}
	expires := time.UnixMicro(changed).Add(time.Duration(p.ExpiryDays) * 24 * time.Hour)
	return !s.now().Before(expires), nil
}

// EraseHistoryTx deletes every password_history row of userID inside tx,
// for a user who is permanently deleted (people.PurgeUser calls it): the
// hashes of former passwords are personal data too.
func EraseHistoryTx(ctx context.Context, tx *store.Tx, userID int64) error {
	_, err := tx.Exec(ctx, `DELETE FROM password_history WHERE user_id = ?`, userID)
	return err
}
