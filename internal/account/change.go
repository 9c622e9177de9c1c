package account

import (
	"context"
	"github.com/frontdesk/frontdesk/internal/audit"
	"strconv"

	"github.com/frontdesk/frontdesk/internal/auth"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
)

// MaxPasswordChecksPerUser bounds wrong current passwords given to
// ChangePassword per user within FailureWindow (a stolen session or API
// token must not become a password-guessing oracle).
const MaxPasswordChecksPerUser = 10

// ChangePassword sets the signed-in user's own password, for the web UI and
// the API alike. current must be their present password (re-authentication:
// a session or token alone cannot change it; a wrong one is
// desk.Invalid("previous_password", …), and beyond MaxPasswordChecksPerUser
// wrong ones in FailureWindow the answer is ErrThrottled). newPassword must
// meet the password policy of the user's role (desk.Invalid on "password"
// with a code per broken rule). The new password joins the history, and
// every session of the user ends except keep (the caller's own session
// token; "" ends them all, as for an API call).
func (s *Service) ChangePassword(ctx context.Context, current, newPassword, keep string) error {
	return s.changePassword(ctx, 0, current, newPassword, keep)
}

// ChangePasswordOf is ChangePassword for the API's PUT
// /users/{userID}/password: a user changes only their own password (an
// admin sets another's through the user update, which needs no current one).
func (s *Service) ChangePasswordOf(ctx context.Context, userID int64, current, newPassword string) error {
	return s.changePassword(ctx, userID, current, newPassword, "")
}

// changePassword changes the caller's password; userID, when not 0, is the
// account the caller named, which must be their own.
func (s *Service) changePassword(ctx context.Context, userID int64, current, newPassword, keep string) error {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return err
	}
	if p.System || p.UserID == 0 {
		return desk.Forbidden("Only a signed-in user can change their own password")
	}
	if userID != 0 && userID != p.UserID {
		return desk.Forbidden("You can only change your own password")
	}
	key := "user:" + strconv.FormatInt(p.UserID, 10)
	checks := s.throttles().passwordChecks
	if blocked, _ := checks.Blocked(key); blocked {
		return throttled()
	}
	u, err := s.People.GetUser(ctx, p.UserID)
	if err != nil {
		return wrapErr("change password", err)
	}
	if len(current) > maxSignInPassword {
		current = ""
	}
	if cu, err := s.People.CheckPassword(ctx, u.Email, current); err != nil || cu.ID != u.ID {
		if err != nil && desk.ErrorCode(err) != desk.EUNAUTHORIZED {
			return wrapErr("change password", err)
		}
		checks.Fail(key)
		return desk.Invalid("previous_password", "is incorrect")
	}
	checks.Success(key)
	if err := s.passwords().Check(ctx, s.DB, u.ID, u.Name, u.Email, newPassword, u.Role); err != nil {
		return err
	}
	hash, err := auth.HashPassword(newPassword)
	if err != nil {
		return wrapErr("change password", err)
	}
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		if err := s.People.SetPasswordTx(ctx, tx, u.ID, hash); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = ? AND token_hash <> ?`, u.ID, auth.HashToken(keep)); err != nil {
			return err
		}
		return audit.RecordTx(ctx, tx, audit.Entry{Action: AuditPasswordChanged, TargetType: "user", TargetID: u.ID})
	})
	return wrapErr("change password", err)
}
