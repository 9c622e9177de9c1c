package twofactor

import (
	"context"

	"github.com/frontdesk/frontdesk/internal/audit"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
)

// Audit actions of two-step verification (issue P9), written in the
// transaction of the change (a wrong code: of the failure counter).
const (
	AuditEnabled          = "user.two_factor_enabled"
	AuditDisabled         = "user.two_factor_disabled"
	AuditCodesRegenerated = "user.recovery_codes_regenerated"
	AuditFailed           = "session.two_factor_failed"
)

// recordTx records action on userID; without a principal (the second
// sign-in step) the user is the actor.
func recordTx(ctx context.Context, tx *store.Tx, action string, userID int64, data map[string]any) error {
	if desk.PrincipalFrom(ctx) == nil {
		ctx = desk.WithPrincipal(ctx, &desk.Principal{UserID: userID, Via: "web"})
	}
	return audit.RecordTx(ctx, tx, audit.Entry{Action: action, TargetType: "user", TargetID: userID, Data: data})
}
