package mailbox

import (
	"context"

	"github.com/frontdesk/frontdesk/internal/audit"
	"github.com/frontdesk/frontdesk/internal/store"
)

// Audit actions of support addresses (issue P9), written in the
// transaction of the change. Passwords and keys are never written: a
// changed one shows as changed.
const (
	AuditCreated = "mailbox.created"
	AuditUpdated = "mailbox.updated"
	AuditDeleted = "mailbox.deleted"
)

const secretChanged = "[changed]"

// auditChangesOf lists what differs between before and after (nil before:
// a new address), secrets masked.
func auditChangesOf(before, after *row) map[string]audit.Change {
	ch := map[string]audit.Change{}
	add := func(k string, b, a any) {
		if b != a {
			ch[k] = audit.Change{Before: b, After: a}
		}
	}
	b := before
	if b == nil {
		b = &row{}
	}
	add("email", b.Address, after.Address)
	add("name", b.Name, after.Name)
	add("brand_name", b.BrandName, after.BrandName)
	add("default_group_id", b.DefaultGroupID, after.DefaultGroupID)
	add("default", b.Default, after.Default)
	add("enabled", b.Enabled, after.Enabled)
	add("imap_host", b.IMAP.Host, after.IMAP.Host)
	add("imap_port", b.IMAP.Port, after.IMAP.Port)
	add("imap_security", string(b.IMAP.Security), string(after.IMAP.Security))
	add("imap_username", b.IMAP.Username, after.IMAP.Username)
	add("imap_auth", string(b.IMAP.Auth), string(after.IMAP.Auth))
	add("imap_folder", b.IMAP.Folder, after.IMAP.Folder)
	add("imap_after_fetch", string(b.IMAP.AfterFetch), string(after.IMAP.AfterFetch))
	add("imap_move_to", b.IMAP.MoveTo, after.IMAP.MoveTo)
	add("smtp_host", b.SMTP.Host, after.SMTP.Host)
	add("smtp_port", b.SMTP.Port, after.SMTP.Port)
	add("smtp_security", string(b.SMTP.Security), string(after.SMTP.Security))
	add("smtp_username", b.SMTP.Username, after.SMTP.Username)
	add("dkim_selector", b.DKIMSelector, after.DKIMSelector)
	for k, sec := range map[string][2]string{"imap_password": {b.imapSecret, after.imapSecret}, "smtp_password": {b.smtpSecret, after.smtpSecret},
		"dkim_key": {b.dkimKey, after.dkimKey}} {
		if sec[0] != sec[1] {
			ch[k] = audit.Change{Before: nil, After: secretChanged}
		}
	}
	return ch
}

func auditTx(ctx context.Context, tx *store.Tx, action string, before, after *row) error {
	e := audit.Entry{Action: action, TargetType: "mailbox"}
	switch {
	case after != nil:
		e.TargetID, e.Changes = after.ID, auditChangesOf(before, after)
		e.Data = map[string]any{"address": after.Address}
	case before != nil:
		e.TargetID, e.Data = before.ID, map[string]any{"address": before.Address}
	}
	return audit.RecordTx(ctx, tx, e)
}
