package bulk

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/frontdesk/frontdesk/internal/desk"
)

// MaxStatuses bounds the job_statuses list and show_many (Zendesk keeps job
// statuses briefly; a caller polls the few it started).
const MaxStatuses = 100

const statusCols = `id, user_id, status, total, progress, message, results, job_type`

type rowScanner interface{ Scan(dest ...any) error }

func scanStatus(r rowScanner) (*Status, int64, error) {
	var st Status
	var owner int64
	var results string
	if err := r.Scan(&st.ID, &owner, &st.Status, &st.Total, &st.Progress, &st.Message, &results, &st.JobType); err != nil {
		return nil, 0, err
	}
	_ = json.Unmarshal([]byte(results), &st.Results)
	if st.Results == nil {
		st.Results = []map[string]any{}
	}
	return &st, owner, nil
}

// MarshalJSON writes a job status as Zendesk does: progress is null until
// the job works, message is null until there is one, results are null
// until the job has finished, and job_type is null when unknown (statuses
// recorded before version 18 of the schema).
func (st Status) MarshalJSON() ([]byte, error) {
	var progress, message, results, jobType any
	if st.Status != "queued" {
		progress = st.Progress
	}
	if st.Message != "" {
		message = st.Message
	}
	if st.Status == "completed" || st.Status == "failed" {
		r := st.Results
		if r == nil {
			r = []map[string]any{}
		}
		results = r
	}
	if st.JobType != "" {
		jobType = st.JobType
	}
	var url any
	if st.URL != "" {
		url = st.URL
	}
	return json.Marshal(map[string]any{
		"id": st.ID, "url": url, "status": st.Status, "total": st.Total,
		"progress": progress, "message": message, "results": results, "job_type": jobType,
	})
}

// List returns the caller's job statuses, newest first (admins see every
// user's), at most MaxStatuses.
func (s *Service) List(ctx context.Context) ([]*Status, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	q := `SELECT ` + statusCols + ` FROM job_statuses`
	var args []any
	if !p.IsAdmin() {
		q += ` WHERE user_id = ?`
		args = append(args, p.UserID)
	}
	q += fmt.Sprintf(` ORDER BY created_at DESC, id DESC LIMIT %d`, MaxStatuses)
	return s.query(ctx, q, args...)
}

// ShowMany returns the job statuses among ids that the caller may see (its
// own; an admin's, all), in the order asked; unknown ids are left out.
func (s *Service) ShowMany(ctx context.Context, ids []string) ([]*Status, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, desk.Invalid("ids", "is empty")
	}
	if len(ids) > MaxStatuses {
		return nil, desk.Invalid("ids", fmt.Sprintf("at most %d ids per request", MaxStatuses))
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	q := `SELECT ` + statusCols + ` FROM job_statuses WHERE id IN (?` + strings.Repeat(`, ?`, len(ids)-1) + `)`
	if !p.IsAdmin() {
		q += ` AND user_id = ?`
		args = append(args, p.UserID)
	}
	found, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]*Status, len(found))
	for _, st := range found {
		byID[st.ID] = st
	}
	out := make([]*Status, 0, len(found))
	for _, id := range ids {
		if st, ok := byID[id]; ok {
			out = append(out, st)
			delete(byID, id)
		}
	}
	return out, nil
}

func (s *Service) query(ctx context.Context, q string, args ...any) ([]*Status, error) {
	rows, err := s.DB.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("bulk: job statuses: %w", err)
	}
	defer rows.Close()
	out := []*Status{}
	for rows.Next() {
		st, _, err := scanStatus(rows)
		if err != nil {
			return nil, fmt.Errorf("bulk: job statuses: %w", err)
		}
		out = append(out, st)
	}
	return out, rows.Err()
}
