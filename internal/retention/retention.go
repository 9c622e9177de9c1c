// Package retention owns data retention policies: admin-defined rules that
// delete data once it is older than the organisation wants to keep it —
// closed tickets (optionally only those with a tag, in a group or from a
// channel), suspended tickets, the attachments of closed tickets, and
// inactive end-users who have no tickets.
//
// The package stores the policies (table retention_policies) and decides
// what is due; every deletion goes through the service that owns the data
// (ticket permanent delete through its commit path, people's delete and
// permanent delete, the suspended queue's destroy), so search documents,
// attachment files and caches go with the rows. A run works in pages, can
// be a dry run (a preview counts exactly what a real run at the same moment
// would delete, as both walk the same candidates), and leaves one audit-log
// entry with its counts.
package retention

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"

	"github.com/frontdesk/frontdesk/internal/audit"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/outbox"
	"github.com/frontdesk/frontdesk/internal/store"
)

// Kind names what a policy deletes.
type Kind string

// The kinds of policy.
const (
	KindClosedTickets     Kind = "closed_tickets"
	KindSuspendedTickets  Kind = "suspended_tickets"
	KindTicketAttachments Kind = "closed_ticket_attachments"
	KindInactiveEndUsers  Kind = "inactive_end_users"
)

// Kinds lists every kind, in the order runs apply them (attachments before
// the tickets that hold them, users last, once their tickets are gone).
var Kinds = []Kind{KindTicketAttachments, KindClosedTickets, KindSuspendedTickets, KindInactiveEndUsers}

// narrowable reports whether a kind takes the tag, group and channel
// filters (the closed-ticket kinds).
func (k Kind) narrowable() bool { return k == KindClosedTickets || k == KindTicketAttachments }

func (k Kind) valid() bool {
	for _, v := range Kinds {
		if k == v {
			return true
		}
	}
	return false
}

// Limits on a policy.
const (
	MaxDays     = 36500 // a hundred years
	MaxPolicies = 50
	maxFilter   = 64
)

// Day is one day in microseconds, the store's unit.
const Day = 24 * 60 * 60 * int64(1_000_000)

// AuditRun is the audit-log action of a retention run (also dry runs).
const (
	AuditRun           = "retention.run"
	AuditPolicyCreated = "retention_policy.created"
	AuditPolicyUpdated = "retention_policy.updated"
	AuditPolicyDeleted = "retention_policy.deleted"
)

// Policy is one retention rule.
type Policy struct {
	ID   int64 `json:"id"`
	Kind Kind  `json:"kind"`
	// Days is how old (since closing, suspension, or last activity for
	// users) data must be before the policy deletes it.
	Days int `json:"days"`
	// Tag, GroupID and Channel narrow the closed-ticket kinds; empty and 0
	// match every ticket.
	Tag       string    `json:"tag"`
	GroupID   int64     `json:"group_id"`
	Channel   string    `json:"via_channel"`
	Active    bool      `json:"active"`
	CreatedAt desk.Time `json:"created_at"`
	UpdatedAt desk.Time `json:"updated_at"`
}

// Input is a policy as written by an admin; nil fields keep their value on
// update (and take the defaults on create: active, no filters).
type Input struct {
	Kind    *Kind   `json:"kind"`
	Days    *int    `json:"days"`
	Tag     *string `json:"tag"`
	GroupID *int64  `json:"group_id"`
	Channel *string `json:"via_channel"`
	Active  *bool   `json:"active"`
}

// Service stores policies and runs them.
type Service struct {
	DB *store.DB
	// Tickets, People and Suspended are the owners of the data deleted.
	Tickets   Tickets
	People    People
	Suspended Suspended
	// PageSize bounds the candidates read per query (default 100).
	PageSize int
	// Logger, when set, receives deletions that failed.
	Logger *slog.Logger
	// Outbox, when set, queues the summary mail of each real run that
	// deleted (or failed to delete) anything, in the run's audit
	// transaction: to Contact's address, or to the account owner when
	// Contact is nil or returns "".
	Outbox  *outbox.Outbox
	Contact func(ctx context.Context, q store.Querier) (string, error)
}

