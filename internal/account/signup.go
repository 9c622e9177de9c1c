package account

import (
	"context"
	"database/sql"
	"time"

	"github.com/frontdesk/frontdesk/internal/auth"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/events"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/store"
)

// SignUp registers a customer: an unverified end-user with a password (in
// the organization whose domain matches the address, as for requesters) and
// a verification email (KindVerifyEmail, link baseURL + "/verify?token=…",
// valid for VerifyTTL). The user cannot sign in until verified.
//
// If the address already belongs to someone, no user is created and that
// person gets a KindAlreadyRegistered email instead (at most
// MaxNoticesPerHour an hour); SignUp still returns nil, so callers cannot
// tell the two cases apart. That email also carries a fresh verification
// link when the owner's own sign-up is still unverified, or a link to
// choose a first password when the owner is an end-user without one (a
// customer known from earlier tickets claiming their account). The
// password given is not used in either case.
//
// Invalid input (name, email, locale) is desk.Invalid, reported before
// anything is looked up; then the password must meet the end-user password
// policy (package password; desk.Invalid on "password" with a code per
// broken rule in FieldError.Error). Beyond MaxSignUpsPerIP valid sign-ups
// an hour from the client IP in ctx (WithClientIP) the answer is
// ErrThrottled.
func (s *Service) SignUp(ctx context.Context, name, email, password, locale, baseURL string) error {
	base, err := cleanBase(baseURL)
	if err != nil {
		return err
	}
	if ip := clientIP(ctx); ip != "" {
		if blocked, _ := s.throttles().signUps.Blocked(ip); blocked {
			return throttled()
		}
	}
	var v desk.Validation
	name = checkName(&v, name)
	e, err := people.NormalizeEmail(email)
	if err != nil {
		v.Add("email", "is not a valid email address")
	}
	locale = checkLocale(&v, locale)
	if err := v.Err(); err != nil {
		return err
	}
	if err := s.passwords().Check(ctx, s.DB, 0, name, e, password, desk.RoleEndUser); err != nil {
		return err
	}
	if err := limitIP(ctx, s.throttles().signUps); err != nil {
		return err
	}
	// Hash whether or not the address is taken, so both cases take as long.
	pwHash, err := auth.HashPassword(password)
	if err != nil {
		return err
	}
	vToken, vHash := auth.NewToken()
	rToken, rHash := auth.NewToken()
	now := s.now()
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		id, _, created, err := people.EnsureRequesterTx(ctx, tx, name, e)
		if err != nil {
			return err
		}
		if !created {
			return s.alreadyRegisteredTx(ctx, tx, id, e, base, vToken, vHash, rToken, rHash)
		}
		if err := s.People.SetPasswordTx(ctx, tx, id, pwHash); err != nil {
			return err
		}
		if err := people.SetLocaleTx(ctx, tx, id, locale); err != nil {
			return err
		}
		if err := s.addVerificationTx(ctx, tx, id, e, vHash); err != nil {
			return err
		}
		if bus := s.People.Events; bus != nil {
			if err := bus.PublishTx(ctx, tx, events.Event{Type: events.UserCreated, UserID: id, ActorID: id}); err != nil {
				return err
			}
		}
		return s.queueMail(ctx, tx, KindVerifyEmail, e, mailData{Base: base, Link: base + "/verify?token=" + vToken}, now)
	})
}

func (s *Service) addVerificationTx(ctx context.Context, tx *store.Tx, userID int64, email, hash string) error {
	now := s.now()
	_, err := tx.Exec(ctx, `INSERT INTO email_verifications (user_id, email, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
		userID, email, hash, micros(now), micros(now.Add(VerifyTTL)))
	return err
}

// alreadyRegisteredTx tells the owner of email that someone tried to sign
// up with it, adding whichever link helps them on.
func (s *Service) alreadyRegisteredTx(ctx context.Context, tx *store.Tx, userID int64, email, base, vToken, vHash, rToken, rHash string) error {
	now := s.now()
	var (
		role                        string
		pwHash                      sql.NullString
		active, suspended, verified bool
		primary                     sql.NullString
	)
	if err := tx.QueryRow(ctx, `SELECT role, password_hash, active, suspended, verified, email FROM users WHERE id = ?`, userID).
		Scan(&role, &pwHash, &active, &suspended, &verified, &primary); err != nil {
		return err
	}
	if !active {
		return nil // deleted users get no mail
	}
	sent, err := s.Outbox.CountSinceTx(ctx, tx, email, KindAlreadyRegistered, now.Add(-time.Hour))
	if err != nil || sent >= MaxNoticesPerHour {
		return err
	}
	d := mailData{Base: base}
	pending, err := pendingSignUp(ctx, tx, userID)
	if err != nil {
		return err
	}
	switch {
	case pending && !verified && email == primary.String && !suspended:
		if err := s.addVerificationTx(ctx, tx, userID, email, vHash); err != nil {
			return err
		}
		d.VerifyLink = base + "/verify?token=" + vToken
	case pwHash.String == "" && desk.Role(role) == desk.RoleEndUser && !suspended:
		ok, err := s.issueResetTx(ctx, tx, userID, email, rHash, true)
		if err != nil {
			return err
		}
		if ok {
			d.SetPasswordLink = base + "/password/reset?token=" + rToken
		}
	}
	return s.queueMail(ctx, tx, KindAlreadyRegistered, email, d, now)
}

// VerifyEmail confirms the address a verification token was sent to: that
// email identity becomes verified and, when it is the primary address, so
// does the user. The token (and any other pending one for the same address)
// is used up. A bad, expired or used token — or one whose address no longer
// belongs to the user, or whose user was deleted — is
// desk.Invalid("token", …).
func (s *Service) VerifyEmail(ctx context.Context, token string) (*desk.User, error) {
	if !plausibleToken(token) {
		return nil, invalidToken()
	}
	hash := auth.HashToken(token)
	nowUS := micros(s.now())
	var userID int64
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		var email string
		err := tx.QueryRow(ctx, `UPDATE email_verifications SET used_at = ? WHERE token_hash = ? AND used_at = ? AND expires_at > ?
			RETURNING user_id, email`, nowUS, hash, 0, nowUS).Scan(&userID, &email)
		if isNoRows(err) {
			return invalidToken()
		}
		if err != nil {
			return err
		}
		var active bool
		if err := tx.QueryRow(ctx, `SELECT active FROM users WHERE id = ?`, userID).Scan(&active); err != nil {
			return err
		}
		if !active {
			return invalidToken()
		}
		found, err := people.MarkEmailVerifiedTx(ctx, tx, userID, email)
		if err != nil {
			return err
		}
		if !found {
			return invalidToken() // the address was removed from the account meanwhile
		}
		_, err = tx.Exec(ctx, `UPDATE email_verifications SET used_at = ? WHERE user_id = ? AND email = ? AND used_at = ?`,
			nowUS, userID, email, 0)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.People.GetUser(desk.SystemContext(ctx), userID)
}
