package retention

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/frontdesk/frontdesk/internal/audit"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/locale"
	"github.com/frontdesk/frontdesk/internal/outbox"
	"github.com/frontdesk/frontdesk/internal/store"
)

// runOrder is the order a run applies the kinds in: users first (whether a
// user has tickets is judged before this run deletes any, so a preview and
// the real run agree), then attachments before the tickets that hold them.
var runOrder = []Kind{KindInactiveEndUsers, KindTicketAttachments, KindClosedTickets, KindSuspendedTickets}

// PolicyResult is what one policy deleted (or would delete).
type PolicyResult struct {
	PolicyID int64 `json:"policy_id"`
	Kind     Kind  `json:"kind"`
	Days     int   `json:"days"`
	// Count is how many items went: tickets, attachment files, suspended
	// tickets or users, by kind.
	Count int64 `json:"count"`
	// Failed counts items whose deletion failed (real runs only); they are
	// tried again on the next run.
	Failed int64 `json:"failed"`
}

// Report sums up a run.
type Report struct {
	DryRun   bool           `json:"dry_run"`
	RanAt    desk.Time      `json:"ran_at"`
	Policies []PolicyResult `json:"policies"`
	// Totals is the count per kind over every policy.
	Totals map[Kind]int64 `json:"totals"`
	Failed int64          `json:"failed"`
}

// Deleted reports whether the run deleted (or would delete) anything.
func (r *Report) Deleted() bool {
	for _, n := range r.Totals {
		if n > 0 {
			return true
		}
	}
	return false
}

// Preview counts what a run would delete now, without deleting or
// recording anything (staff with manage_security).
func (s *Service) Preview(ctx context.Context) (*Report, error) {
	if _, err := requireManage(ctx); err != nil {
		return nil, err
	}
	return s.run(ctx, true)
}

// Run applies every active policy and records one audit-log entry with the
// counts (none when no policy is active). A dry run walks the same
// candidates and deletes nothing. The system (the daily job) and staff with
// manage_security may run; the deletions themselves are made as the system
// through the owning services, which is what lets them skip the deleted
// lists. A run cut short by an error still records what it deleted.
func (s *Service) Run(ctx context.Context, dryRun bool) (*Report, error) {
	if dryRun {
		if _, err := requireManage(ctx); err != nil {
			return nil, err
		}
	} else if err := requireChange(ctx); err != nil {
		return nil, err
	}
	rep, runErr := s.run(ctx, dryRun)
	if rep == nil || len(rep.Policies) == 0 {
		return rep, runErr // no active policy: nothing ran, nothing to record
	}
	// What was deleted is recorded even when the run was cancelled.
	ctx = context.WithoutCancel(ctx)
	data := map[string]any{"dry_run": dryRun, "totals": rep.Totals, "failed": rep.Failed, "policies": rep.Policies}
	if runErr != nil {
		data["cut_short"] = true
	}
	var to, loc string
	var err error
	if !dryRun && (rep.Deleted() || rep.Failed > 0) && s.Outbox != nil {
		if to, loc, err = s.recipient(ctx); err != nil {
			return rep, errors.Join(runErr, err)
		}
	}
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		if err := audit.RecordTx(ctx, tx, audit.Entry{Action: AuditRun, TargetType: "retention", Data: data}); err != nil {
			return err
		}
		if to == "" {
			return nil
		}
		return s.Outbox.AddTx(ctx, tx, summary(rep, to, loc))
	})
	if runErr != nil {
		return rep, errors.Join(runErr, err)
	}
	if err != nil {
		return rep, fmt.Errorf("retention: record run: %w", err)
	}
	return rep, nil
}

func (s *Service) pageSize() int {
	if s.PageSize > 0 {
		return s.PageSize
	}
	return 100
}

