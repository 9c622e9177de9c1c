// Package twofactor adds a second sign-in factor: time-based one-time
// passwords (TOTP, RFC 6238: 6 digits, 30-second steps, HMAC-SHA1, as every
// authenticator app expects) with single-use recovery codes, and the admin
// policy that makes it mandatory for staff.
//
// Rules worth knowing:
//
//   - Enrolment is two steps. Begin creates a secret and keeps it as pending
//     until Confirm receives a valid code from it; only then is 2FA on, and
//     Confirm hands out 10 recovery codes, the one time they are readable.
//     Only users themselves can enrol (any role, end-users included); an
//     admin cannot enrol someone else. Begin is refused while 2FA is on: to
//     change devices, disable and enrol again.
//   - TOTP seeds are sealed with package secrets for context
//     "totp:user:<id>" and are never stored in plaintext; recovery codes are
//     stored only as SHA-256 hashes (they carry 50 random bits, so a fast
//     hash is enough), bound to their user.
//   - Verify accepts the code of the current 30-second step or of the one
//     before or after (clock drift), or an unused recovery code. Each TOTP
//     code works once: the last accepted step is remembered per user, and a
//     code for that step or an older one is refused, so an intercepted code
//     cannot be replayed, not even within its own 30 seconds.
//   - Every refused code counts; 10 in a row lock verification for 15
//     minutes (and every further 10 again), during which even right codes
//     are refused with ETOOMANY. A success resets the count. At most 10
//     guesses per 15 minutes leave a guesser about a 0.3% chance per day,
//     and the guesser must have the password first.
//   - Disable, RegenerateRecoveryCodes and (ideally) Begin change what
//     proves the user's identity. The caller — the web UI — must have the
//     user re-authenticate (password, and a current code when 2FA is on)
//     just before calling them for the user's own account, because a
//     stolen session alone must not be enough to turn 2FA off or to mint
//     new recovery codes. Admins may disable anyone's 2FA (a user who lost
//     their device); they can never read a user's secret or codes.
//   - Policy: the setting "security.require_2fa_staff" ("true"/"false") makes
//     2FA mandatory for agents and admins (RequiredFor). End-users are never
//     required to use it, but may.
//
// # Integration with web sign-in
//
// The service does not sign anyone in; the sign-in flow must use it:
//
//  1. After the password is accepted, and before a session is handed out,
//     check Enabled (with the user's principal or a system context). When
//     it is on, keep the half-signed-in state server-side (bound to the
//     user ID, short-lived) and ask for a code; only a successful Verify
//     completes sign-in. Answer ETOOMANY with its message.
//  2. When RequiredFor(role) and not Enabled, the only thing the user may do
//     after the password is enrol (Begin, then Confirm, then show the
//     recovery codes); every other page and API call must be refused until
//     then. Check on every request rather than only at sign-in, so turning
//     the policy on or promoting a customer to agent takes effect at once.
package twofactor

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
	"github.com/pquerna/otp/totp"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/secrets"
	"github.com/frontdesk/frontdesk/internal/settings"
	"github.com/frontdesk/frontdesk/internal/store"
)

// Parameters of the scheme.
const (
	// Period is the length of one TOTP time step.
	Period = 30 * time.Second
	// Skew is how many steps before and after the current one are accepted.
	Skew = 1
	// Digits is the length of a TOTP code.
	Digits = 6
	// RecoveryCodeCount is how many recovery codes a user gets at a time.
	RecoveryCodeCount = 10
	// MaxFailures consecutive refused codes lock verification ...
	MaxFailures = 10
	// ... for LockDuration.
	LockDuration = 15 * time.Minute
	// QRSize is the width and height of Enrollment.QRPNG in pixels.
	QRSize = 200
	// DefaultIssuer names the site in authenticator apps when Issuer is "".
	DefaultIssuer = "Frontdesk"
	// SettingRequireStaff is the settings key of the staff 2FA policy.
	SettingRequireStaff = settings.KeyRequireStaff2FA
	// secretBytes is the seed size (160 bits, RFC 4226's recommendation).
	secretBytes = 20
	// maxCodeInput bounds what Verify and Confirm look at.
	maxCodeInput = 64
)

// Service manages two-factor authentication. It is safe for concurrent use.
type Service struct {
	DB *store.DB
	// Box seals TOTP seeds; it must have the same key on every instance.
	Box *secrets.Box
	// Issuer names the site in authenticator apps (DefaultIssuer when "").
	Issuer string
	// Now is the clock for codes and locks; nil means store.Now.
	Now func() time.Time
	// Settings is the process's settings service (nil: uncached reads).
	Settings *settings.Service
}

