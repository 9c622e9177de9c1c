// Package ticket is the heart of Frontdesk: creating, changing, reading and
// merging tickets, with Zendesk's status rules, authorization for every
// principal, and an audit of every change.
package ticket

import (
	"context"

	"github.com/frontdesk/frontdesk/internal/attach"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/events"
	"github.com/frontdesk/frontdesk/internal/store"
)

// Service implements ticket operations. It is safe for concurrent use.
type Service struct {
	DB     *store.DB
	Events *events.Bus
	Blobs  *attach.Store
	// OnJob is called after a commit that enqueued jobs, to wake the runner.
	OnJob func()

	counts countCache
}

// New returns a Service.
func New(db *store.DB, bus *events.Bus, blobs *attach.Store) *Service {
	return &Service{DB: db, Events: bus, Blobs: blobs}
}

// Setting keys that change ticket rules.
const (
	// SettingRequireAssigneeToSolve refuses solving unassigned tickets when "true".
	SettingRequireAssigneeToSolve = "tickets.require_assignee_to_solve"
)

func (s *Service) setting(ctx context.Context, q store.Querier, key string) string {
	var v string
	_ = q.QueryRow(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&v)
	return v
}

// visibility returns a SQL condition (over alias t) limiting tickets to those
// p may see, with its arguments. Every read path — show, lists, search,
// exports, attachments — goes through here, so a later rule (private groups)
// changes one place.
func visibility(p *desk.Principal) (string, []any) {
	switch {
	case p.IsStaff():
		return "1=1", nil
	default:
		cond := `(t.requester_id = ? OR t.id IN (SELECT c.ticket_id FROM ticket_collaborators c WHERE c.user_id = ?)`
		args := []any{p.UserID, p.UserID}
		if p.OrgID != 0 {
			cond += ` OR (t.organization_id = ? AND EXISTS (SELECT 1 FROM organizations o WHERE o.id = t.organization_id AND o.shared_tickets = ?))`
			args = append(args, p.OrgID, true)
		}
		return cond + ")", args
	}
}

// Visibility exposes the rule to the search package.
func Visibility(p *desk.Principal) (string, []any) { return visibility(p) }

func (s *Service) notifyJobs() {
	if s.OnJob != nil {
		s.OnJob()
	}
}
