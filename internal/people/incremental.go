package people

import (
	"context"
	"fmt"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
)

// DefaultExportLag is how recent a change incremental exports leave out,
// as Zendesk does: updated_at is stamped before a change commits, so only
// changes older than the lag are certain to be visible in stamp order (see
// ticket.DefaultExportLag).
const DefaultExportLag = time.Minute

// ExportQuery is a position in an incremental export: items changed at or
// after Since (micros) and, when AfterUpdated or AfterID is set, strictly
// after that (updated, id) position.
type ExportQuery struct {
	Since        int64
	AfterUpdated int64
	AfterID      int64
	Limit        int // 1..1000; anything else means 1000
}

// ExportHorizon is the newest change time (micros, exclusive) exports
// include now.
func (s *Service) ExportHorizon() int64 {
	lag := s.ExportLag
	if lag <= 0 {
		lag = DefaultExportLag
	}
	return store.Now() - lag.Microseconds()
}

// exportPage builds the shared part of an export query over alias a.
func exportPage(alias string, eq ExportQuery, horizon int64) (string, []any, int) {
	limit := eq.Limit
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	where := ` AND ` + alias + `.updated_at >= ? AND ` + alias + `.updated_at < ?`
	args := []any{eq.Since, horizon}
	if eq.AfterUpdated != 0 || eq.AfterID != 0 {
		where += ` AND (` + alias + `.updated_at > ? OR (` + alias + `.updated_at = ? AND ` + alias + `.id > ?))`
		args = append(args, eq.AfterUpdated, eq.AfterUpdated, eq.AfterID)
	}
	return where + ` ORDER BY ` + alias + `.updated_at, ` + alias + `.id LIMIT ?`, append(args, limit+1), limit
}

func exportAllowed(ctx context.Context) (*desk.Principal, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	if !p.IsStaff() || !p.Can().ExportData {
		return nil, desk.Forbidden("Your role does not allow exporting data")
	}
	return p, nil
}

// ExportUsers lists the users p may see that changed in [Since, horizon),
// by (updated_at, id); deleted users are included (inactive). It returns
// the page, whether more follow and the horizon used.
func (s *Service) ExportUsers(ctx context.Context, eq ExportQuery) (_ []*desk.User, more bool, horizon int64, err error) {
	defer func() { err = wrapExport(err, "users") }()
	p, err := exportAllowed(ctx)
	if err != nil {
		return nil, false, 0, err
	}
	horizon = s.ExportHorizon()
	cond, args := userVisibility(p)
	page, pargs, limit := exportPage("u", eq, horizon)
	us, err := queryUsers(ctx, s.DB, `SELECT `+userCols+` FROM users u WHERE 1 = 1`+cond+page, append(args, pargs...)...)
	if err != nil {
		return nil, false, 0, err
	}
	if more = len(us) > limit; more {
		us = us[:limit]
	}
	return us, more, horizon, nil
}

// ExportOrganizations lists the organizations changed in [Since, horizon),
// by (updated_at, id).
func (s *Service) ExportOrganizations(ctx context.Context, eq ExportQuery) (_ []*desk.Organization, more bool, horizon int64, err error) {
	defer func() { err = wrapExport(err, "organizations") }()
	p, err := exportAllowed(ctx)
	if err != nil {
		return nil, false, 0, err
	}
	horizon = s.ExportHorizon()
	cond, args := orgVisibility(p)
	page, pargs, limit := exportPage("o", eq, horizon)
	os, err := queryOrgs(ctx, s.DB, `SELECT `+orgCols+` FROM organizations o WHERE 1 = 1`+cond+page, append(args, pargs...)...)
	if err != nil {
		return nil, false, 0, err
	}
	if more = len(os) > limit; more {
		os = os[:limit]
	}
	return os, more, horizon, nil
}

// wrapExport adds context to err; desk errors stay reachable with errors.As.
func wrapExport(err error, what string) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("people: incremental %s export: %w", what, err)
}