func (s *Service) settingsSvc() *settings.Service {
	return settings.Or(s.Settings, s.DB, nil)
}

// New returns a Service using store.Now as its clock.
func New(db *store.DB, box *secrets.Box, issuer string) *Service {
	return &Service{DB: db, Box: box, Issuer: issuer}
}

// Enrollment is what a user needs to add the account to an authenticator
// app. It holds the secret in clear, so show it once and never log it.
type Enrollment struct {
	Secret string // base32, for manual entry
	URL    string // otpauth:// URL, the content of the QR code
	QRPNG  []byte // PNG image of URL as a QR code, QRSize×QRSize
}

var totpOpts = hotp.ValidateOpts{Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.UnixMicro(store.Now())
}

func (s *Service) ready() error {
	if s.DB == nil || s.Box == nil {
		return errors.New("twofactor: service needs DB and Box")
	}
	return nil
}

// secretContext is what a user's seed is sealed for.
func secretContext(userID int64) string { return "totp:user:" + strconv.FormatInt(userID, 10) }

// Begin starts enrolment for userID, who must be the caller: it creates a
// new secret, stores it sealed as pending (replacing any earlier pending
// one) and returns it with its otpauth URL and QR code. accountName labels
// the entry in the app (usually the email address). Begin fails with
// ECONFLICT while 2FA is already on.
func (s *Service) Begin(ctx context.Context, userID int64, accountName string) (*Enrollment, error) {
	if _, err := requireSelf(ctx, userID); err != nil {
		return nil, err
	}
	if err := s.ready(); err != nil {
		return nil, err
	}
	issuer := label(strings.ReplaceAll(s.Issuer, ":", " "), 50)
	if issuer == "" {
		issuer = DefaultIssuer
	}
	account := label(accountName, 100)
	if account == "" {
		account = "user-" + strconv.FormatInt(userID, 10)
	}
	key, err := totp.Generate(totp.GenerateOpts{
		Issuer: issuer, AccountName: account, Period: uint(Period / time.Second),
		SecretSize: secretBytes, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1,
	})
	if err != nil {
		return nil, fmt.Errorf("twofactor: generate secret: %w", err)
	}
	qr, err := qrPNG(key)
	if err != nil {
		return nil, err
	}
	sealed, err := s.Box.Seal([]byte(key.Secret()), secretContext(userID))
	if err != nil {
		return nil, err
	}
	now := s.now().UnixMicro()
	// One statement: insert, or replace the pending secret unless 2FA is on.
	res, err := s.DB.Exec(ctx, `INSERT INTO user_totp (user_id, pending_secret_sealed, created_at, updated_at)
		VALUES (?, ?, ?, ?)
		ON CONFLICT (user_id) DO UPDATE SET pending_secret_sealed = excluded.pending_secret_sealed, updated_at = excluded.updated_at
		WHERE user_totp.enabled = ?`, userID, sealed, now, now, false)
	if err != nil {
		return nil, err
	}
	if n, err := res.RowsAffected(); err != nil {
		return nil, err
	} else if n == 0 {
		return nil, alreadyEnabled()
	}
	return &Enrollment{Secret: key.Secret(), URL: key.URL(), QRPNG: qr}, nil
}

// qrPNG renders the key's URL as a two-colour PNG.
func qrPNG(key *otp.Key) ([]byte, error) {
	img, err := key.Image(QRSize, QRSize)
	if err != nil {
		return nil, fmt.Errorf("twofactor: QR code: %w", err)
	}
	pal := image.NewPaletted(image.Rect(0, 0, QRSize, QRSize), color.Palette{color.White, color.Black})
	draw.Draw(pal, pal.Bounds(), img, img.Bounds().Min, draw.Src)
	var buf bytes.Buffer
	if err := png.Encode(&buf, pal); err != nil {
		return nil, fmt.Errorf("twofactor: QR code: %w", err)
	}
	return buf.Bytes(), nil
}

// label makes a name safe for an otpauth label: one line, at most n bytes.
func label(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, ""))
	s = strings.Join(strings.Fields(s), " ")
	for len(s) > n {
		_, size := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-size]
	}
	return strings.TrimSpace(s)
}

