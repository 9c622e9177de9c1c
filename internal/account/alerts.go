package account

// Suspicious sign-in alerts (issue P9).
//
// Every successful sign-in is checked, in its transaction, against four
// rules, each a setting that is on by default:
//
//   - new_device: the browser brought no live device token of the user
//     (devices.go);
//   - new_network: the address's network (/24 for IPv4, /48 for IPv6) is
//     not among those the user signed in from before (signin_networks);
//   - failures_then_success: AlertFailureThreshold or more failed attempts
//     on the account (or the device) came just before;
//   - concurrent_session: another live session of the user was last seen
//     from a different network.
//
// The first sign-in a user ever makes (no network remembered yet) only
// teaches the networks; it is never an alert. A suspicious sign-in is
// stored (security_alerts), written to the audit log and mailed to the
// user, in their language, with what, when and where and a "this wasn't
// me" link: a single-use token (only its hash is stored) valid for
// DisownTTL. For staff the security contact (setting) is told too. The
// mail is queued in the sign-in's transaction (the outbox sends it).
//
// Following the link (Disown) ends all the user's sessions, forgets their
// devices, replaces their password with a random one nobody knows and
// mails a password-reset link (the ordinary reset flow), so whoever signed
// in cannot come back with the old password.

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/frontdesk/frontdesk/internal/audit"
	"github.com/frontdesk/frontdesk/internal/auth"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/locale"
	"github.com/frontdesk/frontdesk/internal/outbox"
	"github.com/frontdesk/frontdesk/internal/settings"
	"github.com/frontdesk/frontdesk/internal/store"
)

// Alert reasons, stored comma-separated in security_alerts.reasons.
const (
	ReasonNewDevice   = "new_device"
	ReasonNewNetwork  = "new_network"
	ReasonFailures    = "failures_then_success"
	ReasonConcurrent  = "concurrent_session"
	KindSignInAlert   = "suspicious_sign_in"
	KindSecurityAlert = "security_notice"

	// AuditSuspiciousSignIn records an alert; AuditDisowned a "this wasn't
	// me" that was followed.
	AuditSuspiciousSignIn = "session.suspicious_sign_in"
	AuditDisowned         = "session.disowned"

	// AlertFailureThreshold is how many failed attempts before a success
	// make it suspicious.
	AlertFailureThreshold = 5
	// DisownTTL is how long a "this wasn't me" link works.
	DisownTTL = 7 * 24 * time.Hour
	// AlertRetention is how long alerts are kept (PurgeExpired removes
	// older ones; the audit log keeps its own record).
	AlertRetention = 90 * 24 * time.Hour
	// maxMailedUserAgent bounds the browser's self-description quoted in
	// an alert (text only; it is what the signed-in browser sent).
	maxMailedUserAgent = 120
	// maxNetworksPerUser bounds the networks remembered per user (the least
	// recently used go first).
	maxNetworksPerUser = 50
)

// Network is the network an address belongs to for the alert rules: the
// /24 of an IPv4 address, the /48 of an IPv6 one ("" when ip is not an
// address).
func Network(ip string) string {
	a, err := netip.ParseAddr(strings.TrimSpace(ip))
	if err != nil {
		return ""
	}
	a = a.Unmap().WithZone("")
	bits := 48
	if a.Is4() {
		bits = 24
	}
	p, err := a.Prefix(bits)
	if err != nil {
		return ""
	}
	return p.String()
}

type mailBaseKey struct{}

// WithMailBase tells SignInDevice and Disown the site's URL for links in
// the emails they queue (from configuration or a loopback request, never
// the Host header); without it they use Service.BaseURL.
func WithMailBase(ctx context.Context, base string) context.Context {
	return context.WithValue(ctx, mailBaseKey{}, base)
}

func (s *Service) mailBase(ctx context.Context) string {
	b, _ := ctx.Value(mailBaseKey{}).(string)
	if b == "" {
		b = s.BaseURL
	}
	b, err := cleanBase(b)
	if err != nil {
		return ""
	}
	return b
}

