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

// User job kinds.
const (
	JobCreateUsers         = "users.create_many"
	JobCreateOrUpdateUsers = "users.create_or_update_many"
	JobUpdateUsers         = "users.update_many"
	JobDestroyUsers        = "users.destroy_many"
)

// userPayload is what a bulk user job carries; each record is re-checked
// by the people service, as the principal, when the job runs.
type userPayload struct {
	StatusID    string             `json:"status_id"`
	Principal   desk.Principal     `json:"principal"`
	Op          string             `json:"op"`
	Users       []people.UserInput `json:"users,omitempty"`
	IDs         []int64            `json:"ids,omitempty"`
	ExternalIDs []string           `json:"external_ids,omitempty"`
	Update      *people.UserInput  `json:"update,omitempty"`
	Updates     []UserIDInput      `json:"updates,omitempty"`
}

// UserIDInput is one user's own change in an update_many.
type UserIDInput struct {
	ID    int64            `json:"id"`
	Input people.UserInput `json:"input"`
}

func (s *Service) registerUsers(r *jobs.Runner) {
	for _, k := range []string{JobCreateUsers, JobCreateOrUpdateUsers, JobUpdateUsers, JobDestroyUsers} {
		r.Handle(k, s.runUsers)
	}
}

func (s *Service) enqueueUsers(ctx context.Context, kind string, total int, p userPayload) (*Status, error) {
	if s.People == nil {
		return nil, fmt.Errorf("bulk: no people service")
	}
	ins := append([]people.UserInput(nil), p.Users...)
	if p.Update != nil {
		ins = append(ins, *p.Update)
	}
	for _, u := range p.Updates {
		ins = append(ins, u.Input)
	}
	if err := s.People.AuthorizeBulkUsers(ctx, p.Op, total, ins...); err != nil {
		return nil, err
	}
	raw, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	return s.enqueueRaw(ctx, kind, total, raw)
}

// CreateUsers queues users/create_many.
func (s *Service) CreateUsers(ctx context.Context, in []people.UserInput) (*Status, error) {
	return s.enqueueUsers(ctx, JobCreateUsers, len(in), userPayload{Op: people.BulkCreate, Users: in})
}

// CreateOrUpdateUsers queues users/create_or_update_many.
func (s *Service) CreateOrUpdateUsers(ctx context.Context, in []people.UserInput) (*Status, error) {
	return s.enqueueUsers(ctx, JobCreateOrUpdateUsers, len(in), userPayload{Op: people.BulkCreateOrUpdate, Users: in})
}

// UpdateUsers queues users/update_many: one change to users named by ids
// or by external_ids.
func (s *Service) UpdateUsers(ctx context.Context, ids []int64, externalIDs []string, in people.UserInput) (*Status, error) {
	return s.enqueueUsers(ctx, JobUpdateUsers, len(ids)+len(externalIDs),
		userPayload{Op: people.BulkUpdate, IDs: ids, ExternalIDs: externalIDs, Update: &in})
}

// UpdateEachUser queues users/update_many in its list form: each entry its
// own change.
func (s *Service) UpdateEachUser(ctx context.Context, each []UserIDInput) (*Status, error) {
	return s.enqueueUsers(ctx, JobUpdateUsers, len(each), userPayload{Op: people.BulkUpdate, Updates: each})
}

// DestroyUsers queues users/destroy_many.
func (s *Service) DestroyUsers(ctx context.Context, ids []int64) (*Status, error) {
	return s.enqueueUsers(ctx, JobDestroyUsers, len(ids), userPayload{Op: people.BulkDestroy, IDs: ids})
}

func (s *Service) runUsers(ctx context.Context, raw json.RawMessage) error {
	var p userPayload
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
	add := func(i int, id int64, action, status string, err error) {
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
	}
	switch p.Op {
	case people.BulkCreate:
		for i, in := range p.Users {
			u, err := s.People.CreateUser(ctx, in)
			var id int64
			if u != nil {
				id = u.ID
			}
			add(i, id, "create", "Created", err)
		}
	case people.BulkCreateOrUpdate:
		for i, in := range p.Users {
			u, created, err := s.People.CreateOrUpdateUser(ctx, in)
			var id int64
			if u != nil {
				id = u.ID
			}
			action, status := "update", "Updated"
			if created {
				action, status = "create", "Created"
			}
			add(i, id, action, status, err)
		}
	case people.BulkUpdate:
		i := 0
		for _, u := range p.Updates {
			_, err := s.People.UpdateUser(ctx, u.ID, u.Input)
			add(i, u.ID, "update", "Updated", err)
			i++
		}
		for _, id := range p.IDs {
			_, err := s.People.UpdateUser(ctx, id, *p.Update)
			add(i, id, "update", "Updated", err)
			i++
		}
		for _, ext := range p.ExternalIDs {
			id, err := s.People.UserIDByExternalID(ctx, ext)
			if err == nil {
				_, err = s.People.UpdateUser(ctx, id, *p.Update)
			}
			add(i, id, "update", "Updated", err)
			results[len(results)-1]["external_id"] = ext
			i++
		}
	case people.BulkDestroy:
		for i, id := range p.IDs {
			_, err := s.People.DeleteUser(ctx, id)
			add(i, id, "delete", "Deleted", err)
		}
	}
	for _, r := range results {
		if r["error"] == desk.EINTERNAL {
			// A store failure: let the runner retry the job.
			return fmt.Errorf("bulk: %s: %s", p.Op, r["details"])
		}
	}
	return s.complete(ctx, p.StatusID, results)
}
