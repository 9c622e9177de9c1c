package people

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"fmt"
	"strings"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/settings"
	"github.com/frontdesk/frontdesk/internal/store"
)

// First run. A fresh help desk has no administrator, so nobody can sign in
// to the agent workspace. `frontdesk serve` then calls NewSetupCode and
// prints the code in its log; whoever can read the log (the operator, not a
// stranger who found the public URL) enters it on the setup page, which
// calls SetupOwner to create the first admin — the account owner. Only the
// code's SHA-256 is stored (settings.SetupCode). The code is void as soon
// as an owner exists, however they were created (claimOwnership clears it).

// setupCodeBytes is the code's entropy: 160 bits.
const setupCodeBytes = 20

var setupEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// SetupOpen reports whether the account still needs its first admin: no
// owner and no admin exists. Anyone may ask (the sign-in page does).
func (s *Service) SetupOpen(ctx context.Context) (bool, error) {
	// Once set, the owner is never unset: the cached read answers every
	// later call without touching the users table.
	id, err := settings.Owner.Get(ctx, s.settingsSvc())
	if err != nil || id != 0 {
		return false, err
	}
	return noAdmin(ctx, s.DB)
}

func noAdmin(ctx context.Context, q store.Querier) (bool, error) {
	var n int
	if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM users WHERE role = ?`, string(desk.RoleAdmin)).Scan(&n); err != nil {
		return false, fmt.Errorf("people: counting admins: %w", err)
	}
	return n == 0, nil
}

// NewSetupCode makes a new one-time setup code, replacing any earlier one,
// and returns it for the operator (system principal only: the server at
// start). It returns "" when the account already has an admin.
func (s *Service) NewSetupCode(ctx context.Context) (string, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return "", err
	}
	if !p.System {
		return "", desk.Forbidden("Only the server makes setup codes")
	}
	raw := make([]byte, setupCodeBytes)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("people: setup code: %w", err)
	}
	enc := setupEncoding.EncodeToString(raw) // 32 characters
	var groups []string
	for i := 0; i < len(enc); i += 4 {
		groups = append(groups, enc[i:i+4])
	}
	code := strings.Join(groups, "-")
	open := false
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		id, err := settings.Owner.Read(ctx, tx)
		if err != nil || id != 0 {
			return err
		}
		if open, err = noAdmin(ctx, tx); err != nil || !open {
			return err
		}
		sum := setupHash(code)
		return settings.SetupCode.SetTx(ctx, s.settingsSvc(), tx, sum[:])
	})
	if err != nil {
		return "", fmt.Errorf("people: storing the setup code: %w", err)
	}
	if !open {
		return "", nil
	}
	return code, nil
}

// setupHash hashes a code as typed: case, spaces and dashes do not matter.
func setupHash(code string) [32]byte {
	c := strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '\t':
			return -1
		}
		return r
	}, strings.ToUpper(strings.TrimSpace(code)))
	return sha256.Sum256([]byte(c))
}

// ErrSetupCode is the answer to a wrong or void setup code.
func errSetupCode() error { return desk.Invalid("code", "is not the setup code") }

// errSetupDone answers when the account already has an owner.
func errSetupDone() error { return desk.NotFound() }

// CheckSetupCode reports whether code is the current setup code (compared
// in constant time), read through q. A void or absent code matches nothing.
func checkSetupCode(ctx context.Context, q store.Querier, code string) (bool, error) {
	stored, err := settings.SetupCode.Read(ctx, q)
	if err != nil {
		return false, err
	}
	if len(stored) != sha256.Size || len(code) > 200 {
		return false, nil
	}
	sum := setupHash(code)
	return subtle.ConstantTimeCompare(stored, sum[:]) == 1, nil
}

// SetupOwner creates the first admin, the account owner, when code is the
// setup code and no admin exists yet. Everything happens in one
// transaction that re-checks both, and the owner claim is a conditional
// insert, so two simultaneous submissions cannot create two owners: the
// loser gets NotFound (setup is over). Wrong codes are desk.Invalid on
// "code"; the password must meet the staff password policy. Callers rate-
// limit attempts per client (account.SetupOwner does).
func (s *Service) SetupOwner(ctx context.Context, code, name, email, password string) (*desk.User, error) {
	ok, err := checkSetupCode(ctx, s.DB, code)
	if err != nil {
		return nil, err
	}
	if !ok {
		if open, err := s.SetupOpen(ctx); err != nil || !open {
			if err == nil {
				err = errSetupDone()
			}
			return nil, err
		}
		return nil, errSetupCode()
	}
	role, yes := desk.RoleAdmin, true
	in := UserInput{Name: &name, Email: &email, Role: &role, Verified: &yes, Password: &password}
	st := userState{Role: desk.RoleEndUser, Locale: "en-US", TimeZone: "UTC"}
	var v desk.Validation
	st.apply(in, &v)
	if st.Email == "" {
		v.Add("email", "can't be blank")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if err := s.passwords().Check(ctx, s.DB, 0, st.Name, st.Email, password, st.Role); err != nil {
		return nil, err
	}
	hash, err := hashInput(in)
	if err != nil {
		return nil, err
	}
	sys := desk.SystemContext(ctx)
	p := desk.PrincipalFrom(sys)
	var u *desk.User
	err = s.DB.InTx(sys, func(tx *store.Tx) error {
		// Re-checked in the transaction: the code may have been used (and
		// voided) since the check above.
		if ok, err := checkSetupCode(sys, tx, code); err != nil || !ok {
			if err == nil {
				err = errSetupDone()
			}
			return err
		}
		if open, err := noAdmin(sys, tx); err != nil || !open {
			if err == nil {
				err = errSetupDone()
			}
			return err
		}
		var err error // createUserTx checks the address is free
		if u, err = s.createUserTx(sys, tx, p, st, hash); err != nil {
			return err
		}
		// createUserTx claimed the ownership unless another submission
		// got there first (the claim is a conditional insert): then this
		// one is rolled back.
		owner, err := settings.Owner.Read(sys, tx)
		if err != nil {
			return err
		}
		if owner != u.ID {
			return errSetupDone()
		}
		u.IsOwner = true
		return nil
	})
	if err != nil {
		return nil, mapErr(err, "email")
	}
	return u, nil
}

// voidSetupCodeTx clears the stored setup code, if any, in tx.
func voidSetupCodeTx(ctx context.Context, svc *settings.Service, tx *store.Tx) error {
	cur, err := settings.SetupCode.Read(ctx, tx)
	if err != nil || len(cur) == 0 {
		return err
	}
	return settings.SetupCode.SetTx(ctx, svc, tx, []byte{})
}
