package sla

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
)

// Reading tickets' SLAs: for ?include=slas, the ticket page and views.
// Callers pass the ids of tickets the principal was already allowed to
// see (through the ticket service); end-users get nothing.

const maxTicketIDs = 1000

// ForTickets returns the SLA of each ticket in ids that has one, by id.
func (s *Service) ForTickets(ctx context.Context, ids []int64, now time.Time) (map[int64]*desk.TicketSLAs, error) {
	out := map[int64]*desk.TicketSLAs{}
	timers, err := s.timersOf(ctx, ids)
	if err != nil || timers == nil {
		return out, err
	}
	for id, ts := range timers {
		sl := &desk.TicketSLAs{PolicyMetrics: []desk.SLAMetric{}}
		for _, t := range ts {
			pid := t.PolicyID
			sl.PolicyID = &pid
			sl.PolicyMetrics = append(sl.PolicyMetrics, metricState(t, now))
		}
		out[id] = sl
	}
	return out, nil
}

// metricState is Zendesk's policy metric entry of a timer.
func metricState(t *timer, now time.Time) desk.SLAMetric {
	m := desk.SLAMetric{Metric: string(t.Metric), Stage: string(t.Stage), Target: t.Target, BusinessHours: t.BusinessHours,
		Breached: !t.BreachedAt.IsZero() || t.Elapsed > t.target(), AchievedAt: desk.Time{Time: t.AchievedAt}}
	if t.Stage == StageActive && !t.BreachAt.IsZero() {
		m.BreachAt = desk.Time{Time: t.BreachAt}
		left := t.BreachAt.Sub(now)
		if left < 0 {
			m.Breached = true
		}
		mins := int(left / time.Minute)
		m.Days, m.Hours, m.Minutes = mins/(24*60), mins%(24*60)/60, mins%60
	}
	return m
}

// NextBreach returns, for each ticket in ids with a running timer, the
// earliest breach_at among its timers (views sort and show by it).
func (s *Service) NextBreach(ctx context.Context, ids []int64) (map[int64]time.Time, error) {
	out := map[int64]time.Time{}
	timers, err := s.timersOf(ctx, ids)
	if err != nil || timers == nil {
		return out, err
	}
	for id, ts := range timers {
		for _, t := range ts {
			if t.Stage != StageActive || t.BreachAt.IsZero() {
				continue
			}
			if cur, ok := out[id]; !ok || t.BreachAt.Before(cur) {
				out[id] = t.BreachAt
			}
		}
	}
	return out, nil
}

