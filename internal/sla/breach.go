package sla

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/events"
	"github.com/frontdesk/frontdesk/internal/store"
)

// Breach checks: a recurring job (JobCheckBreaches) records every running
// timer that passed its breach time, and every one that comes within
// Approach of it, once each, and publishes an event for each — what
// triggers, notifications and the workspace's live badges react to.

// JobCheckBreaches is the job kind of the recurring breach check.
const JobCheckBreaches = "sla.check_breaches"

// CheckInterval is how often the server runs the check.
const CheckInterval = time.Minute

// DefaultApproach is how long before its breach a timer counts as
// approaching.
const DefaultApproach = time.Hour

// Bus event types of SLA events (Data: metric, policy_id, breach_at).
const (
	EventTypeApproaching = "sla.approaching"
	EventTypeBreached    = "sla.breached"
)

// Event is an SLA event handed to OnEvent.
type Event struct {
	Kind     EventKind // EventApproaching or EventBreach
	TicketID int64
	PolicyID int64
	Metric   Metric
	BreachAt time.Time
}

// checkBatch bounds one transaction of the check.
const checkBatch = 200

// CheckBreaches records breaches up to now and approaching breaches up to
// now+approach (DefaultApproach when 0), returning how many of each. Only
// the system principal runs it.
func (s *Service) CheckBreaches(ctx context.Context, now time.Time, approach time.Duration) (breached, approaching int, err error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return 0, 0, err
	}
	if !p.System {
		return 0, 0, desk.Forbidden("Only the system checks SLA breaches")
	}
	if approach <= 0 {
		approach = DefaultApproach
	}
	for _, pass := range []struct {
		kind  EventKind
		col   string
		until time.Time
		n     *int
	}{
		{EventBreach, "breached_at", now, &breached},
		{EventApproaching, "warned_at", now.Add(approach), &approaching},
	} {
		for {
			n, err := s.checkOnce(ctx, pass.kind, pass.col, pass.until, now)
			*pass.n += n
			if err != nil {
				return breached, approaching, fmt.Errorf("sla: check breaches: %w", err)
			}
			if n < checkBatch {
				break
			}
		}
	}
	return breached, approaching, nil
}

// checkOnce handles one batch of running timers due for kind by until whose
// col is still unset.
func (s *Service) checkOnce(ctx context.Context, kind EventKind, col string, until, now time.Time) (int, error) {
	n := 0
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		n = 0
		rows, err := tx.Query(ctx, `SELECT ticket_id, `+timerColumns+` FROM ticket_slas
			WHERE stage = ? AND breach_at > 0 AND breach_at <= ? AND `+col+` = 0 ORDER BY breach_at LIMIT ?`,
			string(StageActive), until.UnixMicro(), checkBatch)
		if err != nil {
			return err
		}
		type due struct {
			id int64
			t  *timer
		}
		var list []due
		for rows.Next() {
			var id int64
			t, err := scanTimer(rowWithID{rows, &id})
			if err != nil {
				rows.Close()
				return err
			}
			list = append(list, due{id, t})
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, d := range list {
			at := now
			if kind == EventBreach {
				at = d.t.BreachAt
			}
			// A conditional update: another instance's run (or a ticket
			// change since the read) wins, and this one skips the timer.
			res, err := tx.Exec(ctx, `UPDATE ticket_slas SET `+col+` = ? WHERE ticket_id = ? AND metric = ? AND `+col+` = 0 AND breach_at = ? AND stage = ?`,
				micros(at), d.id, string(d.t.Metric), micros(d.t.BreachAt), string(StageActive))
			if err != nil {
				return err
			}
			if k, _ := res.RowsAffected(); k != 1 {
				continue
			}
			if err := recordEvents(ctx, tx, d.id, []recorded{{kind: kind, t: *d.t, at: at, breached: kind == EventBreach}}); err != nil {
				return err
			}
			ev := Event{Kind: kind, TicketID: d.id, PolicyID: d.t.PolicyID, Metric: d.t.Metric, BreachAt: d.t.BreachAt}
			if err := s.emit(ctx, tx, ev); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

func (s *Service) emit(ctx context.Context, tx *store.Tx, e Event) error {
	typ := EventTypeBreached
	if e.Kind == EventApproaching {
		typ = EventTypeApproaching
	}
	if err := s.Events.PublishTx(ctx, tx, events.Event{Type: typ, TicketID: e.TicketID, Data: map[string]string{
		"metric": string(e.Metric), "policy_id": strconv.FormatInt(e.PolicyID, 10), "breach_at": e.BreachAt.UTC().Format(time.RFC3339),
	}}); err != nil {
		return err
	}
	if s.OnEvent != nil {
		return s.OnEvent(ctx, tx, e)
	}
	return nil
}
