package sla

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/frontdesk/frontdesk/internal/bizhours"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/rules"
	"github.com/frontdesk/frontdesk/internal/store"
)

// The timers of a ticket's SLA, as Zendesk runs them:
//
//   - first_reply_time starts when the ticket is created (measured from its
//     creation even when the policy comes later) and is fulfilled by the
//     first public comment of an agent. A ticket an agent opens with a
//     public comment has no first reply to wait for.
//   - next_reply_time starts at a public comment of an end-user once the
//     first reply was given, and is fulfilled by the next public agent
//     comment.
//   - periodic_update_time starts at each public agent comment, which also
//     fulfils the running one; pausable_update_time does the same for any
//     agent comment and pauses while the ticket is pending.
//   - requester_wait_time counts while the ticket is new, open or on-hold
//     (it pauses in pending); agent_work_time counts while it is new or
//     open (it pauses in pending and on-hold); total_resolution_time counts
//     always. All three are fulfilled at solved and resume, with their time
//     so far, if the ticket is reopened.
//   - Solving a ticket fulfils every running timer.
//
// Each timer measures with the default schedule's business hours when its
// target says business_hours (calendar time when there is no schedule),
// else with the calendar. A change of policy or priority keeps the time
// counted so far and moves breach_at to the new target.

// Stage is a timer's state (Zendesk's stage).
type Stage string

// The stages.
const (
	StageActive   Stage = "active"
	StagePaused   Stage = "paused"
	StageAchieved Stage = "achieved"
)

// EventKind names a recorded metric event (sla_metric_events.kind).
type EventKind string

// The recorded events (Zendesk's ticket metric event types, plus
// approaching).
const (
	EventActivate    EventKind = "activate"
	EventPause       EventKind = "pause"
	EventResume      EventKind = "resume"
	EventFulfill     EventKind = "fulfill"
	EventBreach      EventKind = "breach"
	EventApproaching EventKind = "approaching"
	EventRemove      EventKind = "remove"
)

// timer is one row of ticket_slas.
type timer struct {
	Metric        Metric
	PolicyID      int64
	Target        int
	BusinessHours bool
	Stage         Stage
	StartedAt     time.Time
	ResumedAt     time.Time
	Elapsed       time.Duration
	BreachAt      time.Time
	AchievedAt    time.Time
	WarnedAt      time.Time
	BreachedAt    time.Time

	stored, dirty, gone bool
}

func (t *timer) target() time.Duration { return time.Duration(t.Target) * time.Minute }

// pausesIn reports whether metric m pauses in status st.
func pausesIn(m Metric, st desk.Status) bool {
	switch m {
	case RequesterWaitTime, PausableUpdateTime:
		return st == desk.StatusPending
	case AgentWorkTime:
		return st == desk.StatusPending || st == desk.StatusHold
	}
	return false
}

// statusDriven metrics run from creation to solve and come back on reopen.
func statusDriven(m Metric) bool {
	return m == RequesterWaitTime || m == AgentWorkTime || m == TotalResolutionTime
}

func done(st desk.Status) bool { return st == desk.StatusSolved || st == desk.StatusClosed }

// clocks gives each timer its clock, loading the schedule once.
type clocks struct {
	load   func() (*bizhours.Schedule, error)
	cal    *bizhours.Schedule
	loaded bool
}

func (c *clocks) of(t *timer) (bizhours.Clock, error) {
	if !t.BusinessHours {
		return bizhours.Calendar{}, nil
	}
	if !c.loaded {
		cal, err := c.load()
		if err != nil {
			return nil, err
		}
		c.cal, c.loaded = cal, true
	}
	if c.cal == nil || c.cal.Empty() {
		return bizhours.Calendar{}, nil
	}
	return c.cal, nil
}

// machine applies one ticket change to the ticket's timers.
type machine struct {
	clocks *clocks
	now    time.Time
	events []recorded
}

type recorded struct {
	kind     EventKind
	t        timer
	at       time.Time
	breached bool
}

func (m *machine) record(kind EventKind, t *timer, at time.Time, breached bool) {
	m.events = append(m.events, recorded{kind, *t, at, breached})
}