// timersOf loads the timers of tickets ids (nil for end-users), each
// ticket's in metric order.
func (s *Service) timersOf(ctx context.Context, ids []int64) (map[int64][]*timer, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	if !p.IsStaff() || len(ids) == 0 {
		return nil, nil
	}
	if len(ids) > maxTicketIDs {
		return nil, desk.Invalid("ids", fmt.Sprintf("takes at most %d tickets", maxTicketIDs))
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := s.DB.Query(ctx, `SELECT ticket_id, `+timerColumns+` FROM ticket_slas WHERE ticket_id IN (`+
		strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("sla: timers: %w", err)
	}
	defer rows.Close()
	out := map[int64][]*timer{}
	for rows.Next() {
		var id int64
		t, err := scanTimer(rowWithID{rows, &id})
		if err != nil {
			return nil, err
		}
		out[id] = append(out[id], t)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, ts := range out {
		slices.SortFunc(ts, func(a, b *timer) int { return slices.Index(Metrics, a.Metric) - slices.Index(Metrics, b.Metric) })
	}
	return out, nil
}

// rowWithID scans a leading ticket id before a timer's columns.
type rowWithID struct {
	row scanner
	id  *int64
}

func (r rowWithID) Scan(dst ...any) error { return r.row.Scan(append([]any{r.id}, dst...)...) }

// MetricEvent is one recorded SLA event of a ticket, for reports.
type MetricEvent struct {
	ID            int64     `json:"id"`
	TicketID      int64     `json:"ticket_id"`
	PolicyID      int64     `json:"sla_policy_id"`
	Metric        Metric    `json:"metric"`
	Type          EventKind `json:"type"`
	Target        int       `json:"target"`
	BusinessHours bool      `json:"business_hours"`
	Breached      bool      `json:"breached"`
	Time          desk.Time `json:"time"`
}

// Achievement counts, per metric, the targets achieved in time and those
// breached between from and to (fulfilments and breaches of running
// timers), for reports. Needs view_reports.
type Achievement struct {
	Metric   Metric `json:"metric"`
	Achieved int    `json:"achieved"`
	Breached int    `json:"breached"`
}

// AchievementBetween counts achieved and breached targets by metric: a
// target is breached once (when breached, whether or not it was later
// fulfilled) and achieved when fulfilled in time.
func (s *Service) AchievementBetween(ctx context.Context, from, to time.Time) ([]Achievement, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	if !p.IsStaff() || !p.Can().ViewReports {
		return nil, desk.Forbidden("Your role does not allow viewing reports")
	}
	rows, err := s.DB.Query(ctx, `SELECT metric,
		SUM(CASE WHEN kind = ? AND breached = ? THEN 1 ELSE 0 END),
		SUM(CASE WHEN kind = ? THEN 1 ELSE 0 END)
		FROM sla_metric_events WHERE at >= ? AND at < ? AND kind IN (?, ?) GROUP BY metric`,
		string(EventFulfill), false, string(EventBreach), from.UnixMicro(), to.UnixMicro(), string(EventFulfill), string(EventBreach))
	if err != nil {
		return nil, fmt.Errorf("sla: achievement: %w", err)
	}
	defer rows.Close()
	byMetric := map[Metric]Achievement{}
	for rows.Next() {
		var a Achievement
		if err := rows.Scan(&a.Metric, &a.Achieved, &a.Breached); err != nil {
			return nil, err
		}
		byMetric[a.Metric] = a
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := []Achievement{}
	for _, m := range Metrics {
		if a, ok := byMetric[m]; ok {
			out = append(out, a)
		}
	}
	return out, nil
}

// MetricEvents lists a ticket's recorded SLA events in order (staff only; the
// caller checked the ticket is visible).
func (s *Service) MetricEvents(ctx context.Context, ticketID int64) ([]MetricEvent, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	if !p.IsStaff() {
		return nil, desk.Forbidden("Only agents see SLA events")
	}
	rows, err := s.DB.Query(ctx, `SELECT id, ticket_id, policy_id, metric, kind, target_minutes, business_hours, breached, at
		FROM sla_metric_events WHERE ticket_id = ? ORDER BY id`, ticketID)
	if err != nil {
		return nil, fmt.Errorf("sla: events of ticket %d: %w", ticketID, err)
	}
	defer rows.Close()
	out := []MetricEvent{}
	for rows.Next() {
		var e MetricEvent
		var at int64
		if err := rows.Scan(&e.ID, &e.TicketID, &e.PolicyID, &e.Metric, &e.Type, &e.Target, &e.BusinessHours, &e.Breached, &at); err != nil {
			return nil, err
		}
		e.Time = desk.TimeFromMicros(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// NextBreachColumn is the view column (Zendesk's name) showing each
// ticket's next SLA breach.
const NextBreachColumn = "sla_next_breach_at"

// NextBreachSortSQL orders the tickets table t by its earliest running
// breach time; tickets without a running timer sort last when ascending.
// Views use it to sort by NextBreachColumn.
var NextBreachSortSQL = "COALESCE((SELECT MIN(nb.breach_at) FROM ticket_slas nb WHERE nb.ticket_id = t.id AND nb.stage = '" +
	string(StageActive) + "' AND nb.breach_at > 0), 9223372036854775807)"
