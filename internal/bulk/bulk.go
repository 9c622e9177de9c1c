// Package bulk runs Zendesk's many-record operations (create_many,
// update_many, destroy_many) as durable background jobs and tracks them as
// job statuses, so a client's big import survives a restart midway and can
// be polled at /api/v2/job_statuses/{id}.
package bulk

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/frontdesk/frontdesk/internal/auth"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/jobs"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// Job kinds handled here.
const (
	JobCreateTickets  = "tickets.create_many"
	JobUpdateTickets  = "tickets.update_many"
	JobDestroyTickets = "tickets.destroy_many"
)

// MaxRecords is Zendesk's limit per bulk request.
const MaxRecords = 100

// Status is a job status as Zendesk shows it.
type Status struct {
	ID       string           `json:"id"`
	URL      string           `json:"url"`
	Status   string           `json:"status"` // queued, working, completed, failed
	Total    int              `json:"total"`
	Progress int              `json:"progress"`
	Message  string           `json:"message"`
	Results  []map[string]any `json:"results"`
	JobType  string           `json:"job_type"`
}

// Service enqueues bulk work and reports on it.
type Service struct {
	DB      *store.DB
	Tickets *ticket.Service
	People  *people.Service // users' bulk jobs
	OnJob   func()
}

// payload is what a bulk job carries: who asked (re-checked per record by
// the ticket service) and the records.
type payload struct {
	StatusID  string         `json:"status_id"`
	Principal desk.Principal `json:"principal"`
	Tickets   []ticket.Input `json:"tickets,omitempty"`
	IDs       []int64        `json:"ids,omitempty"`
	Update    *ticket.Input  `json:"update,omitempty"`
	Updates   []IDInput      `json:"updates,omitempty"`
}

type IDInput struct {
	ID    int64        `json:"id"`
	Input ticket.Input `json:"input"`
}

// Register installs the job handlers on r.
func (s *Service) Register(r *jobs.Runner) {
	r.Handle(JobCreateTickets, s.run)
	r.Handle(JobUpdateTickets, s.run)
	r.Handle(JobDestroyTickets, s.run)
	s.registerUsers(r)
	s.registerOrgs(r)
	s.registerOrgMemberships(r)
}

func (s *Service) enqueue(ctx context.Context, kind string, total int, p payload) (*Status, error) {
	if _, err := desk.RequirePrincipal(ctx); err != nil {
		return nil, err
	}
	if total == 0 {
		return nil, desk.Invalid("tickets", "is empty")
	}
	if total > MaxRecords {
		return nil, desk.Invalid("tickets", fmt.Sprintf("at most %d records per request", MaxRecords))
	}
	raw, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	return s.enqueueRaw(ctx, kind, total, raw)
}

