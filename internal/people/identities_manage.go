package people

import (
	"context"
	"fmt"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/events"
	"github.com/frontdesk/frontdesk/internal/store"
)

// Managing a user's identities (Zendesk's update, delete, make_primary and
// verify). The rule that matters: a user's primary email is where password
// resets go, so it may only ever point at an address its owner proved (or
// an admin vouched for). An address that changes becomes unverified, and
// only a verified address may become primary.

// IdentityChange is the writable part of an identity (nil: leave as is).
type IdentityChange struct {
	Value    *string
	Verified *bool
}

// checkPrimaryEmailChange refuses to point someone else's primary email
// (where password resets go) at an address the user has not proved,
// unless the caller is an admin: an agent who could would take over the
// account with a reset. What the request says about verification does not
// count; only the user's verified identities do. The address may become
// primary once verified (make_primary).
func (s *Service) checkPrimaryEmailChange(ctx context.Context, tx *store.Tx, p *desk.Principal, cur *desk.User, changed map[string]bool, email string) error {
	self := !p.System && p.UserID == cur.ID
	if !changed["email"] || p.IsAdmin() || self {
		return nil
	}
	verified, err := identityVerified(ctx, tx, cur.ID, email)
	if err != nil || verified {
		return err
	}
	return desk.Forbidden("Only admins can change a user's primary email to an unverified address; add it as an identity and let the user verify it")
}

// identityTx loads identity identID of user userID for a change by p: p
// must see the user and may change identities of them (admins anyone's,
// staff with edit_end_users an end-user's); an email of the account owner
// is the owner's alone.
func identityTx(ctx context.Context, tx *store.Tx, p *desk.Principal, userID, identID int64) (*desk.User, desk.Identity, error) {
	u, err := visibleUser(ctx, tx, p, userID)
	if err != nil {
		return nil, desk.Identity{}, err
	}
	ident, err := scanIdentity(tx.QueryRow(ctx, `SELECT `+identityCols+` FROM user_identities WHERE id = ? AND user_id = ?`, identID, userID))
	if isNoRows(err) {
		return nil, desk.Identity{}, desk.NotFound()
	}
	if err != nil {
		return nil, desk.Identity{}, err
	}
	if !p.IsAdmin() && !(p.IsStaff() && u.Role == desk.RoleEndUser && p.Can().EditEndUsers) {
		return nil, desk.Identity{}, desk.Forbidden("You are not allowed to change identities of this user")
	}
	if u.IsOwner && !p.System && p.UserID != u.ID && ident.Type == IdentityEmail {
		return nil, desk.Identity{}, errOwnerCredentials()
	}
	return u, ident, nil
}

// normalizeIdentityValue validates value for an identity of type typ.
func normalizeIdentityValue(typ, value string) (string, error) {
	switch typ {
	case IdentityEmail:
		v, err := NormalizeEmail(value)
		if err != nil {
			return "", desk.Invalid("value", "is not a valid email address")
		}
		return v, nil
	case IdentityPhone:
		v, ok := normalizePhone(value)
		if !ok {
			return "", desk.Invalid("value", "is not a valid phone number")
		}
		return v, nil
	}
	return "", desk.Invalid("type", "must be email or phone_number")
}

// identityTaken reports whether another user (or another identity) holds
// value as an identity of type typ.
func identityTaken(ctx context.Context, q store.Querier, identID, userID int64, typ, value string) (bool, error) {
	taken, err := exists(ctx, q, `SELECT COUNT(*) FROM user_identities WHERE type = ? AND value = ? AND id <> ?`, typ, value, identID)
	if err != nil || taken || typ != IdentityEmail {
		return taken, err
	}
	return exists(ctx, q, `SELECT COUNT(*) FROM users WHERE email = ? AND id <> ?`, value, userID)
}

// UpdateIdentity changes an identity's value (which makes it unverified,
// unless an admin says otherwise in the same request) or its verified flag
// (admins only may set it). Staff other than admins cannot change the
// value of a primary email: that would send the user's password resets to
// an address nobody proved; they add the address and the user verifies it.
func (s *Service) UpdateIdentity(ctx context.Context, userID, identID int64, in IdentityChange) (*desk.Identity, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	if in.Verified != nil && *in.Verified && !p.IsAdmin() {
		return nil, errVerifiedByAdmins()
	}
	var out desk.Identity
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		_, cur, err := identityTx(ctx, tx, p, userID, identID)
		if err != nil {
			return err
		}
		next := cur
		if in.Value != nil {
			if next.Value, err = normalizeIdentityValue(cur.Type, *in.Value); err != nil {
				return err
			}
		}
		if next.Value != cur.Value {
			if cur.Primary && cur.Type == IdentityEmail && !p.IsAdmin() {
				return desk.Forbidden("Only admins can change a primary email address; add the new address and let the user verify it")
			}
			taken, err := identityTaken(ctx, tx, identID, userID, cur.Type, next.Value)
			if err != nil {
				return err
			}
			if taken {
				return desk.Invalid("value", "is already being used by another user")
			}
			next.Verified = false
		}
		if in.Verified != nil {
			next.Verified = *in.Verified
		}
		if next.Value == cur.Value && next.Verified == cur.Verified {
			out = cur
			return nil
		}
		if err := s.writeIdentityTx(ctx, tx, next); err != nil {
			return err
		}
		out, err = scanIdentity(tx.QueryRow(ctx, `SELECT `+identityCols+` FROM user_identities WHERE id = ?`, identID))
		return err
	})
	if err != nil {
		return nil, mapErr(err, "value")
	}
	return &out, nil
}