// Confirm completes enrolment: the first valid code from the pending secret
// turns 2FA on (the code is then spent). It returns the recovery codes,
// readable this once. A wrong code is EINVALID on field "code"; without a
// pending secret it is EINVALID too, and ECONFLICT when 2FA is already on.
func (s *Service) Confirm(ctx context.Context, userID int64, code string) ([]string, error) {
	if _, err := requireSelf(ctx, userID); err != nil {
		return nil, err
	}
	if err := s.ready(); err != nil {
		return nil, err
	}
	kind, norm := classify(code)
	now := s.now()
	var codes []string
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		codes = nil
		var pending string
		var enabled bool
		err := tx.QueryRow(ctx, forUpdate(tx, `SELECT pending_secret_sealed, enabled FROM user_totp WHERE user_id = ?`), userID).
			Scan(&pending, &enabled)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return notStarted()
		case err != nil:
			return err
		case enabled:
			return alreadyEnabled()
		case pending == "":
			return notStarted()
		}
		if kind != kindTOTP {
			return desk.Invalid("code", "is invalid")
		}
		secret, err := s.openSecret(pending, userID)
		if err != nil {
			return err
		}
		step, ok := matchStep(secret, norm, now, 0)
		if !ok {
			return desk.Invalid("code", "is invalid")
		}
		us := now.UnixMicro()
		if _, err := tx.Exec(ctx, `UPDATE user_totp SET secret_sealed = pending_secret_sealed, pending_secret_sealed = '',
			enabled = ?, last_step = ?, failures = 0, locked_until = 0, updated_at = ? WHERE user_id = ?`,
			true, step, us, userID); err != nil {
			return err
		}
		if codes, err = replaceRecoveryCodes(ctx, tx, userID, us); err != nil {
			return err
		}
		return recordTx(ctx, tx, AuditEnabled, userID, nil)
	})
	if err != nil {
		return nil, err
	}
	return codes, nil
}

// Enabled reports whether userID has 2FA on. Users may ask about
// themselves, admins (and the system) about anyone.
func (s *Service) Enabled(ctx context.Context, userID int64) (bool, error) {
	if _, err := requireSelfOrAdmin(ctx, userID); err != nil {
		return false, err
	}
	var enabled bool
	err := s.DB.QueryRow(ctx, `SELECT enabled FROM user_totp WHERE user_id = ?`, userID).Scan(&enabled)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return enabled, err
}

type outcome int

const (
	refused outcome = iota
	accepted
	locked
)

// Verify checks a second-factor code for userID: a TOTP code (spaces
// allowed) or an unused recovery code (case, spaces and dash ignored). The
// caller must be the user or the system (the sign-in flow, before the
// session exists). Refused codes are EUNAUTHORIZED "Invalid code"; that
// includes every code while 2FA is off, so a sign-in flow that forgets to
// check Enabled fails closed. While locked it is ETOOMANY.
func (s *Service) Verify(ctx context.Context, userID int64, code string) error {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return err
	}
	if !p.System && (p.UserID != userID || userID == 0) {
		return desk.Forbidden("You can only verify your own codes")
	}
	if err := s.ready(); err != nil {
		return err
	}
	kind, norm := classify(code)
	now := s.now()
	us := now.UnixMicro()
	var result outcome
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		result = refused
		var (
			sealed             string
			enabled            bool
			lastStep, lockedTo int64
			failures           int
		)
		err := tx.QueryRow(ctx, forUpdate(tx, `SELECT secret_sealed, enabled, last_step, failures, locked_until
			FROM user_totp WHERE user_id = ?`), userID).Scan(&sealed, &enabled, &lastStep, &failures, &lockedTo)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		if !enabled || sealed == "" {
			return nil
		}
		if lockedTo > us {
			result = locked
			return nil
		}
		switch kind {
		case kindTOTP:
			secret, err := s.openSecret(sealed, userID)
			if err != nil {
				return err
			}
			if step, ok := matchStep(secret, norm, now, lastStep); ok {
				result = accepted
				_, err = tx.Exec(ctx, `UPDATE user_totp SET last_step = ?, failures = 0, locked_until = 0, updated_at = ?
					WHERE user_id = ?`, step, us, userID)
				return err
			}
		case kindRecovery:
			res, err := tx.Exec(ctx, `UPDATE recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? AND used_at = ?`,
				us, userID, hashRecoveryCode(userID, norm), 0)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n == 1 {
				result = accepted
				_, err = tx.Exec(ctx, `UPDATE user_totp SET failures = 0, locked_until = 0, updated_at = ? WHERE user_id = ?`,
					us, userID)
				return err
			}
		}
		failures++
		if failures%MaxFailures == 0 {
			lockedTo = now.Add(LockDuration).UnixMicro()
		}
		if _, err = tx.Exec(ctx, `UPDATE user_totp SET failures = ?, locked_until = ?, updated_at = ? WHERE user_id = ?`,
			failures, lockedTo, us, userID); err != nil {
			return err
		}
		return recordTx(ctx, tx, AuditFailed, userID, map[string]any{"failures": failures, "locked": lockedTo > us})
	})
	if err != nil {
		return err
	}
	switch result {
	case accepted:
		return nil
	case locked:
		return &desk.Error{Code: desk.ETOOMANY, Message: "Too many invalid codes. Try again in 15 minutes."}
	default:
		return &desk.Error{Code: desk.EUNAUTHORIZED, Message: "Invalid code"}
	}
}

