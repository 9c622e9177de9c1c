package settings

import (
	"context"
	"fmt"
	"sort"
	"sync"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
)

// Kind is how a setting is stored and typed.
type Kind string

// The kinds of setting.
const (
	KindBool   Kind = "bool"
	KindInt    Kind = "int"
	KindString Kind = "string"
	KindJSON   Kind = "json"   // a JSON object, decoded by its owning service
	KindSecret Kind = "secret" // never shown; hex-encoded bytes
)

// Setting declares one stored setting of type T: its key, default, and how
// it is stored and checked. Declare settings only in registry.go.
type Setting[T any] struct {
	key         string
	kind        Kind
	def         T
	description string
	parse       func(string) (T, error)
	format      func(T) string
	// check returns a reason ("must be …") when v is not allowed.
	check func(v T) string
}

// Info describes a declared setting (for documentation and tests).
type Info struct {
	Key         string
	Kind        Kind
	Default     string // the stored form of the default ("" for none)
	Description string
}

var (
	regMu    sync.Mutex
	registry = map[string]Info{}
)

func declare[T any](d *Setting[T]) *Setting[T] {
	regMu.Lock()
	defer regMu.Unlock()
	if _, dup := registry[d.key]; dup {
		panic("settings: " + d.key + " declared twice")
	}
	def := ""
	if d.kind != KindSecret && d.kind != KindJSON {
		def = d.format(d.def)
	}
	registry[d.key] = Info{Key: d.key, Kind: d.kind, Default: def, Description: d.description}
	return d
}

// All lists every declared setting, by key.
func All() []Info {
	regMu.Lock()
	defer regMu.Unlock()
	out := make([]Info, 0, len(registry))
	for _, i := range registry {
		out = append(out, i)
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Key < out[b].Key })
	return out
}

// Key is the setting's row key in the settings table.
func (d *Setting[T]) Key() string { return d.key }

// Default is the value in force while nothing is stored.
func (d *Setting[T]) Default() T { return d.def }

// Validate reports whether v may be stored: nil, or desk.Invalid on the
// setting's key.
func (d *Setting[T]) Validate(v T) error {
	if d.check != nil {
		if why := d.check(v); why != "" {
			return desk.Invalid(d.key, why)
		}
	}
	return nil
}

func (d *Setting[T]) decode(raw string, present bool) (T, error) {
	if !present {
		return d.def, nil
	}
	v, err := d.parse(raw)
	if err != nil {
		var zero T
		return zero, fmt.Errorf("%w: %s: %v", ErrCorrupt, d.key, err)
	}
	if d.check != nil {
		if why := d.check(v); why != "" {
			var zero T
			return zero, fmt.Errorf("%w: %s %s", ErrCorrupt, d.key, why)
		}
	}
	return v, nil
}

// Get returns the setting's value through s's cache: the stored value, or
// the default when none is stored. A store error, or a stored value that
// does not parse (ErrCorrupt), is returned, never replaced by the default.
func (d *Setting[T]) Get(ctx context.Context, s *Service) (T, error) {
	return d.GetIn(ctx, s, s.db)
}

// GetIn is Get for a caller that holds one of the pool's connections (in a
// transaction, or while reading rows): a value the cache lacks is read
// through q instead of a second connection. Waiting for a second while
// holding one deadlocks once as many callers do it at once as the pool
// has connections.
func (d *Setting[T]) GetIn(ctx context.Context, s *Service, q store.Querier) (T, error) {
	raw, present, err := s.rawIn(ctx, q, d.key)
	if err != nil {
		var zero T
		return zero, err
	}
	return d.decode(raw, present)
}

// Read returns the setting's value as q (usually the caller's transaction)
// sees it, bypassing the cache: for decisions that must be consistent with
// the rest of a transaction.
func (d *Setting[T]) Read(ctx context.Context, q store.Querier) (T, error) {
	raw, present, err := readRaw(ctx, q, d.key)
	if err != nil {
		var zero T
		return zero, err
	}
	return d.decode(raw, present)
}

// Set validates and stores v in its own transaction.
func (d *Setting[T]) Set(ctx context.Context, s *Service, v T) error {
	if err := d.Validate(v); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *store.Tx) error { return d.SetTx(ctx, s, tx, v) })
}

// SetTx validates and stores v in tx, and publishes events.SettingsChanged
// (delivered, and the caches invalidated, only if tx commits).
func (d *Setting[T]) SetTx(ctx context.Context, s *Service, tx *store.Tx, v T) error {
	if err := d.Validate(v); err != nil {
		return err
	}
	before, present, err := readRaw(ctx, tx, d.key)
	if err != nil {
		return fmt.Errorf("settings: reading %s: %w", d.key, err)
	}
	after := d.format(v)
	if _, err := s.writeTx(ctx, tx, d.key, after, false); err != nil {
		return err
	}
	if present && before == after {
		return nil
	}
	return auditSettingTx(ctx, tx, d.key, d.kind, before, present, after)
}

// InitTx stores v in tx only when nothing is stored yet, and reports whether
// it did. Concurrent callers cannot both win: the insert is conditional.
func (d *Setting[T]) InitTx(ctx context.Context, s *Service, tx *store.Tx, v T) (bool, error) {
	if err := d.Validate(v); err != nil {
		return false, err
	}
	return s.writeTx(ctx, tx, d.key, d.format(v), true)
}
