package account

import (
	"context"
	"fmt"
	"github.com/frontdesk/frontdesk/internal/store"

	"github.com/frontdesk/frontdesk/internal/desk"
)

// UserSession returns one live session of userID (Zendesk's GET
// /users/{id}/sessions/{id}): the user's own, or anyone's for admins. A
// session of another user, or an expired one, is NotFound.
func (s *Service) UserSession(ctx context.Context, userID, id int64) (*Session, error) {
	list, err := s.Sessions(ctx, userID)
	if err != nil {
		return nil, err
	}
	for i := range list {
		if list[i].ID == id {
			return &list[i], nil
		}
	}
	return nil, desk.NotFound()
}

// RevokeUserSession ends session id of userID (the caller's own, or
// anyone's for admins); a session of another user is NotFound.
func (s *Service) RevokeUserSession(ctx context.Context, userID, id int64) error {
	if _, err := requireSelfOrAdmin(ctx, userID); err != nil {
		return err
	}
	err := s.DB.InTx(ctx, func(tx *store.Tx) error { return revokedTx(ctx, tx, userID, id) })
	if err != nil && desk.ErrorCode(err) != desk.ENOTFOUND {
		return fmt.Errorf("account: revoke session %d of user %d: %w", id, userID, err)
	}
	return err
}
