package ticket

import (
	"context"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
)

// DefaultExportLag is how recent a change incremental exports leave out,
// as Zendesk does ("items created or changed within the minute prior to
// your request are excluded").
//
// Why: updated_at is stamped when a change starts committing (commit's
// store.Now), not when it becomes visible. On PostgreSQL two changes can
// commit in the other order than they were stamped, so a reader that
// handed out a cursor past the later stamp would never see the earlier one.
// Exporting only up to now minus the lag (the horizon) keeps every page
// behind all changes still in flight, as long as no ticket change takes
// longer than the lag to commit.
const DefaultExportLag = time.Minute

// ExportQuery is a position in an incremental export: items changed at or
// after Since (micros) and, when AfterUpdated or AfterID is set, strictly
// after that (updated, id) position.
type ExportQuery struct {
	Since        int64
	AfterUpdated int64
	AfterID      int64
	Limit        int // 1..1000; anything else means 1000
	// ExcludeDeleted leaves soft-deleted tickets out (Zendesk's
	// exclude_deleted); by default they are exported so sync clients
	// learn of deletions.
	ExcludeDeleted bool
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

func exportPrincipal(ctx context.Context) (*desk.Principal, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	if !p.IsStaff() || !p.Can().ExportData {
		return nil, desk.Forbidden("Your role does not allow exporting tickets")
	}
	return p, nil
}

func (q *ExportQuery) limit() int {
	if q.Limit <= 0 || q.Limit > 1000 {
		return 1000
	}
	return q.Limit
}

// ExportTickets lists the tickets p may see that changed in [Since, horizon),
// ordered by (updated_at, id), deleted ones included unless
// ExcludeDeleted. It returns the page, whether more follow, and the horizon
// the page was cut at.
func (s *Service) ExportTickets(ctx context.Context, eq ExportQuery) (_ []*desk.Ticket, more bool, horizon int64, err error) {
	defer func() { err = wrapf(err, "ticket: incremental export") }()
	p, err := exportPrincipal(ctx)
	if err != nil {
		return nil, false, 0, err
	}
	limit := eq.limit()
	horizon = s.ExportHorizon()
	vis, args := visibility(p)
	q := `SELECT ` + ticketColumns + ` FROM tickets t WHERE ` + vis + ` AND t.updated_at >= ? AND t.updated_at < ?`
	args = append(args, eq.Since, horizon)
	if eq.ExcludeDeleted {
		q += ` AND t.deleted_at = 0`
	}
	if eq.AfterUpdated != 0 || eq.AfterID != 0 {
		q += ` AND (t.updated_at > ? OR (t.updated_at = ? AND t.id > ?))`
		args = append(args, eq.AfterUpdated, eq.AfterUpdated, eq.AfterID)
	}
	q += ` ORDER BY t.updated_at, t.id LIMIT ?`
	args = append(args, limit+1)
	ts, err := queryTickets(ctx, s.DB, q, args...)
	if err != nil {
		return nil, false, 0, err
	}
	if more = len(ts) > limit; more {
		ts = ts[:limit]
	}
	return ts, more, horizon, loadRelations(ctx, s.DB, ts)
}

// ExportAudits lists the audits of tickets p may see, created in
// [Since, horizon), ordered by (created_at, id): the ticket events export.
// Comment events are kept (with their comment's id); the caller decides
// whether to show them.
func (s *Service) ExportAudits(ctx context.Context, eq ExportQuery) (_ []*desk.Audit, more bool, horizon int64, err error) {
	defer func() { err = wrapf(err, "ticket: ticket events export") }()
	p, err := exportPrincipal(ctx)
	if err != nil {
		return nil, false, 0, err
	}
	limit := eq.limit()
	horizon = s.ExportHorizon()
	vis, args := visibility(p)
	q := `SELECT ` + auditCols + `
		FROM ticket_audits a JOIN tickets t ON t.id = a.ticket_id
		WHERE ` + vis + ` AND a.created_at >= ? AND a.created_at < ?`
	args = append(args, eq.Since, horizon)
	if eq.AfterUpdated != 0 || eq.AfterID != 0 {
		q += ` AND (a.created_at > ? OR (a.created_at = ? AND a.id > ?))`
		args = append(args, eq.AfterUpdated, eq.AfterUpdated, eq.AfterID)
	}
	q += ` ORDER BY a.created_at, a.id LIMIT ?`
	args = append(args, limit+1)
	out, err := scanAudits(ctx, s.DB, q, args...)
	if err != nil {
		return nil, false, 0, err
	}
	if more = len(out) > limit; more {
		out = out[:limit]
	}
	if err := numberAuditEvents(ctx, s.DB, out); err != nil {
		return nil, false, 0, err
	}
	return out, more, horizon, nil
}

// Incremental is ExportTickets with positional arguments, deleted tickets
// included.
func (s *Service) Incremental(ctx context.Context, since, afterUpdated, afterID int64, limit int) ([]*desk.Ticket, bool, error) {
	ts, more, _, err := s.ExportTickets(ctx, ExportQuery{Since: since, AfterUpdated: afterUpdated, AfterID: afterID, Limit: limit})
	return ts, more, err
}