// Tickets is what retention needs of the ticket service.
type Tickets interface {
	PermanentDelete(ctx context.Context, id int64) error
	PurgeAttachments(ctx context.Context, id int64) (int, error)
}

// People is what retention needs of the people service.
type People interface {
	DeleteUser(ctx context.Context, id int64) (*desk.User, error)
	PurgeUser(ctx context.Context, id int64) (*desk.User, error)
	Owner(ctx context.Context) (*desk.User, error)
}

// Suspended is what retention needs of the suspended-ticket queue.
type Suspended interface {
	DestroySuspended(ctx context.Context, ids []int64) error
}

// requireManage allows the system and staff holding manage_security.
func requireManage(ctx context.Context) (*desk.Principal, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	if !p.IsStaff() || !p.Can().ManageSecurity {
		return nil, desk.Forbidden("Retention policies need the manage_security permission")
	}
	return p, nil
}

func requireChange(ctx context.Context) error {
	p, err := requireManage(ctx)
	if err != nil {
		return err
	}
	if p.ReadOnly {
		return desk.Forbidden("This token is read-only")
	}
	return nil
}

const policyCols = `id, kind, days, tag, group_id, via_channel, active, created_at, updated_at`

func scanPolicy(sc interface{ Scan(...any) error }) (*Policy, error) {
	var p Policy
	var created, updated int64
	if err := sc.Scan(&p.ID, &p.Kind, &p.Days, &p.Tag, &p.GroupID, &p.Channel, &p.Active, &created, &updated); err != nil {
		return nil, err
	}
	p.CreatedAt, p.UpdatedAt = desk.TimeFromMicros(created), desk.TimeFromMicros(updated)
	return &p, nil
}

// List returns every policy, oldest first.
func (s *Service) List(ctx context.Context) ([]*Policy, error) {
	if _, err := requireManage(ctx); err != nil {
		return nil, err
	}
	return listPolicies(ctx, s.DB, false)
}

func listPolicies(ctx context.Context, q store.Querier, activeOnly bool) ([]*Policy, error) {
	query := `SELECT ` + policyCols + ` FROM retention_policies`
	if activeOnly {
		query += ` WHERE active = TRUE`
	}
	rows, err := q.Query(ctx, query+` ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("retention: list policies: %w", err)
	}
	defer rows.Close()
	var out []*Policy
	for rows.Next() {
		p, err := scanPolicy(rows)
		if err != nil {
			return nil, fmt.Errorf("retention: list policies: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// Get returns policy id.
func (s *Service) Get(ctx context.Context, id int64) (*Policy, error) {
	if _, err := requireManage(ctx); err != nil {
		return nil, err
	}
	return getPolicy(ctx, s.DB, id)
}

func getPolicy(ctx context.Context, q store.Querier, id int64) (*Policy, error) {
	p, err := scanPolicy(q.QueryRow(ctx, `SELECT `+policyCols+` FROM retention_policies WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, desk.NotFound()
	}
	if err != nil {
		return nil, fmt.Errorf("retention: get policy %d: %w", id, err)
	}
	return p, nil
}

var filterRe = regexp.MustCompile(`^[\p{L}\p{N}_\-./:]*$`)

