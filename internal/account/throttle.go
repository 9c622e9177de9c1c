package account

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/httpx"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/store"
)

// Sign-in throttling.
//
// Per account (table login_failures, so it holds across restarts and
// instances): every attempt is counted BEFORE its password is checked and
// forgiven if the password was right, so a burst of parallel guesses cannot
// slip past the limit. After BackoffAfter attempts within FailureWindow each
// further one must wait — 1 s, then twice as long each time, at most
// MaxBackoff — and the attempt after MaxFailures locks the account for
// LockDuration, doubled for each lock within LockMemory of the previous one
// (at most MaxLockDuration), with one KindAccountLocked email per lock. A
// refused attempt checks no password, so not even the right password gets
// in; it fails with the generic error after a dummy hash, like a wrong
// password. Signing in with the right password outside a lock, or completing
// a password reset, clears the account's record.
//
// Browsers that signed in to the account before (known devices, see
// devices.go) are counted on their own subject instead, so none of this
// keeps them out.
//
// Addresses that belong to nobody get records too (keyed by a hash of the
// address), so an attacker cannot tell accounts from non-accounts by how
// they are throttled.
//
// Per IP (in memory, httpx.FailThrottle): IPMaxFailures failed sign-ins
// within FailureWindow block the IP for FailureWindow, doubling up to an
// hour; a blocked IP gets ErrThrottled without any check. Password reset
// requests and sign-ups are limited per IP and hour the same way (every
// request counts); they learn the IP from the context (WithClientIP).
const (
	FailureWindow   = 15 * time.Minute
	BackoffAfter    = 3
	MaxBackoff      = time.Minute
	MaxFailures     = 10
	LockDuration    = 15 * time.Minute
	MaxLockDuration = 24 * time.Hour
	LockMemory      = 24 * time.Hour

	IPMaxFailures         = 30
	MaxResetRequestsPerIP = 20 // per hour
	MaxSignUpsPerIP       = 20 // per hour
)

// ErrThrottled is the answer to a client IP that made too many failed
// sign-ins, reset requests or sign-ups: it says nothing about any account.
// Compare codes (desk.ErrorCode(err) == desk.ETOOMANY), not pointers.
var ErrThrottled = &desk.Error{Code: desk.ETOOMANY, Message: "Too many attempts from your network. Please wait a while and try again."}

func throttled() error {
	e := *ErrThrottled
	return &e
}

type clientIPKey struct{}

// WithClientIP returns a context telling RequestPasswordReset and SignUp
// the client's IP address (httpx.ClientIP or an httpx.IPResolver), for
// their per-IP limits. Without it those limits do not apply.
func WithClientIP(ctx context.Context, ip string) context.Context {
	return context.WithValue(ctx, clientIPKey{}, ip)
}

func clientIP(ctx context.Context) string {
	ip, _ := ctx.Value(clientIPKey{}).(string)
	return cleanMeta(ip, maxIP)
}

// ipThrottles are the in-memory per-IP limits.
type ipThrottles struct {
	signIn, resets, signUps *httpx.FailThrottle
	// passwordChecks counts wrong current passwords per user (ChangePassword).
	passwordChecks *httpx.FailThrottle
	// setupCodes counts wrong first-run setup codes per IP (SetupOwner).
	setupCodes *httpx.FailThrottle
}

func (s *Service) throttles() *ipThrottles {
	s.thrOnce.Do(func() {
		s.thr = &ipThrottles{
			signIn:         httpx.NewFailThrottle(IPMaxFailures, FailureWindow, s.now),
			resets:         httpx.NewFailThrottle(MaxResetRequestsPerIP, time.Hour, s.now),
			signUps:        httpx.NewFailThrottle(MaxSignUpsPerIP, time.Hour, s.now),
			passwordChecks: httpx.NewFailThrottle(MaxPasswordChecksPerUser, FailureWindow, s.now),
			setupCodes:     httpx.NewFailThrottle(IPMaxFailures, FailureWindow, s.now),
		}
	})
	return s.thr
}

// limitIP counts a request from ctx's client IP against t, refusing it
// when the IP is over the limit.
func limitIP(ctx context.Context, t *httpx.FailThrottle) error {
	ip := clientIP(ctx)
	if ip == "" {
		return nil
	}
	if blocked, _ := t.Blocked(ip); blocked {
		return throttled()
	}
	t.Fail(ip)
	return nil
}

// loginSubject returns the login_failures key for email: "u:<id>" for the
// user owning it, "e:<sha256>" for an address nobody owns, "" for what is
// not an address at all (those fail before any lookup).
func (s *Service) loginSubject(ctx context.Context, email string) (string, int64, error) {
	e, err := people.NormalizeEmail(email)
	if err != nil {
		return "", 0, nil
	}
	var id int64
	err = s.DB.QueryRow(ctx, `SELECT i.user_id FROM user_identities i WHERE i.type = ? AND i.value = ?
		UNION ALL SELECT u.id FROM users u WHERE u.email = ? LIMIT 1`, people.IdentityEmail, e, e).Scan(&id)
	if isNoRows(err) {
		sum := sha256.Sum256([]byte(e))
		return "e:" + hex.EncodeToString(sum[:]), 0, nil
	}
	if err != nil {
		return "", 0, err
	}
	return userSubject(id), id, nil
}

func userSubject(id int64) string { return "u:" + strconv.FormatInt(id, 10) }

// lockRow selects subject's counters, locking the row on PostgreSQL.
func lockRow(tx *store.Tx, cols string) string {
	q := `SELECT ` + cols + ` FROM login_failures WHERE subject = ?`
	if tx.Dialect() == store.Postgres {
		q += ` FOR UPDATE`
	}
	return q
}

