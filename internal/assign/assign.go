// Package assign owns agent availability (online, away, offline) and
// automatic assignment: per group, off, round-robin or least-busy among the
// group's available agents, within a capacity of unsolved tickets per
// agent. It writes agent_availability and group_assignment; tickets are
// assigned only through the ticket service's commit path (the Pick
// function installed with ticket.Service.SetAutoAssigner, and EditTx for
// the backlog).
package assign

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/jobs"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/settings"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// Status is an agent's chosen availability.
type Status string

// The availability statuses. Only online agents get tickets automatically.
const (
	Online  Status = "online"
	Away    Status = "away"
	Offline Status = "offline"
)

// Valid reports whether s is one of the statuses.
func (s Status) Valid() bool { return s == Online || s == Away || s == Offline }

// Mode is a group's automatic assignment mode.
type Mode string

// The assignment modes.
const (
	ModeOff        Mode = "off"
	ModeRoundRobin Mode = "round_robin"
	ModeLeastBusy  Mode = "least_busy"
)

// Valid reports whether m is one of the modes.
func (m Mode) Valid() bool { return m == ModeOff || m == ModeRoundRobin || m == ModeLeastBusy }

// MaxCapacity bounds capacities (tickets per agent).
const MaxCapacity = 10000

// JobBacklog is the job kind that assigns waiting tickets; it is enqueued
// when an agent goes online and runs on a schedule (BacklogInterval).
const JobBacklog = "assign.backlog"

// BacklogInterval is how often waiting tickets are offered again (an agent
// whose session came back, capacity freed by a solve).
const BacklogInterval = time.Minute

// backlogBatch bounds the tickets one backlog pass assigns.
const backlogBatch = 200

// Availability is one agent's status as the API shows it. Status is what
// the agent chose; Effective is what assignment sees: offline when the
// agent has had no workspace activity within the availability window or
// has no live session.
type Availability struct {
	AgentID   int64     `json:"agent_id"`
	Name      string    `json:"name,omitempty"`
	Status    Status    `json:"status"`
	Effective Status    `json:"effective_status"`
	Capacity  int       `json:"capacity"`
	UpdatedAt desk.Time `json:"updated_at"`
}

// GroupSettings is a group's automatic assignment.
type GroupSettings struct {
	GroupID int64 `json:"group_id"`
	Mode    Mode  `json:"mode"`
	// Capacity is the most unsolved tickets an agent of the group holds
	// before it stops getting new ones (0: no limit); an agent's own
	// capacity, when set, wins.
	Capacity  int       `json:"capacity"`
	UpdatedAt desk.Time `json:"updated_at"`
}

// Service is the availability and assignment service.
type Service struct {
	DB       *store.DB
	Tickets  *ticket.Service
	Settings *settings.Service
	// Now is the clock (nil: time.Now).
	Now func() time.Time
}

// New returns a Service.
func New(db *store.DB, tickets *ticket.Service, st *settings.Service) *Service {
	return &Service{DB: db, Tickets: tickets, Settings: st}
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) settingsSvc() *settings.Service {
	if s.Settings == nil {
		s.Settings = settings.New(s.DB, nil)
	}
	return s.Settings
}

// requireStaff returns the acting principal when it is an agent or admin.
func requireStaff(ctx context.Context) (*desk.Principal, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	if !p.IsStaff() || (p.UserID == 0 && !p.System) {
		return nil, desk.Forbidden("Only agents have an availability status")
	}
	return p, nil
}

// requireManager allows admins and agents whose role manages business
// rules (manage_business_rules).
func requireManager(ctx context.Context) error {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return err
	}
	if p.IsAdmin() || (p.IsStaff() && p.Can().ManageBusinessRules) {
		return nil
	}
	return desk.Forbidden("You need the permission to manage business rules")
}

// windowStart is the oldest session activity (microseconds) that still
// counts as present.
func (s *Service) windowStart(ctx context.Context, q store.Querier) (int64, error) {
	mins, err := settings.AvailabilityMinutes.GetIn(ctx, s.settingsSvc(), q)
	if err != nil {
		return 0, err
	}
	return s.now().Add(-time.Duration(mins) * time.Minute).UnixMicro(), nil
}

// presentSQL is true for a user with a live session active within the
// window; its arguments are (now, windowStart).
const presentSQL = `EXISTS (SELECT 1 FROM sessions se WHERE se.user_id = u.id AND se.expires_at > ? AND se.last_seen_at >= ?)`

