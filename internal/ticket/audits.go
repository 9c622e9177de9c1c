package ticket

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
)

const auditCols = `a.id, a.ticket_id, a.author_id, a.via_channel, a.metadata, a.events, a.created_at`

func scanAudits(ctx context.Context, q store.Querier, query string, args ...any) ([]*desk.Audit, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*desk.Audit{}
	for rows.Next() {
		a := &desk.Audit{}
		var via, meta, evs string
		var created int64
		if err := rows.Scan(&a.ID, &a.TicketID, &a.AuthorID, &via, &meta, &evs, &created); err != nil {
			return nil, err
		}
		a.Via = desk.NewVia(via)
		a.CreatedAt = desk.TimeFromMicros(created)
		_ = json.Unmarshal([]byte(meta), &a.Metadata)
		_ = json.Unmarshal([]byte(evs), &a.Events)
		out = append(out, a)
	}
	return out, rows.Err()
}

// numberAuditEvents gives the events of audits their IDs; a comment event
// takes its comment's ID (the last comment of its audit: a merge target's
// audit also holds the comments copied in before its own note).
func numberAuditEvents(ctx context.Context, q store.Querier, as []*desk.Audit) error {
	if len(as) == 0 {
		return nil
	}
	ph := make([]string, len(as))
	args := make([]any, len(as))
	for i, a := range as {
		ph[i], args[i] = "?", a.ID
	}
	rows, err := q.Query(ctx, `SELECT audit_id, MAX(id) FROM ticket_comments WHERE audit_id IN (`+strings.Join(ph, ",")+`) GROUP BY audit_id`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	commentOf := map[int64]int64{}
	for rows.Next() {
		var aid, cid int64
		if err := rows.Scan(&aid, &cid); err != nil {
			return err
		}
		commentOf[aid] = cid
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, a := range as {
		numberEvents(a.ID, commentOf[a.ID], a.Events)
	}
	return nil
}

// Audit returns one audit of a ticket (staff who can see the ticket, as
// Audits).
func (s *Service) Audit(ctx context.Context, ticketID, auditID int64) (_ *desk.Audit, err error) {
	defer func() { err = wrapf(err, "ticket: audit %d of %d", auditID, ticketID) }()
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	t, err := s.Get(ctx, ticketID)
	if err != nil {
		return nil, err
	}
	if !p.IsStaff() {
		return nil, desk.Forbidden("only agents can see ticket audits")
	}
	as, err := scanAudits(ctx, s.DB, `SELECT `+auditCols+` FROM ticket_audits a WHERE a.id = ? AND a.ticket_id = ?`, auditID, t.ID)
	if err != nil {
		return nil, err
	}
	if len(as) == 0 {
		return nil, desk.NotFound()
	}
	if err := numberAuditEvents(ctx, s.DB, as); err != nil {
		return nil, err
	}
	return as[0], nil
}

// AllAudits lists the audits of every live ticket the caller can see,
// newest first, older than beforeID when it is not 0 (Zendesk's
// /ticket_audits, for admins). more tells whether older ones remain.
func (s *Service) AllAudits(ctx context.Context, beforeID int64, limit int) (_ []*desk.Audit, more bool, err error) {
	defer func() { err = wrapf(err, "ticket: all audits") }()
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, false, err
	}
	if !p.IsAdmin() {
		return nil, false, desk.Forbidden("only admins can list all ticket audits")
	}
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	vis, args := visibility(p)
	q := `SELECT ` + auditCols + ` FROM ticket_audits a JOIN tickets t ON t.id = a.ticket_id WHERE t.deleted_at = 0 AND ` + vis
	if beforeID > 0 {
		q += ` AND a.id < ?`
		args = append(args, beforeID)
	}
	as, err := scanAudits(ctx, s.DB, q+` ORDER BY a.id DESC LIMIT ?`, append(args, limit+1)...)
	if err != nil {
		return nil, false, err
	}
	if more = len(as) > limit; more {
		as = as[:limit]
	}
	if err := numberAuditEvents(ctx, s.DB, as); err != nil {
		return nil, false, err
	}
	return as, more, nil
}

// CollaboratorIDs returns the users of a ticket the caller can see:
// kind "follower" (followers), "email_cc" (CCs), or "" (both: Zendesk's
// collaborators). Agents only, as in Zendesk.
func (s *Service) CollaboratorIDs(ctx context.Context, ticketID int64, kind string) ([]int64, error) {
	t, err := s.Get(ctx, ticketID)
	if err != nil {
		return nil, wrapf(err, "ticket: collaborators of %d", ticketID)
	}
	if p := desk.PrincipalFrom(ctx); !p.IsStaff() {
		return nil, desk.Forbidden("only agents can list a ticket's collaborators")
	}
	switch kind {
	case "follower":
		return t.FollowerIDs, nil
	case "email_cc":
		return t.EmailCCIDs, nil
	}
	return t.CollaboratorIDs, nil
}