// start (re)starts t at at with nothing counted.
func (m *machine) start(t *timer, at time.Time) error {
	t.Stage, t.StartedAt, t.ResumedAt, t.Elapsed = StageActive, at, at, 0
	t.AchievedAt, t.WarnedAt, t.BreachedAt = time.Time{}, time.Time{}, time.Time{}
	if err := m.schedule(t); err != nil {
		return err
	}
	t.dirty = true
	m.record(EventActivate, t, at, false)
	return nil
}

// schedule sets breach_at of a running timer from what is left of its
// target; a timer already over keeps its breach time.
func (m *machine) schedule(t *timer) error {
	c, err := m.clocks.of(t)
	if err != nil {
		return err
	}
	left := t.target() - t.Elapsed
	if left <= 0 {
		if t.BreachAt.IsZero() {
			t.BreachAt = t.ResumedAt
		}
		return nil
	}
	at, err := c.Add(t.ResumedAt, left)
	if err != nil {
		// No business hours ahead: the timer can never breach.
		at = time.Time{}
	}
	t.BreachAt = at
	return nil
}

// count adds the time from ResumedAt to now to Elapsed.
func (m *machine) count(t *timer) error {
	c, err := m.clocks.of(t)
	if err != nil {
		return err
	}
	t.Elapsed += c.Between(t.ResumedAt, m.now)
	t.ResumedAt = m.now
	return nil
}

func (m *machine) pause(t *timer) error {
	if t.Stage != StageActive {
		return nil
	}
	if err := m.count(t); err != nil {
		return err
	}
	t.Stage, t.ResumedAt, t.dirty = StagePaused, time.Time{}, true
	m.record(EventPause, t, m.now, false)
	return nil
}

func (m *machine) resume(t *timer) error {
	if t.Stage == StageActive {
		return nil
	}
	t.Stage, t.ResumedAt, t.AchievedAt, t.dirty = StageActive, m.now, time.Time{}, true
	if err := m.schedule(t); err != nil {
		return err
	}
	m.record(EventResume, t, m.now, false)
	return nil
}

func (m *machine) fulfill(t *timer) error {
	switch t.Stage {
	case StageAchieved:
		return nil
	case StageActive:
		if err := m.count(t); err != nil {
			return err
		}
	}
	late := t.Elapsed > t.target()
	if late && t.BreachedAt.IsZero() {
		// The breach job had not seen it yet: record the breach for
		// reports, at the moment it happened.
		at := t.BreachAt
		if at.IsZero() || at.After(m.now) {
			at = m.now
		}
		t.BreachedAt = at
		m.record(EventBreach, t, at, true)
	}
	t.Stage, t.AchievedAt, t.ResumedAt, t.dirty = StageAchieved, m.now, time.Time{}, true
	m.record(EventFulfill, t, m.now, late)
	return nil
}

// retarget moves t to a new policy or target, keeping what it counted.
func (m *machine) retarget(t *timer, pm PolicyMetric, policyID int64) error {
	if t.PolicyID == policyID && t.Target == pm.Target && t.BusinessHours == pm.BusinessHours {
		return nil
	}
	if t.Stage == StageActive {
		if err := m.count(t); err != nil {
			return err
		}
	}
	t.PolicyID, t.Target, t.BusinessHours, t.dirty = policyID, pm.Target, pm.BusinessHours, true
	t.WarnedAt = time.Time{}
	if t.Stage == StageActive {
		t.BreachAt = time.Time{}
		if t.BreachedAt.IsZero() || t.Elapsed < t.target() {
			t.BreachedAt = time.Time{}
		}
		return m.schedule(t)
	}
	return nil
}

// facts are what a change means for the timers.
type facts struct {
	create       bool
	status       desk.Status
	reopened     bool      // from solved or closed to unsolved
	createdAt    time.Time // the ticket's creation
	staffComment bool      // this change adds an agent's comment
	public       bool      // … which is public
	endUserReply bool      // this change adds an end-user's public comment
	// staffRepliedBefore: an agent's public comment exists on the ticket
	// besides this change's.
	staffRepliedBefore bool
}

