package settings

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"fmt"

	"github.com/frontdesk/frontdesk/internal/store"
)

// SiteKey returns the site key (CSRFKey: created on first start, shared
// by every instance through the store). When it is not there yet it is
// created the same way, first writer wins: inside q when q is a
// transaction (no nested one), else in a transaction of its own.
func (s *Service) SiteKey(ctx context.Context, q store.Querier) ([]byte, error) {
	base, err := CSRFKey.Read(ctx, q)
	if err != nil || len(base) > 0 {
		return base, err
	}
	fresh := make([]byte, 32)
	if _, err := rand.Read(fresh); err != nil {
		return nil, err
	}
	initKey := func(tx *store.Tx) error {
		_, err := CSRFKey.InitTx(ctx, s, tx, fresh)
		return err
	}
	if tx, ok := q.(*store.Tx); ok {
		err = initKey(tx)
	} else {
		err = s.db.InTx(ctx, initKey)
	}
	if err != nil {
		return nil, fmt.Errorf("settings: creating the site key: %w", err)
	}
	return CSRFKey.Read(ctx, q)
}

// PurposeKey derives from the site key the key of one purpose, named by
// label (say "frontdesk csat rating link v1"), so that a signature made
// for one purpose is never valid for another, nor as a CSRF token.
func (s *Service) PurposeKey(ctx context.Context, q store.Querier, label string) ([]byte, error) {
	base, err := s.SiteKey(ctx, q)
	if err != nil {
		return nil, err
	}
	m := hmac.New(sha256.New, base)
	m.Write([]byte(label))
	return m.Sum(nil), nil
}
