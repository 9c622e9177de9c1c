package account

import (
	"context"
	"time"

	"github.com/frontdesk/frontdesk/internal/auth"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/store"
)

// KindVerifyIdentity asks the holder of an address added to an account to
// confirm it (Zendesk's request_verification).
const KindVerifyIdentity = "verify_identity"

// MaxVerificationRequestsPerHour bounds how many verification emails one
// address gets an hour through RequestVerification, so the endpoint cannot
// be used to flood someone's mailbox.
const MaxVerificationRequestsPerHour = 3

func init() {
	mails[KindVerifyIdentity] = newMail(KindVerifyIdentity, "Confirm your email address",
		`This address was added to an account at {{.Base}}.

To confirm that it is yours, open this link within 24 hours:

{{.Link}}

If you do not know why you got this, ignore this email: the address stays unconfirmed.
`,
		`<p>This address was added to an account at {{.Base}}.</p>
<p>To confirm that it is yours, open this link within 24 hours:</p>
<p><a href="{{.Link}}">Confirm my email address</a></p>
<p>If you do not know why you got this, ignore this email: the address stays unconfirmed.</p>`)
}

// RequestVerification emails a verification link (baseURL + "/verify?token=…",
// valid for VerifyTTL, handled by VerifyEmail) to an unverified email
// identity of a user. Who may ask is who may change the user's identities
// (people.IdentityForVerificationTx). Beyond MaxVerificationRequestsPerHour
// mails to one address an hour it answers ErrThrottled and sends nothing.
func (s *Service) RequestVerification(ctx context.Context, userID, identityID int64, baseURL string) error {
	base, err := cleanBase(baseURL)
	if err != nil {
		return err
	}
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return err
	}
	token, hash := auth.NewToken()
	now := s.now()
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		ident, err := people.IdentityForVerificationTx(ctx, tx, p, userID, identityID)
		if err != nil {
			return err
		}
		sent, err := s.Outbox.CountSinceTx(ctx, tx, ident.Value, KindVerifyIdentity, now.Add(-time.Hour))
		if err != nil {
			return err
		}
		if sent >= MaxVerificationRequestsPerHour {
			return throttled()
		}
		if err := s.addVerificationTx(ctx, tx, userID, ident.Value, hash); err != nil {
			return err
		}
		return s.queueMail(ctx, tx, KindVerifyIdentity, ident.Value, mailData{Base: base, Link: base + "/verify?token=" + token}, now)
	})
}