// apply merges in onto p and checks the result.
func apply(ctx context.Context, q store.Querier, p *Policy, in Input) error {
	if in.Kind != nil {
		p.Kind = *in.Kind
	}
	if in.Days != nil {
		p.Days = *in.Days
	}
	if in.Tag != nil {
		p.Tag = strings.ToLower(strings.TrimSpace(*in.Tag))
	}
	if in.GroupID != nil {
		p.GroupID = *in.GroupID
	}
	if in.Channel != nil {
		p.Channel = strings.ToLower(strings.TrimSpace(*in.Channel))
	}
	if in.Active != nil {
		p.Active = *in.Active
	}
	var e desk.Validation
	if !p.Kind.valid() {
		e.Add("kind", fmt.Sprintf("must be one of %s", kindNames()))
	}
	if p.Days < 1 || p.Days > MaxDays {
		e.Add("days", fmt.Sprintf("must be a whole number of days from 1 to %d", MaxDays))
	}
	if len(p.Tag) > maxFilter || !filterRe.MatchString(p.Tag) {
		e.Add("tag", fmt.Sprintf("must be one tag of at most %d characters, without spaces", maxFilter))
	}
	if len(p.Channel) > maxFilter || !filterRe.MatchString(p.Channel) {
		e.Add("via_channel", fmt.Sprintf("must be a channel name of at most %d characters (e.g. email, web, api)", maxFilter))
	}
	if p.GroupID < 0 {
		e.Add("group_id", "must be a group id")
	} else if p.GroupID > 0 {
		var n int
		if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM agent_groups WHERE id = ?`, p.GroupID).Scan(&n); err != nil {
			return fmt.Errorf("retention: check group: %w", err)
		}
		if n == 0 {
			e.Add("group_id", "names no group")
		}
	}
	if p.Kind.valid() && !p.Kind.narrowable() && (p.Tag != "" || p.GroupID != 0 || p.Channel != "") {
		e.Add("kind", "only closed-ticket policies take a tag, group or channel")
	}
	return e.Err()
}

func kindNames() string {
	names := make([]string, len(Kinds))
	for i, k := range Kinds {
		names[i] = string(k)
	}
	return strings.Join(names, ", ")
}

// Create stores a new policy.
func (s *Service) Create(ctx context.Context, in Input) (*Policy, error) {
	if err := requireChange(ctx); err != nil {
		return nil, err
	}
	var out *Policy
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM retention_policies`).Scan(&n); err != nil {
			return err
		}
		if n >= MaxPolicies {
			return desk.Invalid("base", fmt.Sprintf("at most %d retention policies", MaxPolicies))
		}
		p := &Policy{Active: true}
		if err := apply(ctx, tx, p, in); err != nil {
			return err
		}
		now := store.Now()
		id, err := tx.InsertID(ctx, `INSERT INTO retention_policies (kind, days, tag, group_id, via_channel, active, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, p.Kind, p.Days, p.Tag, p.GroupID, p.Channel, p.Active, now, now)
		if err != nil {
			return err
		}
		if out, err = getPolicy(ctx, tx, id); err != nil {
			return err
		}
		return audit.RecordTx(ctx, tx, audit.Entry{Action: AuditPolicyCreated, TargetType: "retention_policy", TargetID: id, Data: map[string]any{"policy": out}})
	})
	if err != nil {
		return nil, wrap(err, "create policy")
	}
	return out, nil
}

// Update changes policy id.
func (s *Service) Update(ctx context.Context, id int64, in Input) (*Policy, error) {
	if err := requireChange(ctx); err != nil {
		return nil, err
	}
	var out *Policy
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		old, err := getPolicy(ctx, tx, id)
		if err != nil {
			return err
		}
		p := *old
		if err := apply(ctx, tx, &p, in); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE retention_policies SET kind = ?, days = ?, tag = ?, group_id = ?, via_channel = ?, active = ?, updated_at = ? WHERE id = ?`,
			p.Kind, p.Days, p.Tag, p.GroupID, p.Channel, p.Active, store.Now(), id); err != nil {
			return err
		}
		if out, err = getPolicy(ctx, tx, id); err != nil {
			return err
		}
		return audit.RecordTx(ctx, tx, audit.Entry{Action: AuditPolicyUpdated, TargetType: "retention_policy", TargetID: id,
			Changes: map[string]audit.Change{"policy": {Before: old, After: out}}})
	})
	if err != nil {
		return nil, wrap(err, "update policy")
	}
	return out, nil
}

// Delete removes policy id.
func (s *Service) Delete(ctx context.Context, id int64) error {
	if err := requireChange(ctx); err != nil {
		return err
	}
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		old, err := getPolicy(ctx, tx, id)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM retention_policies WHERE id = ?`, id); err != nil {
			return err
		}
		return audit.RecordTx(ctx, tx, audit.Entry{Action: AuditPolicyDeleted, TargetType: "retention_policy", TargetID: id, Data: map[string]any{"policy": old}})
	})
	return wrap(err, "delete policy")
}

func wrap(err error, what string) error {
	if err == nil {
		return nil
	}
	var de *desk.Error
	if errors.As(err, &de) {
		return err
	}
	return fmt.Errorf("retention: %s: %w", what, err)
}
