package bulk

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/jobs"
	"github.com/frontdesk/frontdesk/internal/store"
)

// Organization membership job kinds.
const (
	JobCreateOrgMemberships  = "organization_memberships.create_many"
	JobDestroyOrgMemberships = "organization_memberships.destroy_many"
)

// OrgMembershipInput is one membership of an organization_memberships/create_many.
type OrgMembershipInput struct {
	UserID         int64 `json:"user_id"`
	OrganizationID int64 `json:"organization_id"`
	Default        bool  `json:"default,omitempty"`
}

type orgMembershipPayload struct {
	StatusID  string               `json:"status_id"`
	Principal desk.Principal       `json:"principal"`
	Create    []OrgMembershipInput `json:"create,omitempty"`
	IDs       []int64              `json:"ids,omitempty"`
}

func (s *Service) registerOrgMemberships(r *jobs.Runner) {
	r.Handle(JobCreateOrgMemberships, s.runOrgMemberships)
	r.Handle(JobDestroyOrgMemberships, s.runOrgMemberships)
}

func (s *Service) enqueueOrgMemberships(ctx context.Context, kind string, total int, p orgMembershipPayload) (*Status, error) {
	if s.People == nil {
		return nil, fmt.Errorf("bulk: no people service")
	}
	if err := s.People.AuthorizeBulkOrgMemberships(ctx, total); err != nil {
		return nil, err
	}
	raw, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	return s.enqueueRaw(ctx, kind, total, raw)
}

// CreateOrgMemberships queues organization_memberships/create_many.
func (s *Service) CreateOrgMemberships(ctx context.Context, in []OrgMembershipInput) (*Status, error) {
	return s.enqueueOrgMemberships(ctx, JobCreateOrgMemberships, len(in), orgMembershipPayload{Create: in})
}

// DestroyOrgMemberships queues organization_memberships/destroy_many.
func (s *Service) DestroyOrgMemberships(ctx context.Context, ids []int64) (*Status, error) {
	return s.enqueueOrgMemberships(ctx, JobDestroyOrgMemberships, len(ids), orgMembershipPayload{IDs: ids})
}

// runOrgMemberships runs one job, each record through the people service
// as the principal who queued it.
func (s *Service) runOrgMemberships(ctx context.Context, raw json.RawMessage) error {
	var p orgMembershipPayload
	if err := json.Unmarshal(raw, &p); err != nil {
		if p.StatusID != "" {
			s.DB.Exec(ctx, `UPDATE job_statuses SET status = 'failed', message = ?, updated_at = ? WHERE id = ?`, "the job could not be read", store.Now(), p.StatusID)
		}
		return jobs.Permanent(err)
	}
	pr := p.Principal
	ctx = desk.WithPrincipal(ctx, &pr)
	s.DB.Exec(ctx, `UPDATE job_statuses SET status = 'working', updated_at = ? WHERE id = ?`, store.Now(), p.StatusID)
	results := []map[string]any{}
	add := func(i int, id int64, action, status string, err error) error {
		if desk.ErrorCode(err) == desk.EINTERNAL {
			return err // a store failure: the runner retries the job
		}
		r := map[string]any{"index": i, "action": action}
		if id != 0 {
			r["id"] = id
		}
		if err != nil {
			r["success"], r["error"], r["details"] = false, desk.ErrorCode(err), desk.ErrorMessage(err)
		} else {
			r["success"], r["status"] = true, status
		}
		results = append(results, r)
		return nil
	}
	var err error
	if p.Create != nil {
		for i, in := range p.Create {
			m, e := s.People.CreateOrgMembership(ctx, in.UserID, in.OrganizationID, in.Default)
			var id int64
			if m != nil {
				id = m.ID
			}
			if err = add(i, id, "create", "Created", e); err != nil {
				break
			}
		}
	} else {
		for i, id := range p.IDs {
			if err = add(i, id, "delete", "Deleted", s.People.DeleteOrgMembership(ctx, id)); err != nil {
				break
			}
		}
	}
	if err != nil {
		return fmt.Errorf("bulk: organization memberships: %w", err)
	}
	return s.complete(ctx, p.StatusID, results)
}
