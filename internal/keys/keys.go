// Package keys finds every value Frontdesk stores sealed with the instance
// key (package secrets) and re-seals them under a new key: `frontdesk keys
// rotate`. Each owning package reads and writes its own table (ResealTx);
// this package only runs them, all in one transaction, so a rotation
// either re-seals everything or changes nothing.
package keys

import (
	"context"
	"errors"
	"fmt"

	"github.com/frontdesk/frontdesk/internal/channel/email/mailbox"
	"github.com/frontdesk/frontdesk/internal/chat"
	"github.com/frontdesk/frontdesk/internal/outbox"
	"github.com/frontdesk/frontdesk/internal/secrets"
	"github.com/frontdesk/frontdesk/internal/settings"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/twofactor"
	"github.com/frontdesk/frontdesk/internal/webhook"
)

// resealFunc is the shape of every owner's ResealTx.
type resealFunc func(ctx context.Context, tx *store.Tx, fn func(sealed, context string) (string, error)) (int, error)

// Kind names one table's worth of sealed values.
type Kind string

// The kinds of sealed values.
const (
	KindMailbox   Kind = "mailbox passwords, tokens and DKIM keys"
	KindTwoFactor Kind = "two-factor (TOTP) seeds"
	KindWebhook   Kind = "webhook secrets"
	KindOutbox    Kind = "queued and sent mail bodies"
	KindChat      Kind = "chat widget identity secrets"
	KindSettings  Kind = "sealed settings (the answer bot's API key)"
)

// owners lists every package that stores sealed values. A new one must be
// added here, or rotation leaves its values under the old key (the test
// of this package seals one value of each kind and checks them all).
var owners = []struct {
	kind   Kind
	reseal resealFunc
}{
	{KindMailbox, mailbox.ResealTx},
	{KindTwoFactor, twofactor.ResealTx},
	{KindWebhook, webhook.ResealTx},
	{KindChat, chat.ResealTx},
	{KindSettings, settings.ResealTx},
	{KindOutbox, outbox.ResealTx},
}

// Report counts the sealed values of each kind.
type Report struct {
	Counts map[Kind]int
	Total  int
}

// each runs fn over every sealed value inside one transaction.
func each(ctx context.Context, db *store.DB, fn func(sealed, context string) (string, error)) (*Report, error) {
	rep := &Report{Counts: map[Kind]int{}}
	err := db.InTx(ctx, func(tx *store.Tx) error {
		for _, o := range owners {
			n, err := o.reseal(ctx, tx, fn)
			if err != nil {
				return err
			}
			rep.Counts[o.kind] = n
			rep.Total += n
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return rep, nil
}

// ErrUnreadable wraps the failure to open a stored value during Rotate or
// Check: it was sealed with a key that is not at hand.
var ErrUnreadable = errors.New("a stored secret does not open with the configured keys")

// Rotate opens every sealed value with from (its key or any older key it
// knows) and seals it again with to, in one transaction. When any value
// does not open, nothing changes.
func Rotate(ctx context.Context, db *store.DB, from, to *secrets.Box) (*Report, error) {
	if from == nil || to == nil {
		return nil, errors.New("keys: rotate needs the current and the new key")
	}
	rep, err := each(ctx, db, func(sealed, context string) (string, error) {
		pt, err := from.Open(sealed, context)
		if err != nil {
			return "", fmt.Errorf("%w: %w", ErrUnreadable, err)
		}
		return to.Seal(pt, context)
	})
	if err != nil {
		return nil, fmt.Errorf("keys: rotate: %w", err)
	}
	return rep, nil
}

// Check opens every sealed value with box and reports how many there are;
// it fails on the first that does not open.
func Check(ctx context.Context, db *store.DB, box *secrets.Box) (*Report, error) {
	rep, err := each(ctx, db, func(sealed, context string) (string, error) {
		if _, err := box.Open(sealed, context); err != nil {
			return "", fmt.Errorf("%w: %w", ErrUnreadable, err)
		}
		return sealed, nil
	})
	if err != nil {
		return nil, fmt.Errorf("keys: check: %w", err)
	}
	return rep, nil
}

// Count reports how many sealed values are stored, opening none.
func Count(ctx context.Context, db *store.DB) (*Report, error) {
	rep, err := each(ctx, db, func(sealed, _ string) (string, error) { return sealed, nil })
	if err != nil {
		return nil, fmt.Errorf("keys: count: %w", err)
	}
	return rep, nil
}