// signInCheck is what the sign-in knows when it checks the rules.
type signInCheck struct {
	userID     int64
	role       desk.Role
	known      bool // the browser brought a live device token of the user
	subject    string
	devSubject string // the device's login_failures key, when known
	ip, ua     string
	idle       time.Duration
	now        time.Time
}

// alertRules reads the rule settings; a setting that cannot be read counts
// as on.
func alertRules(ctx context.Context, q store.Querier) map[string]bool {
	on := func(d *settings.Setting[bool]) bool {
		v, err := d.Read(ctx, q)
		return err != nil || v
	}
	return map[string]bool{
		ReasonNewDevice:  on(settings.AlertNewDevice),
		ReasonNewNetwork: on(settings.AlertNewNetwork),
		ReasonFailures:   on(settings.AlertFailedThenOK),
		ReasonConcurrent: on(settings.AlertConcurrentNets),
	}
}

// checkSignInTx applies the rules to a sign-in about to be committed in tx
// (before its failure counters are cleared and its session is stored),
// remembers its network, and raises the alert when a rule matched.
func (s *Service) checkSignInTx(ctx context.Context, tx *store.Tx, c signInCheck) error {
	network := Network(c.ip)
	var seen int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM signin_networks WHERE user_id = ?`, c.userID).Scan(&seen); err != nil {
		return err
	}
	var reasons []string
	if seen > 0 { // the first sign-in ever teaches, it does not alert
		rules := alertRules(ctx, tx)
		if rules[ReasonNewDevice] && !c.known {
			reasons = append(reasons, ReasonNewDevice)
		}
		if rules[ReasonNewNetwork] && network != "" {
			var n int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM signin_networks WHERE user_id = ? AND network = ?`, c.userID, network).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				reasons = append(reasons, ReasonNewNetwork)
			}
		}
		if rules[ReasonFailures] {
			n, err := priorFailures(ctx, tx, c)
			if err != nil {
				return err
			}
			if n >= AlertFailureThreshold {
				reasons = append(reasons, ReasonFailures)
			}
		}
		if rules[ReasonConcurrent] && network != "" {
			other, err := otherNetworkSession(ctx, tx, c, network)
			if err != nil {
				return err
			}
			if other {
				reasons = append(reasons, ReasonConcurrent)
			}
		}
	}
	if network != "" {
		now := micros(c.now)
		if _, err := tx.Exec(ctx, `INSERT INTO signin_networks (user_id, network, first_seen_at, last_seen_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (user_id, network) DO UPDATE SET last_seen_at = excluded.last_seen_at`, c.userID, network, now, now); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM signin_networks WHERE user_id = ? AND network NOT IN
			(SELECT network FROM signin_networks WHERE user_id = ? ORDER BY last_seen_at DESC, network LIMIT ?)`,
			c.userID, c.userID, maxNetworksPerUser); err != nil {
			return err
		}
	}
	if len(reasons) == 0 {
		return nil
	}
	return s.raiseAlertTx(ctx, tx, c, network, reasons)
}

// priorFailures counts the failed attempts recorded for the account and
// for the device before this (successful) one, which admit counted too.
func priorFailures(ctx context.Context, tx *store.Tx, c signInCheck) (int, error) {
	total := 0
	for _, subj := range []string{userSubject(c.userID), c.devSubject} {
		if subj == "" {
			continue
		}
		var n int
		var windowStart int64
		err := tx.QueryRow(ctx, `SELECT failures, window_start FROM login_failures WHERE subject = ?`, subj).Scan(&n, &windowStart)
		if isNoRows(err) {
			continue
		}
		if err != nil {
			return 0, err
		}
		if micros(c.now)-windowStart >= FailureWindow.Microseconds() {
			continue
		}
		if subj == c.subject {
			n-- // this attempt
		}
		total += max(n, 0)
	}
	return total, nil
}

// otherNetworkSession reports whether the user has a live session last seen
// from another network than network.
func otherNetworkSession(ctx context.Context, tx *store.Tx, c signInCheck, network string) (bool, error) {
	now := micros(c.now)
	rows, err := tx.Query(ctx, `SELECT ip FROM sessions WHERE user_id = ? AND expires_at > ? AND last_seen_at >= ?`,
		c.userID, now, micros(c.now.Add(-c.idle)))
	if err != nil {
		return false, err
	}
	defer rows.Close()
	found := false
	for rows.Next() {
		var ip string
		if err := rows.Scan(&ip); err != nil {
			return false, err
		}
		if n := Network(ip); n != "" && n != network {
			found = true
		}
	}
	return found, rows.Err()
}

// raiseAlertTx stores the alert, audits it and queues the emails.
func (s *Service) raiseAlertTx(ctx context.Context, tx *store.Tx, c signInCheck, network string, reasons []string) error {
	token, hash := auth.NewToken()
	id, err := tx.InsertID(ctx, `INSERT INTO security_alerts (user_id, reasons, ip, network, user_agent, created_at, token_hash, token_expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, c.userID, strings.Join(reasons, ","), c.ip, network, c.ua, micros(c.now), hash, micros(c.now.Add(DisownTTL)))
	if err != nil {
		return fmt.Errorf("account: storing an alert: %w", err)
	}
	actx := auditCtx(ctx, c.userID, c.role, c.ip, c.ua)
	if err := audit.RecordTx(actx, tx, audit.Entry{Action: AuditSuspiciousSignIn, TargetType: "user", TargetID: c.userID,
		Data: map[string]any{"alert_id": id, "reasons": reasons, "network": network}}); err != nil {
		return err
	}
	var email, name, loc, tzName string
	var active bool
	if err := tx.QueryRow(ctx, `SELECT COALESCE(email, ''), name, locale, time_zone, active FROM users WHERE id = ?`, c.userID).
		Scan(&email, &name, &loc, &tzName, &active); err != nil {
		return err
	}
	base := s.mailBase(ctx)
	if email != "" && active {
		tz, err := time.LoadLocation(tzName)
		if err != nil || tzName == "" {
			tz = time.UTC
		}
		pr := locale.Default().Printer(loc, tz)
		site := ""
		if base != "" {
			site = " (" + base + ")"
		}
		lines := []string{
			pr.T("email.greeting", "name", name),
			pr.T("email.alert.body", "site", site, "when", pr.DateTime(c.now)+" "+tzLabel(c.now, tz),
				"ip", orUnknown(pr, c.ip), "agent", orUnknown(pr, cleanMeta(c.ua, maxMailedUserAgent)), "reasons", reasonText(pr, "email.alert.reason.", reasons)),
			pr.T("email.alert.ok"),
		}
		if base != "" {
			lines = append(lines, pr.T("email.alert.wasnt_me", "url", base+"/security/disown?token="+token))
		} else {
			lines = append(lines, pr.T("email.alert.no_link"))
		}
		if err := s.Outbox.AddTx(ctx, tx, outbox.Message{To: email, Subject: pr.T("email.alert.subject"),
			Text: strings.Join(lines, "\n\n") + "\n", Kind: KindSignInAlert, CreatedAt: c.now}); err != nil {
			return err
		}
	}
	if !c.role.Staff() {
		return nil
	}
	return s.securityNoticeTx(ctx, tx, c.now, func(pr *locale.Printer) string {
		return pr.T("email.security.suspicious_sign_in", "user", userLabel(name, email), "when", pr.DateTime(c.now)+" UTC",
			"ip", orUnknown(pr, c.ip), "reasons", reasonText(pr, "email.alert.reason.", reasons))
	}, "")
}

