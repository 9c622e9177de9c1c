package account

// Security notices to the security contact (issue P9): the address in the
// security.contact_email setting hears of suspicious staff sign-ins and
// "this wasn't me" (alerts.go), and — through an audit observer, so every
// service that records these entries triggers them in the same
// transaction — of new admins (created as or changed to admin), API tokens
// created, changes of the staff 2FA requirement, permanent deletions
// (erasure) of users, retention runs of the audit log itself and failed
// verifications of the audit chain. (Runs of the data retention policies
// mail their own summary, package retention.) The notices are queued in the outbox in the causing
// transaction, in the help desk's default language.

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/frontdesk/frontdesk/internal/audit"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/locale"
	"github.com/frontdesk/frontdesk/internal/outbox"
	"github.com/frontdesk/frontdesk/internal/settings"
	"github.com/frontdesk/frontdesk/internal/store"
)

// Audit actions the observer reacts to (owned by other packages; spelled
// here to avoid import cycles, checked by the tests).
const (
	auditUserCreated     = "user.created"
	auditUserRoleChanged = "user.role_changed"
	auditTokenCreated    = "api_token.created"
	auditSettingUpdated  = "setting.updated"
	auditUserPurged      = "user.permanently_deleted"
)

// observeSecurityEntry queues a notice for the entries the security
// contact must hear of.
func (s *Service) observeSecurityEntry(ctx context.Context, tx *store.Tx, e audit.Entry) error {
	var what func(pr *locale.Printer, user string) string
	switch e.Action {
	case auditUserCreated:
		if r, _ := e.Data["role"].(string); r == string(desk.RoleAdmin) {
			what = func(pr *locale.Printer, user string) string { return pr.T("email.security.new_admin", "user", user) }
		}
	case auditUserRoleChanged:
		if c, ok := e.Changes["role"]; ok {
			if r, _ := c.After.(string); r == string(desk.RoleAdmin) {
				what = func(pr *locale.Printer, user string) string { return pr.T("email.security.new_admin", "user", user) }
			}
		}
	case auditTokenCreated:
		what = func(pr *locale.Printer, user string) string {
			return pr.T("email.security.token_created", "user", user)
		}
	case auditSettingUpdated:
		if k, _ := e.Data["key"].(string); k == settings.KeyRequireStaff2FA {
			on := fmt.Sprint(e.Changes[k].After) == "true"
			what = func(pr *locale.Printer, _ string) string {
				if on {
					return pr.T("email.security.2fa_required")
				}
				return pr.T("email.security.2fa_not_required")
			}
		}
	case auditUserPurged:
		// The person is erased by now: named by id only.
		what = func(pr *locale.Printer, _ string) string {
			return pr.T("email.security.user_erased", "id", e.TargetID)
		}
	case audit.AuditPruned:
		n := toInt64(e.Data["removed"]) + toInt64(e.Data["legacy_removed"])
		cutoff := time.UnixMicro(toInt64(e.Data["cutoff"])).UTC()
		seq := toInt64(e.Data["anchor_seq"])
		what = func(pr *locale.Printer, _ string) string {
			return pr.T("email.security.audit_pruned", "n", n, "cutoff", pr.Time(cutoff), "seq", seq)
		}
	case audit.AuditVerifyFailed:
		what = func(pr *locale.Printer, _ string) string {
			return pr.T("email.security.chain_broken", "entry", e.TargetID, "seq", fmt.Sprint(e.Data["seq"]),
				"problem", fmt.Sprint(e.Data["problem"]))
		}
	}
	if what == nil {
		return nil
	}
	user := ""
	if e.TargetType == "user" && e.TargetID != 0 {
		user = describeUser(ctx, tx, e.TargetID)
	} else if e.Action == auditTokenCreated {
		if id, ok := e.Data["user_id"]; ok {
			user = describeUser(ctx, tx, toInt64(id))
		}
	}
	actor := ""
	if e.ActorID != 0 {
		actor = describeUser(ctx, tx, e.ActorID)
	}
	return s.securityNoticeTx(ctx, tx, s.now(), func(pr *locale.Printer) string { return what(pr, user) }, actor)
}

func toInt64(v any) int64 {
	switch n := v.(type) {
	case int64:
		return n
	case int:
		return int64(n)
	case float64:
		return int64(n)
	}
	return 0
}

// describeUser is "Name <email>" of id, or "#id" when unknown.
func describeUser(ctx context.Context, q store.Querier, id int64) string {
	var name, email string
	if err := q.QueryRow(ctx, `SELECT name, COALESCE(email, '') FROM users WHERE id = ?`, id).Scan(&name, &email); err != nil {
		return fmt.Sprintf("#%d", id)
	}
	return userLabel(name, email)
}

// securityNoticeTx mails what (rendered in the default language) to the
// security contact, if one is set, inside tx.
func (s *Service) securityNoticeTx(ctx context.Context, tx *store.Tx, now time.Time, what func(*locale.Printer) string, actor string) error {
	to, err := settings.SecurityContact.Read(ctx, tx)
	if err != nil || to == "" {
		return err
	}
	loc, err := settings.DefaultLocale.Read(ctx, tx)
	if err != nil {
		loc = ""
	}
	name, err := settings.HelpdeskName.Read(ctx, tx)
	if err != nil {
		name = ""
	}
	pr := locale.Default().Printer(loc, nil)
	site := ""
	if name != "" {
		site = " (" + name + ")"
	}
	text := what(pr)
	lines := []string{pr.T("email.security.intro", "site", site), text}
	if actor != "" {
		lines = append(lines, pr.T("email.security.by", "actor", actor))
	}
	lines = append(lines, pr.T("email.security.footer"))
	return s.Outbox.AddTx(ctx, tx, outbox.Message{To: to, Subject: pr.T("email.security.subject", "what", firstLine(text)),
		Text: strings.Join(lines, "\n\n") + "\n", Kind: KindSecurityAlert, CreatedAt: now})
}

func firstLine(s string) string {
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i]
	}
	if len(s) > 150 {
		s = s[:150]
		for len(s) > 0 && s[len(s)-1]&0xC0 == 0x80 {
			s = s[:len(s)-1]
		}
		if len(s) > 0 && s[len(s)-1] >= 0xC0 {
			s = s[:len(s)-1]
		}
		s += "…"
	}
	return s
}
