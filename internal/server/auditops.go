package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/frontdesk/frontdesk/internal/account"
	"github.com/frontdesk/frontdesk/internal/audit"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/outbox"
	"github.com/frontdesk/frontdesk/internal/settings"
	"github.com/frontdesk/frontdesk/internal/store"
)

// JobAuditRetention applies audit.retention_days daily (audit.Prune).
const JobAuditRetention = "audit.retention"

// verifyAuditChain is the one check of the audit log's hash chain, run by
// the daily job (JobAuditVerify) and `frontdesk audit verify`
// (VerifyAuditLog): audit.VerifyAndRecord records a broken chain, and the
// security notices observer of package account, registered on db by
// account.New, queues the mail to the security contact in that same
// transaction.
func verifyAuditChain(ctx context.Context, db *store.DB, logger *slog.Logger) (*audit.Report, error) {
	rep, err := audit.VerifyAndRecord(desk.SystemContext(ctx), db)
	if err == nil && rep.Broken != nil && logger != nil {
		logger.Error("the audit log's hash chain is broken", "at", rep.Broken.String())
	}
	return rep, err
}

// VerifyAuditLog checks the audit log's hash chain outside a running
// server (`frontdesk audit verify`) exactly as the daily job does: a
// broken chain is recorded in the log and mailed to the security contact
// through the outbox (delivered by the server's next delivery round).
// dataDir holds the secret key the outbox seals mail with; when the key
// cannot be opened the chain is still checked and a break recorded, and
// the returned error says that no mail was queued.
func VerifyAuditLog(ctx context.Context, db *store.DB, dataDir string) (*audit.Report, error) {
	box, boxErr := openSecrets(ctx, dataDir, db)
	if boxErr == nil {
		// Registers the security-notices observer on db (notices.go).
		account.New(db, nil, outbox.New(db, box))
	}
	rep, err := verifyAuditChain(ctx, db, nil)
	if err != nil {
		return nil, err
	}
	if boxErr != nil && rep.Broken != nil {
		return rep, fmt.Errorf("the security contact was not mailed (no secret key to seal the mail with): %w", boxErr)
	}
	return rep, nil
}

// runAuditRetention removes audit-log entries older than
// audit.retention_days (0: keep forever) from the start of the chain; the
// run records itself and the security contact is told (package account).
func runAuditRetention(ctx context.Context, db *store.DB, st *settings.Service, now time.Time, logger *slog.Logger) (*audit.PruneReport, error) {
	sys := desk.SystemContext(ctx)
	days, err := settings.AuditRetentionDays.Get(sys, settings.Or(st, db, nil))
	if err != nil {
		return nil, fmt.Errorf("audit retention: %w", err)
	}
	cutoff, ok := audit.RetentionCutoff(now, days)
	if !ok {
		return nil, nil
	}
	rep, err := audit.Prune(sys, db, cutoff)
	if rep != nil && (rep.Removed > 0 || rep.Legacy > 0) && logger != nil {
		logger.Info("removed old audit-log entries", "removed", rep.Removed, "before_chain", rep.Legacy, "anchor_seq", rep.AnchorSeq)
	}
	if errors.Is(err, audit.ErrChainBroken) && logger != nil {
		logger.Error("audit-log retention refused: the hash chain is broken", "err", err)
	}
	return rep, err
}