func tzLabel(t time.Time, tz *time.Location) string {
	name, _ := t.In(tz).Zone()
	return name
}

func orUnknown(pr *locale.Printer, s string) string {
	if s == "" {
		return pr.T("email.alert.unknown")
	}
	return s
}

func reasonText(pr *locale.Printer, prefix string, reasons []string) string {
	out := make([]string, len(reasons))
	for i, r := range reasons {
		out[i] = pr.T(prefix + r)
	}
	return strings.Join(out, "; ")
}

func userLabel(name, email string) string {
	if email == "" {
		return name
	}
	return name + " <" + email + ">"
}

// Disown is "this wasn't me": token is the link's from an alert email. It
// ends all the user's sessions, forgets their devices, replaces their
// password with a random one and mails them a password-reset link (to
// their primary address), all at once; the link works once, within
// DisownTTL. A bad, used or expired token is desk.Invalid("token", …).
func (s *Service) Disown(ctx context.Context, token string) error {
	bad := desk.Invalid("token", "is invalid or has expired")
	if !plausibleToken(token) {
		return bad
	}
	// Hashing is slow by design: done before the transaction.
	scramble, _ := auth.NewToken()
	pwHash, err := auth.HashPassword(scramble)
	if err != nil {
		return err
	}
	resetToken, resetHash := auth.NewToken()
	now := s.now()
	base := s.mailBase(ctx)
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		var id, userID, expires int64
		err := tx.QueryRow(ctx, `SELECT id, user_id, token_expires_at FROM security_alerts WHERE token_hash = ? AND disowned_at = ?`,
			auth.HashToken(token), 0).Scan(&id, &userID, &expires)
		if isNoRows(err) || (err == nil && micros(now) >= expires) {
			return bad
		}
		if err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `UPDATE security_alerts SET disowned_at = ? WHERE id = ? AND disowned_at = ?`, micros(now), id, 0)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err != nil {
				return err
			}
			return bad // a concurrent use
		}
		var email, name string
		var role desk.Role
		if err := tx.QueryRow(ctx, `SELECT COALESCE(email, ''), name, role FROM users WHERE id = ?`, userID).Scan(&email, &name, &role); err != nil {
			if isNoRows(err) {
				return bad
			}
			return err
		}
		if err := EndUserSessionsTx(ctx, tx, userID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM known_devices WHERE user_id = ?`, userID); err != nil {
			return err
		}
		if err := s.People.SetPasswordTx(ctx, tx, userID, pwHash); err != nil {
			return err
		}
		actx := desk.WithPrincipal(ctx, nil) // the link's holder, not a signed-in user
		if err := audit.RecordTx(actx, tx, audit.Entry{Action: AuditDisowned, TargetType: "user", TargetID: userID,
			Data: map[string]any{"alert_id": id}}); err != nil {
			return err
		}
		if email != "" && base != "" {
			ok, err := s.issueResetTx(ctx, tx, userID, email, resetHash, true)
			if err != nil {
				return err
			}
			if ok {
				if err := s.queueMail(ctx, tx, KindPasswordReset, email,
					mailData{Base: base, Link: base + "/password/reset?token=" + resetToken}, now); err != nil {
					return err
				}
			}
		}
		if !role.Staff() {
			return nil
		}
		return s.securityNoticeTx(ctx, tx, now, func(pr *locale.Printer) string {
			return pr.T("email.security.disowned", "user", userLabel(name, email))
		}, "")
	})
	if err != nil {
		if desk.ErrorCode(err) == desk.EINVALID {
			return err
		}
		return wrapErr("this wasn't me", err)
	}
	return nil
}

// Alert is one suspicious sign-in, for the admin page.
type Alert struct {
	ID         int64
	UserID     int64
	UserName   string
	UserEmail  string
	Reasons    []string
	IP         string
	Network    string
	UserAgent  string
	CreatedAt  time.Time
	DisownedAt time.Time // zero: the user did not disown it
}

// MaxAlertsListed bounds RecentAlerts.
const MaxAlertsListed = 200

// RecentAlerts lists the latest suspicious sign-ins, newest first, at most
// limit (1 to MaxAlertsListed). It needs staff holding manage_security.
func (s *Service) RecentAlerts(ctx context.Context, limit int) ([]Alert, error) {
	if err := requireSecurity(ctx); err != nil {
		return nil, err
	}
	if limit < 1 || limit > MaxAlertsListed {
		limit = MaxAlertsListed
	}
	rows, err := s.DB.Query(ctx, `SELECT a.id, a.user_id, COALESCE(u.name, ''), COALESCE(u.email, ''), a.reasons, a.ip, a.network,
		a.user_agent, a.created_at, a.disowned_at
		FROM security_alerts a LEFT JOIN users u ON u.id = a.user_id ORDER BY a.created_at DESC, a.id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, wrapErr("alerts", err)
	}
	defer rows.Close()
	out := []Alert{}
	for rows.Next() {
		var a Alert
		var reasons string
		var created, disowned int64
		if err := rows.Scan(&a.ID, &a.UserID, &a.UserName, &a.UserEmail, &reasons, &a.IP, &a.Network, &a.UserAgent, &created, &disowned); err != nil {
			return nil, wrapErr("alerts", err)
		}
		a.Reasons = strings.Split(reasons, ",")
		a.CreatedAt, a.DisownedAt = fromMicros(created), fromMicros(disowned)
		out = append(out, a)
	}
	return out, rows.Err()
}

