package rules

import (
	"context"
	"fmt"
	"strconv"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// activeTriggers returns the active triggers in run order, from a cache
// checked against the table on every call (count, newest change, highest
// id), so a change made by any instance is seen at once.
func (s *Service) activeTriggers(ctx context.Context, tx *store.Tx) ([]Rule, error) {
	var n, maxUpdated, maxID int64
	if err := tx.QueryRow(ctx, `SELECT COUNT(*), COALESCE(MAX(updated_at), 0), COALESCE(MAX(id), 0) FROM triggers`).Scan(&n, &maxUpdated, &maxID); err != nil {
		return nil, fmt.Errorf("rules: triggers: %w", err)
	}
	key := strconv.FormatInt(n, 10) + "/" + strconv.FormatInt(maxUpdated, 10) + "/" + strconv.FormatInt(maxID, 10)
	s.cacheMu.Lock()
	if s.cache.key == key {
		list := s.cache.list
		s.cacheMu.Unlock()
		return list, nil
	}
	s.cacheMu.Unlock()
	if n == 0 {
		return nil, nil
	}
	rows, err := tx.Query(ctx, `SELECT `+triggerCols+` FROM triggers WHERE active = ? ORDER BY position, id`, true)
	if err != nil {
		return nil, fmt.Errorf("rules: triggers: %w", err)
	}
	defer rows.Close()
	var list []Rule
	for rows.Next() {
		t, err := scanTrigger(rows)
		if err != nil {
			return nil, err
		}
		list = append(list, Rule{Ref: Ref{Kind: KindTrigger, ID: t.ID, Title: t.Title}, Conditions: t.Conditions, Actions: t.Actions})
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	s.cacheMu.Lock()
	s.cache = triggerCache{key: key, list: list}
	s.cacheMu.Unlock()
	return list, nil
}

// Stage is the ticket service's rule stage: it runs the active triggers on
// the change e holds (see RunTriggers) and returns their side effects.
func (s *Service) Stage(ctx context.Context, tx *store.Tx, e *ticket.Edit) ([]ticket.Hook, error) {
	list, err := s.activeTriggers(ctx, tx)
	if err != nil || len(list) == 0 {
		return nil, err
	}
	out, err := s.Rules.RunTriggers(ctx, tx, e, list, s.now(), s.Logger)
	if err != nil {
		return nil, err
	}
	return sideEffects(out), nil
}

// DryRunResult is one trigger a dry run tested.
type DryRunResult struct {
	Trigger *Trigger `json:"trigger"`
	Matches bool     `json:"matches"`
}

// DryRun says which active triggers' conditions hold for ticket id as it
// is stored now, as if the caller updated it without changing anything
// (so "changed" conditions do not hold). It changes nothing and does not
// follow the cascade of one trigger's actions into another's conditions.
func (s *Service) DryRun(ctx context.Context, ticketID int64) ([]DryRunResult, error) {
	p, err := requireManager(ctx)
	if err != nil {
		return nil, err
	}
	t, err := s.Tickets.Get(ctx, ticketID)
	if err != nil {
		return nil, err
	}
	active := true
	list, err := s.ListTriggers(ctx, TriggerFilter{Active: &active})
	if err != nil {
		return nil, err
	}
	var locale *string
	subj := &Subject{Change: &desk.TicketChange{Kind: desk.ChangeUpdate, TicketID: t.ID, Before: t, After: t, Via: p.Via, ActorID: p.UserID},
		Actor: p, Now: s.now(), RequesterLocale: func() string {
			if locale == nil {
				l := ""
				_ = s.DB.QueryRow(ctx, `SELECT locale FROM users WHERE id = ?`, t.RequesterID).Scan(&l)
				locale = &l
			}
			return *locale
		}}
	out := make([]DryRunResult, 0, len(list))
	for _, tr := range list {
		out = append(out, DryRunResult{Trigger: tr, Matches: s.Rules.Match(subj, tr.Conditions)})
	}
	return out, nil
}
