package people

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/frontdesk/frontdesk/internal/desk"
)

// Bulk user operations, as Zendesk's users/create_many,
// create_or_update_many, update_many and destroy_many.
const (
	BulkCreate         = "create"
	BulkCreateOrUpdate = "create_or_update"
	BulkUpdate         = "update"
	BulkDestroy        = "destroy"
)

// AuthorizeBulkUsers decides, before a bulk job is queued, whether the
// caller may run op on n users at all: the same gate as the single-user
// call (staff who may edit end-users create; admins update in bulk and
// delete). Each record is still checked by CreateUser, UpdateUser or
// DeleteUser when the job runs, so an agent's create_many cannot make an
// admin. Passwords are refused: a queued job is stored until it runs, and
// a password is never stored unhashed.
func (s *Service) AuthorizeBulkUsers(ctx context.Context, op string, n int, ins ...UserInput) error {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return err
	}
	switch op {
	case BulkCreate, BulkCreateOrUpdate:
		if !p.IsStaff() {
			return desk.Forbidden("You are not allowed to create users")
		}
		if !p.IsAdmin() && !p.Can().EditEndUsers {
			return desk.Forbidden("Your role does not allow editing end-users")
		}
	case BulkUpdate:
		if !p.IsAdmin() {
			return desk.Forbidden("Only admins can update users in bulk")
		}
	case BulkDestroy:
		if !p.IsAdmin() {
			return desk.Forbidden("You are not allowed to delete users")
		}
	default:
		return fmt.Errorf("people: unknown bulk operation %q", op)
	}
	if n == 0 {
		return desk.Invalid("users", "is empty")
	}
	if n > MaxBulkUsers {
		return desk.Errorf(desk.ETOOLARGE, "Too many users (maximum is %d)", MaxBulkUsers)
	}
	for _, in := range ins {
		if in.Password != nil {
			return desk.Invalid("password", "cannot be set in bulk (a queued job would store it unhashed)")
		}
	}
	return nil
}

// UserIDByExternalID finds the user the caller can see with exactly this
// external_id; NotFound otherwise.
func (s *Service) UserIDByExternalID(ctx context.Context, ext string) (int64, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return 0, err
	}
	if ext == "" {
		return 0, desk.NotFound()
	}
	vis, args := userVisibility(p)
	var id int64
	err = s.DB.QueryRow(ctx, `SELECT u.id FROM users u WHERE u.external_id = ?`+vis+` ORDER BY u.id LIMIT 1`,
		append([]any{ext}, args...)...).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, desk.NotFound()
	}
	if err != nil {
		return 0, fmt.Errorf("people: user by external_id: %w", err)
	}
	return id, nil
}
