package rules

import (
	"context"
	"encoding/json"

	"github.com/frontdesk/frontdesk/internal/audit"
	"github.com/frontdesk/frontdesk/internal/store"
)

// Audit-log actions of business rule changes (issue P9: the audit log
// records every business rule change), written in the transaction that
// makes the change, with the fields before and after.
const (
	AuditTriggerCreated    = "trigger.created"
	AuditTriggerUpdated    = "trigger.updated"
	AuditTriggerDeleted    = "trigger.deleted"
	AuditAutomationCreated = "automation.created"
	AuditAutomationUpdated = "automation.updated"
	AuditAutomationDeleted = "automation.deleted"
)

func triggerFields(t *Trigger) map[string]any {
	if t == nil {
		return nil
	}
	return map[string]any{"title": t.Title, "description": t.Description, "active": t.Active, "position": t.Position,
		"category_id": t.CategoryID, "conditions": t.Conditions, "actions": t.Actions}
}

func automationFields(a *Automation) map[string]any {
	if a == nil {
		return nil
	}
	return map[string]any{"title": a.Title, "active": a.Active, "position": a.Position, "conditions": a.Conditions, "actions": a.Actions}
}

// auditRuleTx records a rule change: the fields that differ between before
// and after (nil: created or deleted). An update that changed nothing is
// not recorded.
func auditRuleTx(ctx context.Context, tx *store.Tx, action, targetType string, id int64, before, after map[string]any) error {
	changes := map[string]audit.Change{}
	for k := range mergeKeys(before, after) {
		b, _ := json.Marshal(before[k])
		a, _ := json.Marshal(after[k])
		if before == nil || after == nil || string(a) != string(b) {
			changes[k] = audit.Change{Before: before[k], After: after[k]}
		}
	}
	if len(changes) == 0 {
		return nil
	}
	title, _ := after["title"].(string)
	if after == nil {
		title, _ = before["title"].(string)
	}
	return audit.RecordTx(ctx, tx, audit.Entry{Action: action, TargetType: targetType, TargetID: id,
		Data: map[string]any{"title": title}, Changes: changes})
}

func mergeKeys(a, b map[string]any) map[string]bool {
	out := map[string]bool{}
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}