// Disable turns 2FA off for userID and deletes the secret, any pending
// secret and the recovery codes. Users may disable their own (the caller
// must have made them re-authenticate first), admins anyone's. Disabling
// when it is off is not an error.
func (s *Service) Disable(ctx context.Context, userID int64) error {
	p, err := requireSelfOrAdmin(ctx, userID)
	if err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		// No other admin may strip the account owner's second factor: that
		// would be half of taking the account over without a transfer.
		if !p.System && p.UserID != userID {
			owner, err := settings.Owner.Read(ctx, tx)
			if err != nil {
				return err // never assume "not the owner" on a failed read
			}
			if owner != 0 && owner == userID {
				return desk.Forbidden("only the account owner can turn off the owner's two-factor authentication")
			}
		}
		if err := EraseUserTx(ctx, tx, userID); err != nil {
			return err
		}
		return recordTx(ctx, tx, AuditDisabled, userID, nil)
	})
}

// EraseUserTx deletes userID's TOTP secret (and any pending one) and
// recovery codes inside tx, with no authorization of its own: Disable calls
// it after its checks, and people.PurgeUser (through the hook the server
// installs) when the user is permanently deleted.
func EraseUserTx(ctx context.Context, tx *store.Tx, userID int64) error {
	if _, err := tx.Exec(ctx, `DELETE FROM recovery_codes WHERE user_id = ?`, userID); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `DELETE FROM user_totp WHERE user_id = ?`, userID)
	return err
}

