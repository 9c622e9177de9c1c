package people

import (
	"context"
	"fmt"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
)

// MaxInactiveDays bounds the inactive-users look-back (ten years).
const MaxInactiveDays = 3650

// MaxBulkUsers is how many users one bulk update may name (Zendesk's 100).
const MaxBulkUsers = 100

// inactiveSQL selects live users who have not signed in for days (or,
// never having signed in, were created that long ago).
func inactiveSQL(days int, now time.Time) (string, []any, error) {
	if days < 1 || days > MaxInactiveDays {
		return "", nil, desk.Invalid("days", fmt.Sprintf("must be between 1 and %d", MaxInactiveDays))
	}
	cutoff := now.Add(-time.Duration(days) * 24 * time.Hour).UnixMicro()
	return ` WHERE u.active = ? AND (CASE WHEN u.last_login_at > 0 THEN u.last_login_at ELSE u.created_at END) < ?`,
		[]any{true, cutoff}, nil
}

// InactiveUsers lists, by id, the live users who have not signed in for
// days days (never-signed-in users count from their creation), and how many
// there are in all. Admins only: it is an account-hygiene report.
func (s *Service) InactiveUsers(ctx context.Context, days, limit, offset int) ([]*desk.User, int, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, 0, err
	}
	if !p.IsAdmin() {
		return nil, 0, desk.Forbidden("Only admins can list inactive users")
	}
	where, args, err := inactiveSQL(days, time.UnixMicro(store.Now()))
	if err != nil {
		return nil, 0, err
	}
	var n int
	if err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM users u`+where, args...).Scan(&n); err != nil {
		return nil, 0, err
	}
	page, pargs := pageArgs(limit, offset)
	us, err := queryUsers(ctx, s.DB, `SELECT `+userCols+` FROM users u`+where+` ORDER BY u.id`+page, append(args, pargs...)...)
	if err != nil {
		return nil, 0, err
	}
	return us, n, nil
}

// BulkResult is one user's outcome in a bulk update, shaped like the
// results of Zendesk's job statuses.
type BulkResult struct {
	Index   int    `json:"index"`
	ID      int64  `json:"id"`
	Action  string `json:"action"`
	Success bool   `json:"success"`
	Status  string `json:"status,omitempty"`
	Error   string `json:"error,omitempty"`
	Details string `json:"details,omitempty"`
}

// UpdateUsers applies one change to many users (admins only), each in its
// own transaction with every rule of UpdateUser (the owner stays
// unsuspendable, admins cannot suspend themselves, suspensions end
// sessions). One user's failure does not stop the others.
func (s *Service) UpdateUsers(ctx context.Context, ids []int64, in UserInput) ([]BulkResult, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	if !p.IsAdmin() {
		return nil, desk.Forbidden("Only admins can update users in bulk")
	}
	if len(ids) == 0 {
		return nil, desk.Invalid("ids", "is empty")
	}
	if len(ids) > MaxBulkUsers {
		return nil, desk.Errorf(desk.ETOOLARGE, "Too many ids (maximum is %d)", MaxBulkUsers)
	}
	out := make([]BulkResult, 0, len(ids))
	for i, id := range ids {
		r := BulkResult{Index: i, ID: id, Action: "update"}
		if _, err := s.UpdateUser(ctx, id, in); err != nil {
			if desk.ErrorCode(err) == desk.EINTERNAL {
				return nil, err
			}
			r.Error, r.Details = desk.ErrorCode(err), desk.ErrorMessage(err)
		} else {
			r.Success, r.Status = true, "Updated"
		}
		out = append(out, r)
	}
	return out, nil
}