// admit counts a sign-in attempt for subject and reports whether it may
// go ahead (false while locked or backing off).
func (s *Service) admit(ctx context.Context, subject string) (bool, error) {
	now := micros(s.now())
	var ok bool
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		ok = false
		if _, err := tx.Exec(ctx, `INSERT INTO login_failures (subject, window_start, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (subject) DO NOTHING`, subject, now, now); err != nil {
			return err
		}
		var failures int
		var windowStart, next, lockedUntil int64
		if err := tx.QueryRow(ctx, lockRow(tx, `failures, window_start, next_attempt_at, locked_until`), subject).
			Scan(&failures, &windowStart, &next, &lockedUntil); err != nil {
			return err
		}
		if now < lockedUntil {
			return nil
		}
		if now-windowStart >= FailureWindow.Microseconds() {
			failures, windowStart, next = 0, now, 0
		}
		// At MaxFailures the last attempts are still being checked; the
		// one that fails locks the account.
		if failures >= MaxFailures || now < next {
			return nil
		}
		failures++
		next = 0
		if failures >= BackoffAfter {
			next = now + backoff(failures-BackoffAfter).Microseconds()
		}
		if _, err := tx.Exec(ctx, `UPDATE login_failures SET failures = ?, window_start = ?, next_attempt_at = ?, updated_at = ?
			WHERE subject = ?`, failures, windowStart, next, now, subject); err != nil {
			return err
		}
		ok = true
		return nil
	})
	return ok, err
}

// backoff is 1 s doubled extra times, at most MaxBackoff.
func backoff(extra int) time.Duration {
	d := time.Second
	for range extra {
		if d >= MaxBackoff {
			break
		}
		d *= 2
	}
	return min(d, MaxBackoff)
}

// lockFor is how long the n-th lock in a row lasts.
func lockFor(n int) time.Duration {
	d := LockDuration
	for i := 1; i < n && d < MaxLockDuration; i++ {
		d *= 2
	}
	return min(d, MaxLockDuration)
}

// noteFailure records that an admitted attempt for subject had a wrong
// password, locking the account once MaxFailures attempts have failed and
// mailing its owner (userID; 0 for addresses nobody owns).
func (s *Service) noteFailure(ctx context.Context, subject string, userID int64) error {
	now := s.now()
	nowUS := micros(now)
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		var failures, locks int
		var lockedUntil, lastLock int64
		err := tx.QueryRow(ctx, lockRow(tx, `failures, locked_until, locks, last_lock_at`), subject).
			Scan(&failures, &lockedUntil, &locks, &lastLock)
		if isNoRows(err) {
			return nil // a concurrent success cleared it
		}
		if err != nil {
			return err
		}
		if failures < MaxFailures || nowUS < lockedUntil {
			return nil
		}
		if lastLock == 0 || nowUS-lastLock > LockMemory.Microseconds() {
			locks = 0
		}
		locks++
		d := lockFor(locks)
		until := now.Add(d)
		// Counting starts afresh when the lock ends.
		if _, err := tx.Exec(ctx, `UPDATE login_failures SET failures = ?, window_start = ?, next_attempt_at = ?,
			locked_until = ?, locks = ?, last_lock_at = ?, updated_at = ? WHERE subject = ?`,
			0, micros(until), 0, micros(until), locks, nowUS, nowUS, subject); err != nil {
			return err
		}
		if userID == 0 {
			return nil
		}
		return s.lockedMailTx(ctx, tx, userID, now, until, d)
	})
}

// ownerNoticeTx tells the account owner that userID (someone else) has
// just been locked out of unfamiliar devices.
func (s *Service) ownerNoticeTx(ctx context.Context, tx *store.Tx, userID int64, who string, d mailData, now time.Time) error {
	ownerID, ownerEmail, err := people.OwnerContact(ctx, tx)
	if err != nil || ownerID == 0 || ownerID == userID || ownerEmail == "" {
		return err
	}
	d.Account = who
	return s.queueMail(ctx, tx, KindAccountLockedOwner, ownerEmail, d, now)
}

// lockedMailTx tells userID that their account is locked until until.
func (s *Service) lockedMailTx(ctx context.Context, tx *store.Tx, userID int64, now, until time.Time, d time.Duration) error {
	var (
		email  string
		active bool
	)
	err := tx.QueryRow(ctx, `SELECT COALESCE(email, ''), active FROM users WHERE id = ?`, userID).Scan(&email, &active)
	if isNoRows(err) || (err == nil && (email == "" || !active)) {
		return nil
	}
	if err != nil {
		return err
	}
	base, err := cleanBase(s.BaseURL)
	if err != nil {
		base = ""
	}
	md := mailData{Base: base, LockedFor: humanDuration(d), Until: until.UTC().Format("2 January 2006, 15:04 MST")}
	if err := s.queueMail(ctx, tx, KindAccountLocked, email, md, now); err != nil {
		return err
	}
	return s.ownerNoticeTx(ctx, tx, userID, email, md, now)
}

// clearFailuresTx forgets subject's failed sign-ins.
func clearFailuresTx(ctx context.Context, tx *store.Tx, subject string) error {
	if subject == "" {
		return nil
	}
	_, err := tx.Exec(ctx, `DELETE FROM login_failures WHERE subject = ?`, subject)
	return err
}

func humanDuration(d time.Duration) string {
	if d < time.Hour {
		return plural(int(d/time.Minute), "minute")
	}
	return plural(int(d/time.Hour), "hour")
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}
