package store

import (
	"context"
	"fmt"
	"sync/atomic"
)

type epochKey struct{}

// ConfigEpoch returns the configuration epoch as tx sees it: a value that
// changes, in the same transaction, with every change to the tables the
// ticket commit path reads configuration from (triggers and their
// categories, ticket forms, support addresses, webhooks, SLA policies;
// migration 77). It is read once per transaction, so every cache consulted
// in one ticket change costs one statement between them.
//
// The first read is remembered for the rest of the transaction: a
// transaction that changes one of those tables must not consult a Cached
// value afterwards (none does: the caches serve ticket changes, and the
// configuration is edited in transactions of its own).
func (tx *Tx) ConfigEpoch(ctx context.Context) (int64, error) {
	if v, ok := tx.Value(epochKey{}).(int64); ok {
		return v, nil
	}
	var n int64
	if err := tx.QueryRow(ctx, `SELECT n FROM config_epoch WHERE id = 1`).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: configuration epoch: %w", err)
	}
	tx.SetValue(epochKey{}, n)
	return n, nil
}

// Cached holds a value derived from configuration — read in a transaction,
// decoded, compiled — for as long as the configuration epoch stays the
// same, so the ticket commit path reads it from the database only after it
// changed, on any instance. The zero value is ready to use; the value
// returned is shared and must not be modified.
type Cached[T any] struct {
	cur atomic.Pointer[cached[T]]
}

type cached[T any] struct {
	epoch int64
	v     T
}

// Get returns the value for the epoch tx sees, calling load (which reads
// through tx) when the value held is of another epoch or none is held.
func (c *Cached[T]) Get(ctx context.Context, tx *Tx, load func() (T, error)) (T, error) {
	e, err := tx.ConfigEpoch(ctx)
	if err != nil {
		var zero T
		return zero, err
	}
	if cur := c.cur.Load(); cur != nil && cur.epoch == e {
		return cur.v, nil
	}
	v, err := load()
	if err != nil {
		return v, err
	}
	c.cur.Store(&cached[T]{epoch: e, v: v})
	return v, nil
}