// apply runs the change through the timers of a ticket whose policy gives
// targets (by metric; nil or empty: no SLA) under policyID.
func (m *machine) apply(timers map[Metric]*timer, targets map[Metric]PolicyMetric, policyID int64, f facts) error {
	for metric, t := range timers {
		if _, ok := targets[metric]; !ok {
			if t.Stage != StageAchieved {
				m.record(EventRemove, t, m.now, false)
			}
			t.gone = true
		}
	}
	for _, metric := range Metrics {
		pm, ok := targets[metric]
		if !ok {
			continue
		}
		t := timers[metric]
		if t != nil {
			if err := m.retarget(t, pm, policyID); err != nil {
				return err
			}
		}
		fresh := func(at time.Time) (*timer, error) {
			if t == nil {
				t = &timer{Metric: metric, PolicyID: policyID, Target: pm.Target, BusinessHours: pm.BusinessHours}
				timers[metric] = t
			}
			return t, m.start(t, at)
		}
		staffPublic := f.staffComment && f.public
		switch metric {
		case FirstReplyTime:
			if t == nil && !f.staffRepliedBefore && !(f.create && staffPublic) && !done(f.status) {
				if _, err := fresh(f.createdAt); err != nil {
					return err
				}
			}
			if t != nil && staffPublic && t.Stage != StageAchieved {
				if err := m.fulfill(t); err != nil {
					return err
				}
			}
		case NextReplyTime:
			if t != nil && staffPublic && t.Stage != StageAchieved {
				if err := m.fulfill(t); err != nil {
					return err
				}
			}
			frt := timers[FirstReplyTime]
			firstGiven := frt == nil || frt.gone || frt.Stage == StageAchieved
			if f.endUserReply && !f.create && firstGiven && (t == nil || t.Stage == StageAchieved) && !done(f.status) {
				if _, err := fresh(m.now); err != nil {
					return err
				}
			}
		case PeriodicUpdateTime, PausableUpdateTime:
			update := staffPublic
			if metric == PausableUpdateTime {
				update = f.staffComment
			}
			if update {
				if t != nil && t.Stage != StageAchieved {
					if err := m.fulfill(t); err != nil {
						return err
					}
				}
				if !done(f.status) {
					if _, err := fresh(m.now); err != nil {
						return err
					}
				}
			}
		default: // status-driven
			if t == nil && !done(f.status) {
				if _, err := fresh(m.now); err != nil {
					return err
				}
			}
		}
		if t == nil {
			continue
		}
		switch {
		case done(f.status):
			if err := m.fulfill(t); err != nil {
				return err
			}
		case t.Stage == StageAchieved:
			if statusDriven(metric) && f.reopened {
				if err := m.resume(t); err != nil {
					return err
				}
			}
		case pausesIn(metric, f.status):
			if err := m.pause(t); err != nil {
				return err
			}
		default:
			if err := m.resume(t); err != nil {
				return err
			}
		}
		// A status-driven timer resumed on reopen may need pausing too.
		if t.Stage == StageActive && pausesIn(metric, f.status) {
			if err := m.pause(t); err != nil {
				return err
			}
		}
	}
	return nil
}

