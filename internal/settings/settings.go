// Package settings owns the settings table: the help desk's stored,
// admin-editable settings. Every setting is declared once in this package
// (registry.go) with its key, type, default and validation, and this is the
// only package that writes the table.
//
// Reads are typed and never hide a failure: a store error, or a stored value
// that no longer parses, is returned to the caller, which fails closed or
// propagates it — a failed read never silently turns a rule off.
//
// Writes validate the value, run in the caller's transaction when there is
// one (the Tx variants), and publish events.SettingsChanged with PublishTx.
// The Service's one cache drops a value when that event arrives — after the
// local commit, or from another instance through the event relay — so every
// instance sees a change as soon as it is delivered. A short TTL bounds the
// staleness should a relay connection ever lose an event.
package settings

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/events"
	"github.com/frontdesk/frontdesk/internal/store"
)

// DefaultTTL is how long a cached value is trusted without an invalidation.
// It is only a backstop: changes invalidate the cache through events.
const DefaultTTL = 30 * time.Second

// ErrCorrupt is wrapped by the error a getter returns when the stored value
// does not parse or breaks the setting's rules (a hand-edited or damaged
// row). Callers that have a safe fallback may test for it with errors.Is.
var ErrCorrupt = errors.New("settings: stored value is invalid")

// Service reads and writes settings. Build it with New (cached) or
// Uncached; it is safe for concurrent use.
type Service struct {
	db    *store.DB
	bus   *events.Bus
	cache bool
	// TTL overrides DefaultTTL for the cache (0 = DefaultTTL).
	TTL time.Duration
	// Now is the cache's clock; nil means time.Now.
	Now func() time.Time

	mu   sync.Mutex
	gen  uint64 // bumped by every invalidation
	vals map[string]entry
}

type entry struct {
	raw     string
	present bool
	at      time.Time
}

// New returns the process's settings service over db: reads are cached, and
// the cache is invalidated by events.SettingsChanged on bus (from this
// instance's writes and, through the relay, other instances'). A nil bus
// still caches: writes through this Service invalidate it after commit.
func New(db *store.DB, bus *events.Bus) *Service {
	s := &Service{db: db, bus: bus, cache: true, vals: map[string]entry{}}
	if bus == nil {
		return s
	}
	bus.Subscribe(func(e events.Event) {
		if e.Type == events.SettingsChanged {
			s.invalidate(e.Data["key"])
		}
	})
	return s
}

// Uncached returns a service that reads the store on every call and
// publishes changes on bus (which may be nil). Services fall back to it when
// they were not given the process's shared Service (tools, some tests).
func Uncached(db *store.DB, bus *events.Bus) *Service {
	return &Service{db: db, bus: bus}
}

// Or returns svc, the process's shared service, or when a service was built
// without one (tools, some tests) an uncached one over db and bus. Every
// service that reads settings falls back through here.
func Or(svc *Service, db *store.DB, bus *events.Bus) *Service {
	if svc != nil {
		return svc
	}
	return Uncached(db, bus)
}

// invalidate drops key from the cache ("" drops everything).
func (s *Service) invalidate(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gen++
	if key == "" {
		clear(s.vals)
		return
	}
	delete(s.vals, key)
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) ttl() time.Duration {
	if s.TTL > 0 {
		return s.TTL
	}
	return DefaultTTL
}

// rawIn returns key's stored value through the cache, reading a value the
// cache lacks through q. A value read in a transaction is not cached: it
// may be the transaction's own, not yet committed.
func (s *Service) rawIn(ctx context.Context, q store.Querier, key string) (string, bool, error) {
	_, inTx := q.(*store.Tx)
	if !s.cache {
		return readRaw(ctx, q, key)
	}
	now := s.now()
	s.mu.Lock()
	e, ok := s.vals[key]
	gen := s.gen
	s.mu.Unlock()
	if ok && now.Sub(e.at) < s.ttl() && !now.Before(e.at) {
		return e.raw, e.present, nil
	}
	v, present, err := readRaw(ctx, q, key)
	if err != nil {
		return "", false, err // nothing cached: the next call tries again
	}
	if inTx {
		return v, present, nil
	}
	s.mu.Lock()
	// An invalidation that raced with the read may mean v is already old:
	// keep it out of the cache.
	if s.gen == gen {
		s.vals[key] = entry{raw: v, present: present, at: now}
	}
	s.mu.Unlock()
	return v, present, nil
}

func readRaw(ctx context.Context, q store.Querier, key string) (string, bool, error) {
	var v string
	err := q.QueryRow(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("settings: reading %s: %w", key, err)
	}
	return v, true, nil
}

// writeTx stores raw under key in tx (insert or replace; only when absent
// if onlyNew) and publishes the change. It reports whether a row was written.
func (s *Service) writeTx(ctx context.Context, tx *store.Tx, key, raw string, onlyNew bool) (bool, error) {
	q := `INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`
	if onlyNew {
		q = `INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING`
	}
	res, err := tx.Exec(ctx, q, key, raw)
	if err != nil {
		return false, fmt.Errorf("settings: writing %s: %w", key, err)
	}
	if onlyNew {
		n, err := res.RowsAffected()
		if err != nil {
			return false, fmt.Errorf("settings: writing %s: %w", key, err)
		}
		if n == 0 {
			return false, nil // already set: nothing changed
		}
	}
	if s.cache {
		tx.AfterCommit(func() { s.invalidate(key) })
	}
	e := events.Event{Type: events.SettingsChanged, Data: map[string]string{"key": key}}
	if p := desk.PrincipalFrom(ctx); p != nil {
		e.ActorID = p.UserID
	}
	if err := s.bus.PublishTx(ctx, tx, e); err != nil {
		return false, fmt.Errorf("settings: publishing the change of %s: %w", key, err)
	}
	return true, nil
}

func (s *Service) inTx(ctx context.Context, fn func(*store.Tx) error) error {
	return s.db.InTx(ctx, fn)
}