const availabilityCols = `u.id, u.name, COALESCE(a.status, 'offline'), COALESCE(a.capacity, 0), COALESCE(a.updated_at, 0), ` + presentSQL

func scanAvailability(sc interface{ Scan(...any) error }) (*Availability, error) {
	var a Availability
	var st string
	var upd int64
	var present bool
	if err := sc.Scan(&a.AgentID, &a.Name, &st, &a.Capacity, &upd, &present); err != nil {
		return nil, err
	}
	a.Status, a.Effective, a.UpdatedAt = Status(st), Status(st), desk.TimeFromMicros(upd)
	if !present {
		a.Effective = Offline
	}
	return &a, nil
}

// Mine returns the caller's availability.
func (s *Service) Mine(ctx context.Context) (*Availability, error) {
	p, err := requireStaff(ctx)
	if err != nil {
		return nil, err
	}
	return s.get(ctx, s.DB, p.UserID)
}

// Get returns agent id's availability: their own to any agent, anyone's to
// managers.
func (s *Service) Get(ctx context.Context, id int64) (*Availability, error) {
	p, err := requireStaff(ctx)
	if err != nil {
		return nil, err
	}
	if p.UserID != id {
		if err := requireManager(ctx); err != nil {
			return nil, err
		}
	}
	return s.get(ctx, s.DB, id)
}

func (s *Service) get(ctx context.Context, q store.Querier, id int64) (*Availability, error) {
	from, err := s.windowStart(ctx, q)
	if err != nil {
		return nil, err
	}
	a, err := scanAvailability(q.QueryRow(ctx, `SELECT `+availabilityCols+`
		FROM users u LEFT JOIN agent_availability a ON a.user_id = u.id
		WHERE u.id = ? AND u.role IN ('agent', 'admin') AND u.active`, s.now().UnixMicro(), from, id))
	if isNoRows(err) {
		return nil, desk.NotFound()
	}
	if err != nil {
		return nil, fmt.Errorf("assign: availability of %d: %w", id, err)
	}
	return a, nil
}

// List returns every active agent's availability, by name (managers only).
func (s *Service) List(ctx context.Context) ([]Availability, error) {
	if err := requireManager(ctx); err != nil {
		return nil, err
	}
	from, err := s.windowStart(ctx, s.DB)
	if err != nil {
		return nil, err
	}
	rows, err := s.DB.Query(ctx, `SELECT `+availabilityCols+`
		FROM users u LEFT JOIN agent_availability a ON a.user_id = u.id
		WHERE u.role IN ('agent', 'admin') AND u.active AND NOT u.suspended ORDER BY u.name, u.id`, s.now().UnixMicro(), from)
	if err != nil {
		return nil, fmt.Errorf("assign: list availability: %w", err)
	}
	defer rows.Close()
	out := []Availability{}
	for rows.Next() {
		a, err := scanAvailability(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *a)
	}
	return out, rows.Err()
}

// Update is a change to an agent's availability: Status (the agent
// themself, or a manager), Capacity (managers only; 0 = the group's).
type Update struct {
	Status   *Status
	Capacity *int
}

// SetMine sets the caller's status.
func (s *Service) SetMine(ctx context.Context, st Status) (*Availability, error) {
	p, err := requireStaff(ctx)
	if err != nil {
		return nil, err
	}
	return s.Set(ctx, p.UserID, Update{Status: &st})
}