// enqueueRaw records a queued job status and, in the same transaction,
// the durable job whose payload raw is (its status_id and principal are
// filled in here).
func (s *Service) enqueueRaw(ctx context.Context, kind string, total int, raw json.RawMessage) (*Status, error) {
	pr, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	id := auth.RandomString(12)
	m["status_id"], m["principal"] = id, pr
	now := store.Now()
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO job_statuses (id, user_id, status, total, job_type, created_at, updated_at) VALUES (?, ?, 'queued', ?, ?, ?, ?)`,
			id, pr.UserID, total, kind, now, now); err != nil {
			return err
		}
		return jobs.Enqueue(ctx, tx, kind, m)
	})
	if err != nil {
		return nil, fmt.Errorf("bulk: queue %s: %w", kind, err)
	}
	if s.OnJob != nil {
		s.OnJob()
	}
	return &Status{ID: id, Status: "queued", Total: total, JobType: kind, Results: []map[string]any{}}, nil
}

// complete records a job's results and marks it completed.
func (s *Service) complete(ctx context.Context, statusID string, results []map[string]any) error {
	b, _ := json.Marshal(results)
	_, err := s.DB.Exec(ctx, `UPDATE job_statuses SET status = 'completed', progress = total, message = ?, results = ?, updated_at = ? WHERE id = ?`,
		fmt.Sprintf("Completed at %s", desk.TimeFromMicros(store.Now()).Format("2006-01-02 15:04:05 UTC")), string(b), store.Now(), statusID)
	return err
}

// CreateTickets queues ticket creation.
func (s *Service) CreateTickets(ctx context.Context, in []ticket.Input) (*Status, error) {
	return s.enqueue(ctx, JobCreateTickets, len(in), payload{Tickets: in})
}

// UpdateTickets applies one change to many ids, or individual changes.
func (s *Service) UpdateTickets(ctx context.Context, ids []int64, same *ticket.Input, each []IDInput) (*Status, error) {
	if same != nil {
		return s.enqueue(ctx, JobUpdateTickets, len(ids), payload{IDs: ids, Update: same})
	}
	return s.enqueue(ctx, JobUpdateTickets, len(each), payload{Updates: each})
}

// UpdateEach builds per-ticket updates from Zendesk's {"tickets": [{id, …}]}.
func UpdateEach(ids []int64, ins []ticket.Input) []IDInput {
	out := make([]IDInput, len(ids))
	for i := range ids {
		out[i] = IDInput{ID: ids[i], Input: ins[i]}
	}
	return out
}

// DestroyTickets queues soft deletion.
func (s *Service) DestroyTickets(ctx context.Context, ids []int64) (*Status, error) {
	return s.enqueue(ctx, JobDestroyTickets, len(ids), payload{IDs: ids})
}

// Get returns a job status; users see only their own.
func (s *Service) Get(ctx context.Context, id string) (*Status, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	st, owner, err := scanStatus(s.DB.QueryRow(ctx, `SELECT `+statusCols+` FROM job_statuses WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && owner != p.UserID && !p.IsAdmin()) {
		return nil, desk.NotFound()
	}
	if err != nil {
		return nil, err
	}
	return st, nil
}

// run executes a bulk job. Results are saved once at the end; a crash
// before that re-runs the job, and the per-record results then reflect the
// retry (creates are not idempotent in Zendesk either).
func (s *Service) run(ctx context.Context, raw json.RawMessage) error {
	var p payload
	if err := json.Unmarshal(raw, &p); err != nil {
		if p.StatusID != "" {
			s.DB.Exec(ctx, `UPDATE job_statuses SET status = 'failed', message = ?, updated_at = ? WHERE id = ?`, "the job could not be read", store.Now(), p.StatusID)
		}
		return jobs.Permanent(err)
	}
	pr := p.Principal
	ctx = desk.WithPrincipal(ctx, &pr)
	s.DB.Exec(ctx, `UPDATE job_statuses SET status = 'working', updated_at = ? WHERE id = ?`, store.Now(), p.StatusID)
	var results []map[string]any
	fail := func(i int, id int64, err error) {
		r := map[string]any{"index": i, "success": false, "error": desk.ErrorCode(err), "details": desk.ErrorMessage(err)}
		if id != 0 {
			r["id"] = id
		}
		results = append(results, r)
	}
	switch {
	case p.Tickets != nil:
		for i, in := range p.Tickets {
			t, _, err := s.Tickets.Create(ctx, in)
			if err != nil {
				fail(i, 0, err)
				continue
			}
			results = append(results, map[string]any{"index": i, "id": t.ID, "success": true, "status": "Created"})
		}
	case p.Update != nil:
		for i, id := range p.IDs {
			if _, _, err := s.Tickets.Update(ctx, id, *p.Update); err != nil {
				fail(i, id, err)
				continue
			}
			results = append(results, map[string]any{"index": i, "id": id, "success": true, "status": "Updated"})
		}
	case p.Updates != nil:
		for i, u := range p.Updates {
			if _, _, err := s.Tickets.Update(ctx, u.ID, u.Input); err != nil {
				fail(i, u.ID, err)
				continue
			}
			results = append(results, map[string]any{"index": i, "id": u.ID, "success": true, "status": "Updated"})
		}
	default:
		for i, id := range p.IDs {
			if err := s.Tickets.Delete(ctx, id); err != nil {
				fail(i, id, err)
				continue
			}
			results = append(results, map[string]any{"index": i, "id": id, "success": true, "status": "Deleted"})
		}
	}
	return s.complete(ctx, p.StatusID, results)
}
