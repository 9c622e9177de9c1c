package settings

import (
	"context"
	"encoding/json"

	"github.com/frontdesk/frontdesk/internal/audit"
	"github.com/frontdesk/frontdesk/internal/store"
)

// AuditChanged is the audit action of a setting change (issue P9): the
// entry holds the value before and after, secrets masked.
const AuditChanged = "setting.updated"

// masked stands for a secret value in the audit log.
const masked = "[secret]"

// secretKeys are settings whose values are credentials although their kind
// is not KindSecret.
var secretKeys = map[string]bool{KeySetupCode: true}

// auditSettingTx records key's change from before (absent: the default) to
// after, in tx.
func auditSettingTx(ctx context.Context, tx *store.Tx, key string, kind Kind, before string, present bool, after string) error {
	show := func(raw string, set bool) any {
		switch {
		case !set:
			return nil
		case kind == KindSecret || secretKeys[key]:
			return masked
		case kind == KindJSON:
			var v any
			if json.Unmarshal([]byte(raw), &v) == nil {
				return v
			}
		}
		return raw
	}
	return audit.RecordTx(ctx, tx, audit.Entry{Action: AuditChanged, TargetType: "setting",
		Data:    map[string]any{"key": key},
		Changes: map[string]audit.Change{key: {Before: show(before, present), After: show(after, true)}}})
}
