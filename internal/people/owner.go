package people

import (
	"context"
	"errors"
	"fmt"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/settings"
	"github.com/frontdesk/frontdesk/internal/store"
)

// The account owner is one admin, recorded in settings under
// desk.SettingOwner: the first admin created, until they hand the account
// to another admin. The owner sees every ticket (private groups included)
// and cannot be demoted, suspended or deleted by anyone, so the account can
// never be left without someone holding every key.

// claimOwnership makes userID the owner when there is none yet. The
// conditional insert keeps concurrent first admins from both winning. The
// first owner voids the first-run setup code (setup.go), whichever path
// created them (the setup page, the command line, the API).
func (s *Service) claimOwnership(ctx context.Context, tx *store.Tx, userID int64) error {
	won, err := settings.Owner.InitTx(ctx, s.settingsSvc(), tx, userID)
	if err != nil || !won {
		return err
	}
	return voidSetupCodeTx(ctx, s.settingsSvc(), tx)
}

// ownerID returns the owner's user ID, or 0 when there is none. It reads
// through q (the caller's transaction) so decisions are consistent with it.
func ownerID(ctx context.Context, q store.Querier) (int64, error) {
	return settings.Owner.Read(ctx, q)
}

func errOwnerProtected() error {
	return desk.Forbidden("The account owner cannot be demoted, suspended or deleted; transfer account ownership to another admin first")
}

// protectOwner refuses changes that would take the owner's powers away,
// and changes of the owner's credentials by anyone but the owner (or the
// system, the command line's recovery path): another admin who could set
// the owner's email or password could sign in as the owner and take the
// account.
func protectOwner(p *desk.Principal, cur *desk.User, changed map[string]bool) error {
	if !cur.IsOwner {
		return nil
	}
	if changed["role"] || changed["custom_role_id"] || (changed["suspended"] && !cur.Suspended) {
		return errOwnerProtected()
	}
	if !p.System && p.UserID != cur.ID && (changed["email"] || changed["password"]) {
		return errOwnerCredentials()
	}
	return nil
}

func errOwnerCredentials() error {
	return desk.Forbidden("Only the account owner can change the owner's sign-in details")
}

// isOwner reports whether userID is the account owner.
func isOwner(ctx context.Context, q store.Querier, userID int64) (bool, error) {
	id, err := ownerID(ctx, q)
	return err == nil && id != 0 && id == userID, err
}

// endSessions signs userID out of every web session, in the caller's
// transaction (after a role change, a suspension or a deletion). The
// sessions table belongs to package account, which installs EndSessionsTx;
// without it the change is refused rather than leaving sessions alive.
func (s *Service) endSessions(ctx context.Context, tx *store.Tx, userID int64) error {
	if s.EndSessionsTx == nil {
		return errors.New("people: no session service wired (EndSessionsTx); refusing a change that must end sessions")
	}
	if err := s.EndSessionsTx(ctx, tx, userID); err != nil {
		return fmt.Errorf("people: ending the sessions of user %d: %w", userID, err)
	}
	return nil
}

// Owner returns the account owner (staff only); NotFound when there is none
// yet (no admin has been created).
func (s *Service) Owner(ctx context.Context) (*desk.User, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	if !p.IsStaff() {
		return nil, desk.Forbidden("You are not allowed to see the account owner")
	}
	id, err := ownerID(ctx, s.DB)
	if err != nil {
		return nil, err
	}
	if id == 0 {
		return nil, desk.NotFound()
	}
	return loadUser(ctx, s.DB, id)
}

// TransferOwnership hands the account to userID, who must be an active,
// unsuspended admin. Only the current owner may do it (and the system, for
// the command line and accounts that have no owner yet).
func (s *Service) TransferOwnership(ctx context.Context, userID int64) (*desk.User, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	if !p.IsAdmin() {
		return nil, desk.Forbidden("Only the account owner can transfer account ownership")
	}
	var u *desk.User
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		cur, err := ownerID(ctx, tx)
		if err != nil {
			return err
		}
		if !p.System && (cur == 0 || cur != p.UserID) {
			return desk.Forbidden("Only the account owner can transfer account ownership")
		}
		target, err := loadUser(ctx, tx, userID)
		if desk.ErrorCode(err) == desk.ENOTFOUND {
			return desk.Invalid("user_id", "does not exist")
		}
		if err != nil {
			return err
		}
		if target.Role != desk.RoleAdmin || !target.Active || target.Suspended {
			return desk.Invalid("user_id", "must be an active admin")
		}
		if target.ID != cur {
			if err := settings.Owner.SetTx(ctx, s.settingsSvc(), tx, target.ID); err != nil {
				return err
			}
		}
		u, err = loadUser(ctx, tx, target.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}