// Set changes agent id's availability. Agents set their own status;
// managers set anyone's status and capacity. Going online enqueues a
// backlog pass, so tickets that waited for someone are assigned.
func (s *Service) Set(ctx context.Context, id int64, u Update) (*Availability, error) {
	p, err := requireStaff(ctx)
	if err != nil {
		return nil, err
	}
	if p.UserID != id || u.Capacity != nil {
		if err := requireManager(ctx); err != nil {
			return nil, err
		}
	}
	var v desk.Validation
	if u.Status != nil && !u.Status.Valid() {
		v.Add("status", "must be online, away or offline")
	}
	if u.Capacity != nil && (*u.Capacity < 0 || *u.Capacity > MaxCapacity) {
		v.Add("capacity", fmt.Sprintf("must be between 0 and %d", MaxCapacity))
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	var out *Availability
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		cur, err := s.get(ctx, tx, id)
		if err != nil {
			return err
		}
		st, capacity := cur.Status, cur.Capacity
		if u.Status != nil {
			st = *u.Status
		}
		if u.Capacity != nil {
			capacity = *u.Capacity
		}
		now := s.now().UnixMicro()
		if _, err := tx.Exec(ctx, `INSERT INTO agent_availability (user_id, status, capacity, updated_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (user_id) DO UPDATE SET status = excluded.status, capacity = excluded.capacity, updated_at = excluded.updated_at`,
			id, string(st), capacity, now); err != nil {
			return err
		}
		if st == Online && (cur.Status != Online || u.Capacity != nil) {
			if err := jobs.Enqueue(ctx, tx, JobBacklog, nil); err != nil {
				return err
			}
		}
		out, err = s.get(ctx, tx, id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("assign: set availability of %d: %w", id, err)
	}
	return out, nil
}

// Group returns group id's assignment settings (off when never set).
func (s *Service) Group(ctx context.Context, id int64) (*GroupSettings, error) {
	if err := requireManager(ctx); err != nil {
		return nil, err
	}
	return s.group(ctx, s.DB, id)
}

func (s *Service) group(ctx context.Context, q store.Querier, id int64) (*GroupSettings, error) {
	g := GroupSettings{GroupID: id, Mode: ModeOff}
	var mode *string
	var capacity, upd *int64
	err := q.QueryRow(ctx, `SELECT ga.mode, ga.capacity, ga.updated_at FROM agent_groups g LEFT JOIN group_assignment ga ON ga.group_id = g.id
		WHERE g.id = ? AND NOT g.deleted`, id).Scan(&mode, &capacity, &upd)
	if isNoRows(err) {
		return nil, desk.NotFound()
	}
	if err != nil {
		return nil, fmt.Errorf("assign: group %d: %w", id, err)
	}
	if mode != nil {
		g.Mode, g.Capacity, g.UpdatedAt = Mode(*mode), int(*capacity), desk.TimeFromMicros(*upd)
	}
	return &g, nil
}

// GroupUpdate changes a group's assignment settings.
type GroupUpdate struct {
	Mode     *Mode
	Capacity *int
}

// SetGroup changes group id's assignment settings (managers only).
// Turning assignment on enqueues a backlog pass.
func (s *Service) SetGroup(ctx context.Context, id int64, u GroupUpdate) (*GroupSettings, error) {
	if err := requireManager(ctx); err != nil {
		return nil, err
	}
	var v desk.Validation
	if u.Mode != nil && !u.Mode.Valid() {
		v.Add("mode", "must be off, round_robin or least_busy")
	}
	if u.Capacity != nil && (*u.Capacity < 0 || *u.Capacity > MaxCapacity) {
		v.Add("capacity", fmt.Sprintf("must be between 0 and %d", MaxCapacity))
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	var out *GroupSettings
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		cur, err := s.group(ctx, tx, id)
		if err != nil {
			return err
		}
		if u.Mode != nil {
			cur.Mode = *u.Mode
		}
		if u.Capacity != nil {
			cur.Capacity = *u.Capacity
		}
		now := s.now().UnixMicro()
		if _, err := tx.Exec(ctx, `INSERT INTO group_assignment (group_id, mode, capacity, updated_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (group_id) DO UPDATE SET mode = excluded.mode, capacity = excluded.capacity, updated_at = excluded.updated_at`,
			id, string(cur.Mode), cur.Capacity, now); err != nil {
			return err
		}
		if cur.Mode != ModeOff {
			if err := jobs.Enqueue(ctx, tx, JobBacklog, nil); err != nil {
				return err
			}
		}
		out, err = s.group(ctx, tx, id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("assign: set group %d: %w", id, err)
	}
	return out, nil
}

// candidate is an agent who could take a ticket.
type candidate struct {
	id       int64
	capacity int // the agent's own (0: the group's)
	load     int // unsolved tickets assigned
}

// Pick chooses the agent an unassigned ticket in t's group goes to, or 0
// when the group does not assign automatically or nobody is available. It
// is the ticket service's AutoAssigner and runs inside the ticket's
// transaction: it locks the group's rotation row first (an UPDATE, so on
// PostgreSQL concurrent tickets of one group queue behind each other and
// each sees the previous one's assignment; SQLite runs one writer at a
// time), then picks among the group's members who chose online, have a
// session active within the availability window, may hold tickets, and
// hold fewer unsolved tickets than their capacity. Round-robin takes the
// next agent after the last one picked (by user id, wrapping); least-busy
// the one holding fewest unsolved tickets, ties broken by the same
// rotation. The pick is recorded as the group's last_user_id.
func (s *Service) Pick(ctx context.Context, tx *store.Tx, t *desk.Ticket) (int64, error) {
	return s.pick(ctx, tx, t, false)
}

// pick is Pick; for a rule action (action true) a group whose automatic
// assignment is off still rotates, round-robin.
func (s *Service) pick(ctx context.Context, tx *store.Tx, t *desk.Ticket, action bool) (int64, error) {
	if t.GroupID == nil {
		return 0, nil
	}
	gid := *t.GroupID
	lock := `UPDATE group_assignment SET turns = turns + 1 WHERE group_id = ? AND mode <> 'off'`
	if action {
		if _, err := tx.Exec(ctx, `INSERT INTO group_assignment (group_id, mode, capacity, updated_at) VALUES (?, 'off', 0, ?)
			ON CONFLICT (group_id) DO NOTHING`, gid, s.now().UnixMicro()); err != nil {
			return 0, err
		}
		lock = `UPDATE group_assignment SET turns = turns + 1 WHERE group_id = ?`
	}
	res, err := tx.Exec(ctx, lock, gid)
	if err != nil {
		return 0, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return 0, nil // off, or never set
	}
	var mode string
	var groupCap int
	var last int64
	if err := tx.QueryRow(ctx, `SELECT mode, capacity, last_user_id FROM group_assignment WHERE group_id = ?`, gid).
		Scan(&mode, &groupCap, &last); err != nil {
		return 0, err
	}
	from, err := s.windowStart(ctx, tx)
	if err != nil {
		return 0, err
	}
	cands, err := s.candidates(ctx, tx, gid, t.ID, from)
	if err != nil {
		return 0, err
	}
	var free []candidate
	for _, c := range cands {
		limit := c.capacity
		if limit == 0 {
			limit = groupCap
		}
		if limit > 0 && c.load >= limit {
			continue
		}
		// Light agents and custom roles without edit_ticket_properties
		// cannot hold tickets.
		ap, err := people.PrincipalFor(ctx, tx, c.id)
		if desk.ErrorCode(err) == desk.EUNAUTHORIZED {
			continue
		}
		if err != nil {
			return 0, err
		}
		if !ap.Can().EditTicketProperties {
			continue
		}
		free = append(free, c)
	}
	if len(free) == 0 {
		return 0, nil
	}
	if Mode(mode) == ModeOff {
		mode = string(ModeRoundRobin) // a rule action in a group without automatic assignment
	}
	pick := choose(Mode(mode), free, last)
	if _, err := tx.Exec(ctx, `UPDATE group_assignment SET last_user_id = ? WHERE group_id = ?`, pick, gid); err != nil {
		return 0, err
	}
	return pick, nil
}

// choose applies the mode to the free agents (sorted by id): the rotation
// order starts after last.
func choose(mode Mode, free []candidate, last int64) int64 {
	// Rotate so the first agent after last comes first.
	i := slices.IndexFunc(free, func(c candidate) bool { return c.id > last })
	if i > 0 {
		free = append(slices.Clone(free[i:]), free[:i]...)
	}
	if mode != ModeLeastBusy {
		return free[0].id
	}
	best := free[0]
	for _, c := range free[1:] {
		if c.load < best.load {
			best = c
		}
	}
	return best.id
}

// candidates lists the group's present, online, active agents by id with
// their unsolved load (not counting ticket self, which is being assigned).
func (s *Service) candidates(ctx context.Context, tx *store.Tx, gid, self, from int64) ([]candidate, error) {
	rows, err := tx.Query(ctx, `SELECT u.id, a.capacity,
		(SELECT COUNT(*) FROM tickets t WHERE t.assignee_id = u.id AND t.status IN ('new', 'open', 'pending', 'hold') AND t.deleted_at = 0 AND t.id <> ?)
		FROM group_memberships gm JOIN users u ON u.id = gm.user_id JOIN agent_availability a ON a.user_id = u.id
		WHERE gm.group_id = ? AND a.status = 'online' AND u.role IN ('agent', 'admin') AND u.active AND NOT u.suspended AND `+presentSQL+`
		ORDER BY u.id`, self, gid, s.now().UnixMicro(), from)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []candidate
	for rows.Next() {
		var c candidate
		if err := rows.Scan(&c.id, &c.capacity, &c.load); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// AssignBacklog offers unassigned unsolved tickets of groups that assign
// automatically to available agents, oldest first, each in its own
// transaction through the ticket service (one audit per assignment, by the
// system). It stops at the first ticket nobody can take in a group (the
// group is full) and returns how many tickets it assigned.
func (s *Service) AssignBacklog(ctx context.Context) (int, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return 0, err
	}
	if !p.System {
		return 0, desk.Forbidden("the backlog is assigned by the system")
	}
	// Without a group that assigns (the default) there is no backlog. The
	// query below would still walk every unassigned ticket of the
	// assignee index to find that out: at 1,000,000 tickets about a
	// second of CPU once a minute, beside the searches (P12, p12-cover).
	var assigning int
	if err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM group_assignment WHERE mode <> 'off'`).Scan(&assigning); err != nil {
		return 0, fmt.Errorf("assign: backlog: %w", err)
	}
	if assigning == 0 {
		return 0, nil
	}
	rows, err := s.DB.Query(ctx, `SELECT t.id, t.group_id FROM tickets t JOIN group_assignment ga ON ga.group_id = t.group_id
		WHERE ga.mode <> 'off' AND t.assignee_id IS NULL AND t.status IN ('new', 'open', 'pending', 'hold') AND t.deleted_at = 0
		ORDER BY t.id LIMIT ?`, backlogBatch)
	if err != nil {
		return 0, fmt.Errorf("assign: backlog: %w", err)
	}
	type waiting struct{ id, group int64 }
	var list []waiting
	for rows.Next() {
		var w waiting
		if err := rows.Scan(&w.id, &w.group); err != nil {
			rows.Close()
			return 0, err
		}
		list = append(list, w)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	full := map[int64]bool{}
	n := 0
	for _, w := range list {
		if full[w.group] {
			continue
		}
		assigned := false
		err := s.DB.InTx(ctx, func(tx *store.Tx) error {
			assigned = false
			_, audit, err := s.Tickets.EditTx(ctx, tx, w.id, func(e *ticket.Edit) error {
				t := e.Ticket()
				if t.AssigneeID != nil || t.GroupID == nil || *t.GroupID != w.group {
					return nil // changed meanwhile
				}
				uid, err := s.Pick(ctx, tx, t)
				if err != nil || uid == 0 {
					return err
				}
				return e.SetAssignee(uid)
			})
			assigned = audit != nil
			return err
		})
		if err != nil {
			return n, fmt.Errorf("assign: backlog ticket %d: %w", w.id, err)
		}
		if assigned {
			n++
		} else {
			full[w.group] = true
		}
	}
	return n, nil
}

// AssignAction is the rule action "assign round-robin" (assignee_id set
// to ActionValue): it assigns the ticket of edit e to the next available
// agent of its group by the group's mode (round-robin when the group's
// automatic assignment is off), leaving it unassigned when nobody is
// available or it has no group. Register it with the rules engine.
func (s *Service) AssignAction(ctx context.Context, tx *store.Tx, e *ticket.Edit) error {
	t := e.Ticket()
	if t.GroupID == nil {
		return nil
	}
	uid, err := s.pick(ctx, tx, t, true)
	if err != nil || uid == 0 {
		return err
	}
	return e.SetAssignee(uid)
}

// ActionValue is the assignee_id value of the round-robin rule action.
const ActionValue = "round_robin"

// Install makes s the ticket service's automatic assigner.
func (s *Service) Install() { s.Tickets.SetAutoAssigner(s.Pick) }

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// AvailabilityMinutes returns the activity window (managers only).
func (s *Service) AvailabilityMinutes(ctx context.Context) (int64, error) {
	if err := requireManager(ctx); err != nil {
		return 0, err
	}
	return settings.AvailabilityMinutes.Get(ctx, s.settingsSvc())
}

// SetAvailabilityMinutes sets how long after their last workspace activity
// an online agent still counts as available (managers only).
func (s *Service) SetAvailabilityMinutes(ctx context.Context, n int64) error {
	if err := requireManager(ctx); err != nil {
		return err
	}
	if err := settings.AvailabilityMinutes.Validate(n); err != nil {
		return desk.Invalid("availability_minutes", "must be between 1 and 1440 minutes")
	}
	return settings.AvailabilityMinutes.Set(ctx, s.settingsSvc(), n)
}