// RemainingRecoveryCodes counts userID's unused recovery codes (the user
// themselves, or an admin).
func (s *Service) RemainingRecoveryCodes(ctx context.Context, userID int64) (int, error) {
	if _, err := requireSelfOrAdmin(ctx, userID); err != nil {
		return 0, err
	}
	var n int
	err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM recovery_codes WHERE user_id = ? AND used_at = ?`, userID, 0).Scan(&n)
	return n, err
}

// RegenerateRecoveryCodes replaces all of userID's recovery codes, used or
// not, with new ones and returns them (readable this once). Only the user
// may, with 2FA on (else ECONFLICT), after re-authenticating.
func (s *Service) RegenerateRecoveryCodes(ctx context.Context, userID int64) ([]string, error) {
	if _, err := requireSelf(ctx, userID); err != nil {
		return nil, err
	}
	var codes []string
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		codes = nil
		var enabled bool
		err := tx.QueryRow(ctx, forUpdate(tx, `SELECT enabled FROM user_totp WHERE user_id = ?`), userID).Scan(&enabled)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && !enabled) {
			return notEnabled()
		}
		if err != nil {
			return err
		}
		if codes, err = replaceRecoveryCodes(ctx, tx, userID, s.now().UnixMicro()); err != nil {
			return err
		}
		return recordTx(ctx, tx, AuditCodesRegenerated, userID, nil)
	})
	if err != nil {
		return nil, err
	}
	return codes, nil
}

// RequiredFor reports whether users of role must use 2FA: staff when the
// admin setting says so, end-users never. Any principal may ask.
func (s *Service) RequiredFor(ctx context.Context, role desk.Role) (bool, error) {
	if _, err := desk.RequirePrincipal(ctx); err != nil {
		return false, err
	}
	if !role.Staff() {
		return false, nil
	}
	return settings.RequireStaff2FA.Get(ctx, s.settingsSvc())
}

// SetRequired sets whether staff must use 2FA (admins only). Turning it on
// does not lock anyone out: staff without 2FA are made to enrol at their
// next sign-in or request.
func (s *Service) SetRequired(ctx context.Context, staff bool) error {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return err
	}
	if !p.IsAdmin() {
		return desk.Forbidden("Only admins can change the two-factor policy")
	}
	return settings.RequireStaff2FA.Set(ctx, s.settingsSvc(), staff)
}

// openSecret unseals a user's base32 seed.
func (s *Service) openSecret(sealed string, userID int64) (string, error) {
	b, err := s.Box.Open(sealed, secretContext(userID))
	if err != nil {
		return "", fmt.Errorf("twofactor: cannot decrypt the TOTP secret of user %d (was %s changed?): %w",
			userID, secrets.EnvKey, err)
	}
	return string(b), nil
}

// step returns the TOTP time step of t.
func step(t time.Time) int64 {
	sec := t.Unix()
	p := int64(Period / time.Second)
	if sec < 0 {
		return (sec - p + 1) / p
	}
	return sec / p
}

// matchStep finds the earliest step within the skew window, later than
// after, whose code is code.
func matchStep(secret, code string, now time.Time, after int64) (int64, bool) {
	cur := step(now)
	for st := cur - Skew; st <= cur+Skew; st++ {
		if st <= after || st < 0 {
			continue
		}
		want, err := hotp.GenerateCodeCustom(secret, uint64(st), totpOpts)
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return st, true
		}
	}
	return 0, false
}

type codeKind int

const (
	kindNone codeKind = iota
	kindTOTP
	kindRecovery
)

const recoveryAlphabet = "abcdefghijklmnopqrstuvwxyz234567" // base32, lower case

// classify normalises user input: 6 digits are a TOTP code, 10 base32
// letters (case, spaces and dashes ignored) a recovery code.
func classify(code string) (codeKind, string) {
	if len(code) > maxCodeInput {
		return kindNone, ""
	}
	s := strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '\t' {
			return -1
		}
		return unicode.ToLower(r)
	}, code)
	if len(s) == Digits && strings.Trim(s, "0123456789") == "" {
		return kindTOTP, s
	}
	if len(s) == 10 && strings.Trim(s, recoveryAlphabet) == "" {
		return kindRecovery, s
	}
	return kindNone, ""
}

// newRecoveryCode returns 50 random bits as "abcde-fghij".
func newRecoveryCode() string {
	b := make([]byte, 10)
	rand.Read(b)
	for i := range b {
		b[i] = recoveryAlphabet[b[i]&31] // 256 is a multiple of 32: no bias
	}
	return string(b[:5]) + "-" + string(b[5:])
}

// hashRecoveryCode is the stored form of a normalised recovery code; the
// user ID is part of it, so a code belongs to one user only.
func hashRecoveryCode(userID int64, normalized string) string {
	sum := sha256.Sum256([]byte("frontdesk-recovery-code:" + strconv.FormatInt(userID, 10) + ":" + normalized))
	return hex.EncodeToString(sum[:])
}

// replaceRecoveryCodes deletes userID's codes and stores fresh ones.
func replaceRecoveryCodes(ctx context.Context, tx *store.Tx, userID, now int64) ([]string, error) {
	if _, err := tx.Exec(ctx, `DELETE FROM recovery_codes WHERE user_id = ?`, userID); err != nil {
		return nil, err
	}
	codes := make([]string, 0, RecoveryCodeCount)
	seen := map[string]bool{}
	for len(codes) < RecoveryCodeCount {
		c := newRecoveryCode()
		if seen[c] {
			continue
		}
		seen[c] = true
		_, norm := classify(c)
		if _, err := tx.Exec(ctx, `INSERT INTO recovery_codes (user_id, code_hash, created_at, used_at) VALUES (?, ?, ?, ?)`,
			userID, hashRecoveryCode(userID, norm), now, 0); err != nil {
			return nil, err
		}
		codes = append(codes, c)
	}
	return codes, nil
}

// forUpdate locks the selected row on PostgreSQL; SQLite serialises all
// write transactions anyway.
func forUpdate(tx *store.Tx, q string) string {
	if tx.Dialect() == store.Postgres {
		return q + " FOR UPDATE"
	}
	return q
}

// requireSelf allows only the user themselves (not admins, not the system).
func requireSelf(ctx context.Context, userID int64) (*desk.Principal, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	if p.System || userID == 0 || p.UserID != userID {
		return nil, desk.Forbidden("You can only manage two-factor authentication for yourself")
	}
	return p, nil
}

// requireSelfOrAdmin allows the user themselves, admins and the system.
func requireSelfOrAdmin(ctx context.Context, userID int64) (*desk.Principal, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	if p.IsAdmin() || (userID != 0 && p.UserID == userID) {
		return p, nil
	}
	return nil, desk.Forbidden("You can only manage two-factor authentication for yourself")
}

func alreadyEnabled() error {
	return &desk.Error{Code: desk.ECONFLICT, Message: "Two-factor authentication is already enabled; disable it before enrolling again"}
}

func notEnabled() error {
	return &desk.Error{Code: desk.ECONFLICT, Message: "Two-factor authentication is not enabled"}
}

func notStarted() error {
	return desk.Invalid("code", "has no two-factor set-up in progress; start again")
}
