package account

import (
	"context"
	"errors"

	"github.com/frontdesk/frontdesk/internal/desk"
)

// SetupOpen reports whether the account still needs its first admin (the
// first-run page is shown instead of the agent sign-in form).
func (s *Service) SetupOpen(ctx context.Context) (bool, error) {
	return s.People.SetupOpen(ctx)
}

// SetupOwner creates the account owner from the first-run page with the
// one-time setup code `frontdesk serve` printed (people.SetupOwner), and
// signs them in: a new session, as SignInDevice. Wrong codes count against
// ip like failed sign-ins; beyond IPMaxFailures in FailureWindow the answer
// is ErrThrottled before the code is looked at. After setup is over (an
// admin exists) the answer is NotFound.
func (s *Service) SetupOwner(ctx context.Context, code, name, email, password, ip, userAgent string) (*SignInResult, error) {
	ip = cleanMeta(ip, maxIP)
	perIP := s.throttles().setupCodes
	if ip != "" {
		if blocked, _ := perIP.Blocked(ip); blocked {
			return nil, throttled()
		}
	}
	u, err := s.People.SetupOwner(ctx, code, name, email, password)
	if err != nil {
		var fe *desk.Error
		if errors.As(err, &fe) && ip != "" && isCodeError(fe) {
			perIP.Fail(ip)
		}
		return nil, wrapErr("first-run setup", err)
	}
	if ip != "" {
		perIP.Success(ip)
	}
	// The owner exists with this password: sign in the usual way, so the
	// session, device cookie and principal are those of any sign-in.
	return s.SignInDevice(ctx, u.Email, password, ip, userAgent, "")
}

func isCodeError(e *desk.Error) bool {
	_, bad := e.Details["code"]
	return e.Code == desk.EINVALID && bad
}
