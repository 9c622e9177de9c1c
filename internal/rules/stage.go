package rules

import (
	"context"
	"fmt"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// activeTriggers returns the active triggers in run order, from a cache
// kept while the configuration epoch stays the same: a change to the
// triggers or their categories, made by any instance, moves the epoch in
// its own transaction, so the next ticket change reads them again.
func (s *Service) activeTriggers(ctx context.Context, tx *store.Tx) ([]Rule, error) {
	return s.triggers.Get(ctx, tx, func() ([]Rule, error) {
		// Zendesk's run order: categories in their order (triggers without
		// one last), and within a category the triggers' own order — the
		// order the admin page shows them in.
		rows, err := tx.Query(ctx, `SELECT `+triggerCols+` FROM triggers WHERE active = ?
		ORDER BY COALESCE((SELECT c.position FROM trigger_categories c WHERE c.id = triggers.category_id), 2147483647), position, id`, true)
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
		return list, rows.Err()
	})
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

// DryRunResult is one active trigger in a dry run: whether its conditions
// held on the first pass (Matches), whether it fired, and in which pass
// (1-based; 0 when it did not fire).
type DryRunResult struct {
	Trigger *Trigger `json:"trigger"`
	Matches bool     `json:"matches"`
	Fired   bool     `json:"fired"`
	Pass    int      `json:"pass,omitempty"`
}

// DryRunPass is one pass of a dry run: the triggers that fired in it.
type DryRunPass struct {
	Pass     int   `json:"pass"`
	Triggers []Ref `json:"triggers"`
}

// DryRun is what the active triggers would do to a ticket.
type DryRun struct {
	TicketID int64          `json:"ticket_id"`
	Results  []DryRunResult `json:"results"`
	Passes   []DryRunPass   `json:"passes"`
	// Failed lists triggers whose actions could not apply.
	Failed []Failure `json:"failed"`
	// Looped is set when the triggers would keep firing past MaxPasses;
	// Loop names them and Error is the loop's message, as the real run
	// records them.
	Looped bool   `json:"looped"`
	Loop   []Ref  `json:"loop,omitempty"`
	Error  string `json:"error,omitempty"`
	// Ticket is the ticket with every fired trigger's changes applied
	// (nothing is stored).
	Ticket *desk.Ticket `json:"ticket"`
}

// DryRun says what the active triggers would do if the caller updated
// ticket ticketID without changing anything: the same engine run as a real
// update (RunTriggers: pass after pass until none fires, each trigger at
// most once, stopped after MaxPasses), with the actions applied to the
// ticket in a transaction that is rolled back, so nothing is stored and no
// side effect (mail, webhook) is queued. "changed" conditions hold only
// for what earlier triggers in the run changed.
func (s *Service) DryRun(ctx context.Context, ticketID int64) (*DryRun, error) {
	if _, err := requireManager(ctx); err != nil {
		return nil, err
	}
	var (
		list  []Rule
		out   *Outcome
		first []bool
	)
	final, err := s.Tickets.PreviewRules(ctx, ticketID, func(ctx context.Context, tx *store.Tx, e *ticket.Edit) error {
		var err error
		if list, err = s.activeTriggers(ctx, tx); err != nil {
			return err
		}
		first = firstPassMatches(ctx, tx, s.Rules, e, list, s.now())
		out, err = s.Rules.RunTriggers(ctx, tx, e, list, s.now(), nil)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("rules: dry run on ticket %d: %w", ticketID, err)
	}
	res := &DryRun{TicketID: ticketID, Results: make([]DryRunResult, 0, len(list)), Passes: []DryRunPass{}, Failed: out.Failed,
		Looped: out.Looped, Loop: out.Loop, Ticket: final}
	if res.Failed == nil {
		res.Failed = []Failure{}
	}
	firedIn := map[int64]int{}
	for i, p := range out.Passes {
		res.Passes = append(res.Passes, DryRunPass{Pass: i + 1, Triggers: p})
		for _, ref := range p {
			firedIn[ref.ID] = i + 1
		}
	}
	if out.Looped {
		titles := make([]string, len(out.Loop))
		for i, ref := range out.Loop {
			titles[i] = ref.Title
		}
		res.Error = LoopMessage(MaxPasses, titles)
	}
	all, err := s.ListTriggers(ctx, TriggerFilter{})
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]*Trigger, len(all))
	for _, t := range all {
		byID[t.ID] = t
	}
	for i, r := range list {
		t := byID[r.ID]
		if t == nil { // deleted meanwhile
			continue
		}
		res.Results = append(res.Results, DryRunResult{Trigger: t, Matches: first[i], Fired: firedIn[r.ID] > 0, Pass: firedIn[r.ID]})
	}
	return res, nil
}

// firstPassMatches says, for each rule, whether its conditions hold on the
// change e holds before any trigger runs.
func firstPassMatches(ctx context.Context, tx *store.Tx, reg *Registry, e *ticket.Edit, list []Rule, now time.Time) []bool {
	s := editSubject(ctx, tx, e, now, nil)
	s.Change = e.Change()
	out := make([]bool, len(list))
	for i, r := range list {
		out[i] = reg.Match(s, r.Conditions)
	}
	return out
}