// run does the work of Preview and Run; ctx is authorized.
func (s *Service) run(ctx context.Context, dryRun bool) (*Report, error) {
	now := store.Now()
	rep := &Report{DryRun: dryRun, RanAt: desk.TimeFromMicros(now), Totals: map[Kind]int64{}}
	for _, k := range Kinds {
		rep.Totals[k] = 0
	}
	policies, err := listPolicies(ctx, s.DB, true)
	if err != nil {
		return nil, err
	}
	sys := desk.SystemContext(ctx)
	// done holds, per kind, what this run already took, so overlapping
	// policies count an item once in a dry run as in a real one.
	done := map[Kind]map[int64]bool{}
	for _, k := range runOrder {
		done[k] = map[int64]bool{}
		for _, p := range policies {
			if p.Kind != k {
				continue
			}
			res, err := s.runPolicy(ctx, sys, p, now-int64(p.Days)*Day, dryRun, done[k])
			rep.Policies = append(rep.Policies, res)
			rep.Totals[k] += res.Count
			rep.Failed += res.Failed
			if err != nil {
				return rep, fmt.Errorf("retention: policy %d (%s): %w", p.ID, p.Kind, err)
			}
			if err := ctx.Err(); err != nil {
				return rep, err
			}
		}
	}
	return rep, nil
}

// runPolicy walks p's candidates older than cutoff in pages of ids and
// deletes each through its owner (as sys), or only counts them.
func (s *Service) runPolicy(ctx, sys context.Context, p *Policy, cutoff int64, dryRun bool, done map[int64]bool) (PolicyResult, error) {
	res := PolicyResult{PolicyID: p.ID, Kind: p.Kind, Days: p.Days}
	var after int64
	for {
		ids, err := s.candidates(ctx, p, cutoff, after)
		if err != nil {
			return res, err
		}
		if len(ids) == 0 {
			return res, nil
		}
		after = ids[len(ids)-1]
		var todo []int64
		for _, id := range ids {
			if !done[id] {
				done[id] = true
				todo = append(todo, id)
			}
		}
		if len(todo) == 0 {
			continue
		}
		switch p.Kind {
		case KindSuspendedTickets:
			if dryRun {
				res.Count += int64(len(todo))
			} else if err := s.Suspended.DestroySuspended(sys, todo); err != nil {
				// One missing entry fails the batch: fall back to one by one.
				for _, id := range todo {
					if err := s.Suspended.DestroySuspended(sys, []int64{id}); err != nil {
						res.Failed += s.failed(p, id, err)
					} else {
						res.Count++
					}
				}
			} else {
				res.Count += int64(len(todo))
			}
		case KindTicketAttachments:
			for _, id := range todo {
				if dryRun {
					n, err := s.countAttachments(ctx, id)
					if err != nil {
						return res, err
					}
					res.Count += n
					continue
				}
				n, err := s.Tickets.PurgeAttachments(sys, id)
				res.Count += int64(n)
				if err != nil {
					res.Failed += s.failed(p, id, err)
				}
			}
		case KindClosedTickets:
			for _, id := range todo {
				if dryRun {
					res.Count++
				} else if err := s.Tickets.PermanentDelete(sys, id); err != nil {
					res.Failed += s.failed(p, id, err)
				} else {
					res.Count++
				}
			}
		case KindInactiveEndUsers:
			for _, id := range todo {
				if dryRun {
					res.Count++
				} else if err := s.eraseUser(sys, id); err != nil {
					res.Failed += s.failed(p, id, err)
				} else {
					res.Count++
				}
			}
		}
	}
}

// failed logs and counts a failed deletion, except of an item that is
// already gone.
func (s *Service) failed(p *Policy, id int64, err error) int64 {
	if desk.ErrorCode(err) == desk.ENOTFOUND {
		return 0
	}
	if s.Logger != nil {
		s.Logger.Warn("retention: deletion failed; tried again on the next run", "policy", p.ID, "kind", p.Kind, "id", id, "err", err)
	}
	return 1
}

// eraseUser deletes and then permanently deletes end-user id.
func (s *Service) eraseUser(sys context.Context, id int64) error {
	if _, err := s.People.DeleteUser(sys, id); err != nil {
		return err
	}
	_, err := s.People.PurgeUser(sys, id)
	return err
}