// writeIdentityTx stores ident's value and verified flag, mirrors a
// primary email on the user row, and refreshes the search document.
func (s *Service) writeIdentityTx(ctx context.Context, tx *store.Tx, ident desk.Identity) error {
	now := store.Now()
	if _, err := tx.Exec(ctx, `UPDATE user_identities SET value = ?, verified = ?, updated_at = ? WHERE id = ?`,
		ident.Value, ident.Verified, now, ident.ID); err != nil {
		return err
	}
	if ident.Primary && ident.Type == IdentityEmail {
		if _, err := tx.Exec(ctx, `UPDATE users SET email = ?, verified = ?, updated_at = ? WHERE id = ?`,
			ident.Value, ident.Verified, now, ident.UserID); err != nil {
			return err
		}
	}
	if err := refreshUserSearch(ctx, tx, ident.UserID); err != nil {
		return err
	}
	return s.changedTx(ctx, tx, events.Event{Type: events.UserUpdated, UserID: ident.UserID})
}

// DeleteIdentity removes an identity that is neither the user's primary
// one nor their last one.
func (s *Service) DeleteIdentity(ctx context.Context, userID, identID int64) error {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return err
	}
	return errIdentity("delete", userID, s.DB.InTx(ctx, func(tx *store.Tx) error {
		_, cur, err := identityTx(ctx, tx, p, userID, identID)
		if err != nil {
			return err
		}
		if cur.Primary {
			return desk.Invalid("identity", "is the primary identity; make another one primary first")
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM user_identities WHERE user_id = ?`, userID).Scan(&n); err != nil {
			return err
		}
		if n <= 1 {
			return desk.Invalid("identity", "is the user's last identity")
		}
		if _, err := tx.Exec(ctx, `DELETE FROM user_identities WHERE id = ?`, identID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET updated_at = ? WHERE id = ?`, store.Now(), userID); err != nil {
			return err
		}
		if err := refreshUserSearch(ctx, tx, userID); err != nil {
			return err
		}
		return s.changedTx(ctx, tx, events.Event{Type: events.UserUpdated, UserID: userID})
	}))
}

// MakePrimaryIdentity makes an identity the primary one of its type and
// returns the user's identities. Only a verified email may become the
// primary email (it is where password resets go).
func (s *Service) MakePrimaryIdentity(ctx context.Context, userID, identID int64) ([]desk.Identity, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		_, cur, err := identityTx(ctx, tx, p, userID, identID)
		if err != nil {
			return err
		}
		if cur.Primary {
			return nil
		}
		now := store.Now()
		switch cur.Type {
		case IdentityEmail:
			if !cur.Verified {
				return desk.Invalid("identity", "must be verified before it can become the primary email")
			}
			if err := makePrimaryEmail(ctx, tx, userID, cur.Value, true, now); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE users SET email = ?, verified = ?, updated_at = ? WHERE id = ?`,
				cur.Value, true, now, userID); err != nil {
				return err
			}
		default:
			if _, err := tx.Exec(ctx, `UPDATE user_identities SET is_primary = ?, updated_at = ? WHERE user_id = ? AND type = ? AND id <> ? AND is_primary = ?`,
				false, now, userID, cur.Type, identID, true); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE user_identities SET is_primary = ?, updated_at = ? WHERE id = ?`, true, now, identID); err != nil {
				return err
			}
		}
		if err := refreshUserSearch(ctx, tx, userID); err != nil {
			return err
		}
		return s.changedTx(ctx, tx, events.Event{Type: events.UserUpdated, UserID: userID})
	})
	if err != nil {
		return nil, errIdentity("make primary", userID, err)
	}
	return s.Identities(ctx, userID)
}

// VerifyIdentity marks an identity verified (admins only: anyone else must
// prove the address by following the emailed link).
func (s *Service) VerifyIdentity(ctx context.Context, userID, identID int64) (*desk.Identity, error) {
	verified := true
	return s.UpdateIdentity(ctx, userID, identID, IdentityChange{Verified: &verified})
}

// IdentityForVerificationTx loads an unverified email identity that p may
// ask its owner to verify (the account service sends the link). It fails
// for other types and for verified or unknown identities.
func IdentityForVerificationTx(ctx context.Context, tx *store.Tx, p *desk.Principal, userID, identID int64) (desk.Identity, error) {
	u, ident, err := identityTx(ctx, tx, p, userID, identID)
	if err != nil {
		return desk.Identity{}, err
	}
	switch {
	case !u.Active || u.Suspended:
		return desk.Identity{}, desk.Invalid("user", "is deleted or suspended")
	case ident.Type != IdentityEmail:
		return desk.Identity{}, desk.Invalid("identity", "only email addresses can be verified by email")
	case ident.Verified:
		return desk.Identity{}, desk.Invalid("identity", "is already verified")
	}
	return ident, nil
}

// errIdentity wraps store errors of identity changes with their context.
func errIdentity(op string, userID int64, err error) error {
	if err == nil {
		return nil
	}
	if _, ok := err.(*desk.Error); ok {
		return err
	}
	return fmt.Errorf("people: %s identity of user %d: %w", op, userID, err)
}
