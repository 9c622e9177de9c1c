package httpx

import (
	"hash/maphash"
	"sync"
	"time"
)

// The limiter and the failure throttle both keep per-key state for keys an
// attacker chooses (IP addresses, API tokens). Without a bound, a flood of
// distinct keys would grow the maps without limit, so both use table: a
// sharded map with a hard cap on the number of entries per shard.
//
// Sharding keeps lock contention low when many goroutines hit the limiter at
// once; each shard has its own mutex and map.

const (
	tableShards = 64
	// defaultMaxKeys bounds memory at roughly 100 bytes per entry, i.e. a few
	// MiB per table, while still comfortably covering the number of distinct
	// clients a single helpdesk instance sees in a minute.
	defaultMaxKeys = 1 << 16
	// sweepEvery is how many operations a shard performs between sweeps of
	// expired entries. Sweeping is O(entries in the shard); doing it on a
	// counter amortises that cost and keeps the maps small in steady state.
	sweepEvery = 1024
)

// table is a sharded map from string keys to V with a bounded size.
//
// Callers lock a shard, read-modify-write its map, and call makeRoom before
// inserting a key that is not yet present.
type table[V any] struct {
	seed     maphash.Seed
	perShard int
	// expired reports whether an entry carries no information any more, so
	// dropping it is indistinguishable from keeping it.
	expired func(v V, now time.Time) bool
	// deadline orders entries for forced eviction when a shard is full of
	// live entries: the one with the earliest deadline is the cheapest to
	// forget.
	deadline func(v V) time.Time
	shards   [tableShards]tableShard[V]
}

type tableShard[V any] struct {
	mu  sync.Mutex
	m   map[string]V
	ops int
}

func newTable[V any](maxKeys int, expired func(V, time.Time) bool, deadline func(V) time.Time) *table[V] {
	per := maxKeys / tableShards
	if per < 1 {
		per = 1
	}
	t := &table[V]{
		seed:     maphash.MakeSeed(),
		perShard: per,
		expired:  expired,
		deadline: deadline,
	}
	for i := range t.shards {
		t.shards[i].m = make(map[string]V)
	}
	return t
}

// shard returns the shard that owns key. The seed is random per table so
// clients cannot aim many keys at one shard.
func (t *table[V]) shard(key string) *tableShard[V] {
	return &t.shards[maphash.String(t.seed, key)%tableShards]
}

// tick counts an operation on a locked shard and periodically sweeps it.
func (t *table[V]) tick(s *tableShard[V], now time.Time) {
	s.ops++
	if s.ops >= sweepEvery {
		s.ops = 0
		t.sweep(s, now)
	}
}

// sweep deletes expired entries from a locked shard.
func (t *table[V]) sweep(s *tableShard[V], now time.Time) {
	for k, v := range s.m {
		if t.expired(v, now) {
			delete(s.m, k)
		}
	}
}

// makeRoom ensures a locked shard has space for one more key. It first drops
// expired entries; if the shard is still full it evicts the live entry with
// the earliest deadline. Evicting live state is a deliberate trade-off: the
// alternative, refusing new keys, would let anyone with enough source
// addresses deny service to everybody else.
func (t *table[V]) makeRoom(s *tableShard[V], now time.Time) {
	if len(s.m) < t.perShard {
		return
	}
	t.sweep(s, now)
	if len(s.m) < t.perShard {
		return
	}
	var (
		victim string
		first  time.Time
		found  bool
	)
	for k, v := range s.m {
		if d := t.deadline(v); !found || d.Before(first) {
			victim, first, found = k, d, true
		}
	}
	if found {
		delete(s.m, victim)
	}
}

// len returns the total number of entries; used by tests.
func (t *table[V]) len() int {
	n := 0
	for i := range t.shards {
		s := &t.shards[i]
		s.mu.Lock()
		n += len(s.m)
		s.mu.Unlock()
	}
	return n
}
