package bulk

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/jobs"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/store"
)

// Organization job kinds.
const (
	JobCreateOrgs  = "organizations.create_many"
	JobUpdateOrgs  = "organizations.update_many"
	JobDestroyOrgs = "organizations.destroy_many"
)

// OrgIDInput is one organization's own change in an update_many.
type OrgIDInput struct {
	ID    int64                    `json:"id"`
	Input people.OrganizationInput `json:"input"`
}

type orgPayload struct {
	StatusID  string                     `json:"status_id"`
	Principal desk.Principal             `json:"principal"`
	Create    []people.OrganizationInput `json:"create,omitempty"`
	IDs       []int64                    `json:"ids,omitempty"`
	Update    *people.OrganizationInput  `json:"update,omitempty"`
	Updates   []OrgIDInput               `json:"updates,omitempty"`
	Destroy   bool                       `json:"destroy,omitempty"`
}

func (s *Service) registerOrgs(r *jobs.Runner) {
	for _, k := range []string{JobCreateOrgs, JobUpdateOrgs, JobDestroyOrgs} {
		r.Handle(k, s.runOrgs)
	}
}

func (s *Service) enqueueOrgs(ctx context.Context, kind string, total int, p orgPayload) (*Status, error) {
	if s.People == nil {
		return nil, fmt.Errorf("bulk: no people service")
	}
	if err := s.People.AuthorizeBulkOrganizations(ctx, total); err != nil {
		return nil, err
	}
	raw, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	return s.enqueueRaw(ctx, kind, total, raw)
}

// CreateOrganizations queues organizations/create_many.
func (s *Service) CreateOrganizations(ctx context.Context, in []people.OrganizationInput) (*Status, error) {
	return s.enqueueOrgs(ctx, JobCreateOrgs, len(in), orgPayload{Create: in})
}

// UpdateOrganizations queues organizations/update_many: one change to ids,
// or (same nil) each entry's own change.
func (s *Service) UpdateOrganizations(ctx context.Context, ids []int64, same *people.OrganizationInput, each []OrgIDInput) (*Status, error) {
	if same != nil {
		return s.enqueueOrgs(ctx, JobUpdateOrgs, len(ids), orgPayload{IDs: ids, Update: same})
	}
	return s.enqueueOrgs(ctx, JobUpdateOrgs, len(each), orgPayload{Updates: each})
}

// DestroyOrganizations queues organizations/destroy_many.
func (s *Service) DestroyOrganizations(ctx context.Context, ids []int64) (*Status, error) {
	return s.enqueueOrgs(ctx, JobDestroyOrgs, len(ids), orgPayload{IDs: ids, Destroy: true})
}

func (s *Service) runOrgs(ctx context.Context, raw json.RawMessage) error {
	var p orgPayload
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
	switch {
	case p.Create != nil:
		for i, in := range p.Create {
			o, e := s.People.CreateOrganization(ctx, in)
			var id int64
			if o != nil {
				id = o.ID
			}
			if err = add(i, id, "create", "Created", e); err != nil {
				break
			}
		}
	case p.Destroy:
		for i, id := range p.IDs {
			if err = add(i, id, "delete", "Deleted", s.People.DeleteOrganization(ctx, id)); err != nil {
				break
			}
		}
	case p.Update != nil:
		for i, id := range p.IDs {
			_, e := s.People.UpdateOrganization(ctx, id, *p.Update)
			if err = add(i, id, "update", "Updated", e); err != nil {
				break
			}
		}
	default:
		for i, u := range p.Updates {
			_, e := s.People.UpdateOrganization(ctx, u.ID, u.Input)
			if err = add(i, u.ID, "update", "Updated", e); err != nil {
				break
			}
		}
	}
	if err != nil {
		return fmt.Errorf("bulk: organizations: %w", err)
	}
	return s.complete(ctx, p.StatusID, results)
}