// AlertSettings are the security contact and the alert rules.
type AlertSettings struct {
	Contact                                     string
	NewDevice, NewNetwork, Failures, Concurrent bool
}

// AlertSettings reads the security contact and the rules (staff holding
// manage_security, or the system).
func (s *Service) AlertSettings(ctx context.Context) (AlertSettings, error) {
	if err := requireSecurity(ctx); err != nil {
		return AlertSettings{}, err
	}
	var out AlertSettings
	var err error
	if out.Contact, err = settings.SecurityContact.Read(ctx, s.DB); err != nil {
		return out, wrapErr("alert settings", err)
	}
	r := alertRules(ctx, s.DB)
	out.NewDevice, out.NewNetwork, out.Failures, out.Concurrent = r[ReasonNewDevice], r[ReasonNewNetwork], r[ReasonFailures], r[ReasonConcurrent]
	return out, nil
}

// SetAlertSettings stores the security contact (validated: one plain
// address or empty) and the rules in one transaction, each change audited.
// Admins only.
func (s *Service) SetAlertSettings(ctx context.Context, in AlertSettings) error {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return err
	}
	if !p.System && !p.IsAdmin() {
		return desk.Forbidden("Only admins change the security contact and alerts")
	}
	in.Contact = strings.TrimSpace(in.Contact)
	if err := settings.SecurityContact.Validate(in.Contact); err != nil {
		return desk.Invalid("security_contact", "must be one email address, e.g. security@example.com")
	}
	st := settings.Or(s.Settings, s.DB, nil)
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		if err := settings.SecurityContact.SetTx(ctx, st, tx, in.Contact); err != nil {
			return err
		}
		for _, b := range []struct {
			d *settings.Setting[bool]
			v bool
		}{{settings.AlertNewDevice, in.NewDevice}, {settings.AlertNewNetwork, in.NewNetwork},
			{settings.AlertFailedThenOK, in.Failures}, {settings.AlertConcurrentNets, in.Concurrent}} {
			if err := b.d.SetTx(ctx, st, tx, b.v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return wrapErr("alert settings", err)
	}
	return nil
}

func requireSecurity(ctx context.Context) error {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return err
	}
	if !p.System && (!p.IsStaff() || !p.Can().ManageSecurity) {
		return desk.Forbidden("Security alerts need the manage_security permission")
	}
	return nil
}