func (s *Service) countAttachments(ctx context.Context, ticketID int64) (int64, error) {
	var n int64
	err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM attachments WHERE ticket_id = ? AND comment_id IS NOT NULL`, ticketID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count attachments of ticket %d: %w", ticketID, err)
	}
	return n, nil
}

// candidates returns up to a page of ids after after that policy p would
// delete with the given cutoff, in id order.
func (s *Service) candidates(ctx context.Context, p *Policy, cutoff, after int64) ([]int64, error) {
	var q string
	args := []any{}
	switch p.Kind {
	case KindClosedTickets, KindTicketAttachments:
		// How long a ticket has been closed: status_updated_at is when its
		// status last changed (system changes such as purges and erasures
		// move updated_at, not this).
		q = `SELECT t.id FROM tickets t WHERE t.status = ? AND t.status_updated_at < ? AND t.id > ?`
		args = append(args, string(desk.StatusClosed), cutoff, after)
		if p.GroupID != 0 {
			q += ` AND t.group_id = ?`
			args = append(args, p.GroupID)
		}
		if p.Channel != "" {
			q += ` AND t.via_channel = ?`
			args = append(args, p.Channel)
		}
		if p.Tag != "" {
			q += ` AND EXISTS (SELECT 1 FROM ticket_tags g WHERE g.ticket_id = t.id AND g.tag = ?)`
			args = append(args, p.Tag)
		}
		if p.Kind == KindTicketAttachments {
			q += ` AND EXISTS (SELECT 1 FROM attachments a WHERE a.ticket_id = t.id AND a.comment_id IS NOT NULL)`
		}
		q += ` ORDER BY t.id`
	case KindSuspendedTickets:
		q = `SELECT id FROM suspended_tickets WHERE created_at < ? AND id > ? ORDER BY id`
		args = append(args, cutoff, after)
	case KindInactiveEndUsers:
		// No sign-in, change or creation since the cutoff, and no part in
		// any ticket (requester, submitter, comment author, CC).
		q = `SELECT u.id FROM users u WHERE u.role = ? AND u.purged_at = 0
			AND u.created_at < ? AND u.updated_at < ? AND u.last_login_at < ? AND u.id > ?
			AND NOT EXISTS (SELECT 1 FROM tickets t WHERE t.requester_id = u.id OR t.submitter_id = u.id)
			AND NOT EXISTS (SELECT 1 FROM ticket_comments c WHERE c.author_id = u.id)
			AND NOT EXISTS (SELECT 1 FROM ticket_collaborators tc WHERE tc.user_id = u.id)
			ORDER BY u.id`
		args = append(args, string(desk.RoleEndUser), cutoff, cutoff, cutoff, after)
	default:
		return nil, fmt.Errorf("unknown kind %q", p.Kind)
	}
	q += ` LIMIT ?`
	args = append(args, s.pageSize())
	rows, err := s.DB.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// MailKind is the outbox kind of a run's summary mail.
const MailKind = "retention_summary"

// recipient is who gets a run's summary: the security contact when one is
// set, else the account owner ("" when there is neither), and the owner's
// language.
func (s *Service) recipient(ctx context.Context) (to, loc string, err error) {
	sys := desk.SystemContext(ctx)
	owner, err := s.People.Owner(sys)
	if err != nil && desk.ErrorCode(err) != desk.ENOTFOUND {
		return "", "", fmt.Errorf("retention: account owner: %w", err)
	}
	if owner != nil {
		to, loc = owner.Email, owner.Locale
	}
	if s.Contact != nil {
		c, err := s.Contact(sys, s.DB)
		if err != nil {
			return "", "", fmt.Errorf("retention: security contact: %w", err)
		}
		if c != "" {
			to = c
		}
	}
	return to, loc, nil
}

// summary is the mail that sums up rep, in language loc.
func summary(rep *Report, to, loc string) outbox.Message {
	pr := locale.Default().Printer(loc, nil)
	var total int64
	lines := []string{pr.T("email.retention.body", "time", pr.Time(rep.RanAt.Time)), ""}
	for _, k := range Kinds {
		total += rep.Totals[k]
		lines = append(lines, pr.T("email.retention.line", "what", pr.T("email.retention.kind."+string(k)), "n", rep.Totals[k]))
	}
	if rep.Failed > 0 {
		lines = append(lines, "", pr.T("email.retention.failed", "n", rep.Failed))
	}
	lines = append(lines, "", pr.T("email.retention.footer"))
	return outbox.Message{To: to, Subject: pr.T("email.retention.subject", "n", total), Text: strings.Join(lines, "\n") + "\n",
		Kind: MailKind, AutoSubmitted: "auto-generated"}
}