// Hook is the ticket hook (register with ticket.(*Service).AddHook): in the
// change's transaction it chooses the ticket's policy and moves its
// timers. Its clock is the change's: the ticket's updated_at.
func (s *Service) Hook(ctx context.Context, tx *store.Tx, c *desk.TicketChange) error {
	if c.Kind == desk.ChangePermanentDelete {
		if _, err := tx.Exec(ctx, `DELETE FROM ticket_sla_policies WHERE ticket_id = ?`, c.TicketID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM ticket_slas WHERE ticket_id = ?`, c.TicketID)
		return err
	}
	t := c.After
	if t == nil {
		return nil
	}
	now := t.UpdatedAt.Time
	if now.IsZero() {
		now = time.UnixMicro(store.Now())
	}
	// A ticket being created has no timers yet (this hook is what writes
	// them), so its change does not ask for them.
	timers := map[Metric]*timer{}
	var err error
	if c.Kind != desk.ChangeCreate {
		timers, err = loadTimers(ctx, tx, t.ID)
	}
	if err != nil {
		return err
	}
	var policy *Policy
	if c.Kind != desk.ChangeSoftDelete {
		if policy, err = s.choose(ctx, tx, t, now); err != nil {
			return err
		}
	}
	var targets map[Metric]PolicyMetric
	var policyID int64
	if policy != nil && t.Priority != nil {
		targets, policyID = policy.targets(*t.Priority), policy.ID
	}
	if len(targets) == 0 && len(timers) == 0 {
		return nil
	}
	f := facts{create: c.Kind == desk.ChangeCreate, status: t.Status, createdAt: t.CreatedAt.Time}
	if c.Before != nil && done(c.Before.Status) && !done(t.Status) {
		f.reopened = true
	}
	if cm := c.Comment; cm != nil {
		staff, err := isStaff(ctx, tx, cm.AuthorID)
		if err != nil {
			return err
		}
		f.staffComment, f.public = staff, cm.Public
		f.endUserReply = !staff && cm.Public
	}
	if _, want := targets[FirstReplyTime]; want && timers[FirstReplyTime] == nil {
		commentID := int64(0)
		if c.Comment != nil {
			commentID = c.Comment.ID
		}
		if f.staffRepliedBefore, err = staffReplied(ctx, tx, t.ID, commentID); err != nil {
			return err
		}
	}
	m := &machine{now: now, clocks: &clocks{load: func() (*bizhours.Schedule, error) { return s.defaultCalendar(ctx, tx) }}}
	if err := m.apply(timers, targets, policyID, f); err != nil {
		return fmt.Errorf("sla: timers of ticket %d: %w", t.ID, err)
	}
	return s.store(ctx, tx, t.ID, timers, m.events, now)
}

// choose returns the policy a trigger set on ticket t, else the first
// policy, by position, whose filter t matches as it stands in tx (the
// change is written before hooks run): one query, the filters compiled by
// the engine into a CASE in order.
//
// The policies are read first: with none, an override cannot name one
// either (it yields no policy once its policy is gone), so a desk without
// SLA policies pays one query per change, not two.
func (s *Service) choose(ctx context.Context, tx *store.Tx, t *desk.Ticket, now time.Time) (*Policy, error) {
	policies, err := s.cachedPolicies(ctx, tx)
	if err != nil || len(policies) == 0 {
		return nil, err
	}
	if p, err := override(ctx, tx, t.ID); p != nil || err != nil {
		return p, err
	}
	b := &rules.SQL{Dialect: tx.Dialect(), Now: now}
	var q strings.Builder
	q.WriteString("SELECT CASE")
	for i, p := range policies {
		cond, err := s.Rules.Compile(b, p.Filter)
		if err != nil {
			// A filter the engine no longer takes (a field removed since)
			// matches nothing rather than stopping every ticket change.
			continue
		}
		fmt.Fprintf(&q, " WHEN %s THEN %d", cond, i)
	}
	q.WriteString(" ELSE -1 END FROM tickets t WHERE t.id = " + b.Arg(t.ID))
	var idx int
	if err := tx.QueryRow(ctx, q.String(), b.Args()...).Scan(&idx); err != nil {
		return nil, fmt.Errorf("sla: choose a policy for ticket %d: %w", t.ID, err)
	}
	if idx < 0 {
		return nil, nil
	}
	return policies[idx], nil
}

// cachedPolicies lists the policies in order, read and decoded again only
// when the configuration epoch moved (a change to the policies, on any
// instance, moves it in its own transaction; see store.ConfigEpoch).
func (s *Service) cachedPolicies(ctx context.Context, tx *store.Tx) ([]*Policy, error) {
	return s.policies.Get(ctx, tx, func() ([]*Policy, error) {
		rows, err := tx.Query(ctx, `SELECT `+policyColumns+` FROM sla_policies ORDER BY position, id`)
		if err != nil {
			return nil, fmt.Errorf("sla: list policies: %w", err)
		}
		defer rows.Close()
		var list []*Policy
		for rows.Next() {
			p, err := scanPolicy(rows)
			if err != nil {
				return nil, err
			}
			list = append(list, p)
		}
		return list, rows.Err()
	})
}

func isStaff(ctx context.Context, tx *store.Tx, userID int64) (bool, error) {
	var role string
	err := tx.QueryRow(ctx, `SELECT role FROM users WHERE id = ?`, userID).Scan(&role)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil // no such person (the system): not an agent's comment
	}
	if err != nil {
		return false, fmt.Errorf("sla: comment author %d: %w", userID, err)
	}
	return desk.Role(role).Staff(), nil
}

// staffReplied reports whether ticket id has a public comment by an agent
// other than comment except.
func staffReplied(ctx context.Context, tx *store.Tx, id, except int64) (bool, error) {
	var n int
	err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM ticket_comments c JOIN users u ON u.id = c.author_id
		WHERE c.ticket_id = ? AND c.public = ? AND c.id <> ? AND u.role IN (?, ?)`,
		id, true, except, string(desk.RoleAgent), string(desk.RoleAdmin)).Scan(&n)
	return n > 0, err
}

const timerColumns = `metric, policy_id, target_minutes, business_hours, stage, started_at, resumed_at, elapsed, breach_at, achieved_at, warned_at, breached_at`

func micros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

func fromMicros(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return time.UnixMicro(us).UTC()
}

func scanTimer(row scanner) (*timer, error) {
	var t timer
	var started, resumed, elapsed, breach, achieved, warned, breached int64
	if err := row.Scan(&t.Metric, &t.PolicyID, &t.Target, &t.BusinessHours, &t.Stage, &started, &resumed, &elapsed, &breach, &achieved, &warned, &breached); err != nil {
		return nil, err
	}
	t.StartedAt, t.ResumedAt, t.Elapsed = fromMicros(started), fromMicros(resumed), time.Duration(elapsed)*time.Microsecond
	t.BreachAt, t.AchievedAt, t.WarnedAt, t.BreachedAt = fromMicros(breach), fromMicros(achieved), fromMicros(warned), fromMicros(breached)
	t.stored = true
	return &t, nil
}

func loadTimers(ctx context.Context, q querier, ticketID int64) (map[Metric]*timer, error) {
	rows, err := q.Query(ctx, `SELECT `+timerColumns+` FROM ticket_slas WHERE ticket_id = ?`, ticketID)
	if err != nil {
		return nil, fmt.Errorf("sla: timers of ticket %d: %w", ticketID, err)
	}
	defer rows.Close()
	out := map[Metric]*timer{}
	for rows.Next() {
		t, err := scanTimer(rows)
		if err != nil {
			return nil, err
		}
		out[t.Metric] = t
	}
	return out, rows.Err()
}

// store writes the changed timers and the recorded events.
func (s *Service) store(ctx context.Context, tx *store.Tx, ticketID int64, timers map[Metric]*timer, evs []recorded, now time.Time) error {
	keys := make([]Metric, 0, len(timers))
	for k := range timers {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		t := timers[k]
		switch {
		case t.gone && t.stored:
			if _, err := tx.Exec(ctx, `DELETE FROM ticket_slas WHERE ticket_id = ? AND metric = ?`, ticketID, t.Metric); err != nil {
				return err
			}
		case t.gone || !t.dirty:
		case t.stored:
			if _, err := tx.Exec(ctx, `UPDATE ticket_slas SET policy_id = ?, target_minutes = ?, business_hours = ?, stage = ?, started_at = ?, resumed_at = ?,
				elapsed = ?, breach_at = ?, achieved_at = ?, warned_at = ?, breached_at = ?, updated_at = ? WHERE ticket_id = ? AND metric = ?`,
				t.PolicyID, t.Target, t.BusinessHours, string(t.Stage), micros(t.StartedAt), micros(t.ResumedAt), t.Elapsed.Microseconds(),
				micros(t.BreachAt), micros(t.AchievedAt), micros(t.WarnedAt), micros(t.BreachedAt), micros(now), ticketID, t.Metric); err != nil {
				return err
			}
		default:
			if _, err := tx.Exec(ctx, `INSERT INTO ticket_slas (ticket_id, `+timerColumns+`, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				ticketID, t.Metric, t.PolicyID, t.Target, t.BusinessHours, string(t.Stage), micros(t.StartedAt), micros(t.ResumedAt), t.Elapsed.Microseconds(),
				micros(t.BreachAt), micros(t.AchievedAt), micros(t.WarnedAt), micros(t.BreachedAt), micros(now)); err != nil {
				return err
			}
		}
	}
	return recordEvents(ctx, tx, ticketID, evs)
}

func recordEvents(ctx context.Context, tx *store.Tx, ticketID int64, evs []recorded) error {
	for _, e := range evs {
		if _, err := tx.Exec(ctx, `INSERT INTO sla_metric_events (ticket_id, policy_id, metric, kind, target_minutes, business_hours, elapsed, breached, at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, ticketID, e.t.PolicyID, string(e.t.Metric), string(e.kind), e.t.Target, e.t.BusinessHours,
			e.t.Elapsed.Microseconds(), e.breached, micros(e.at)); err != nil {
			return err
		}
	}
	return nil
}
