package people

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/frontdesk/frontdesk/internal/events"
)

// DefaultTokenCacheTTL is how long AuthenticateToken trusts what it read
// about a token without reading it again. Changes made through a people
// Service drop the cache at once (this instance after commit, the others
// through the event relay); the TTL bounds what a change it never hears of
// can leave stale: a write by a separate process on SQLite, where there is
// no relay (the CLI while the server runs), or an event a relay lost.
const DefaultTokenCacheTTL = 2 * time.Second

// maxCachedTokens bounds the cache; a full cache starts again empty.
const maxCachedTokens = 10000

// cachedToken is what one lookup read about a token and its user.
type cachedToken struct {
	tokenID, expires   int64
	scope              string
	account, staffOnly bool
	row                principalRow
	readAt             int64 // store.Now() when read
	// lastUsed and lastIP are last_used_at and last_used_ip as this
	// instance last read or wrote them, so only one request per
	// TokenTouchInterval writes them again.
	lastUsed atomic.Int64
	lastIP   atomic.Pointer[string]
}

// tokenCache remembers tokens by their hash. It never remembers an
// unknown token. A lookup that began before a clear may not store what it
// read (gen), so a change can never be undone by a read that raced it.
type tokenCache struct {
	mu  sync.Mutex
	gen uint64
	m   map[string]*cachedToken
}

// get returns hash's entry if it was read less than ttl ago.
func (c *tokenCache) get(hash string, now int64, ttl time.Duration) *cachedToken {
	c.mu.Lock()
	e := c.m[hash]
	c.mu.Unlock()
	if e == nil || now-e.readAt >= ttl.Microseconds() || now < e.readAt {
		return nil
	}
	return e
}

// generation is the value to hand put for a lookup starting now.
func (c *tokenCache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// put stores e unless the cache was cleared since gen was taken.
func (c *tokenCache) put(hash string, e *cachedToken, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return
	}
	if c.m == nil || len(c.m) >= maxCachedTokens {
		c.m = map[string]*cachedToken{}
	}
	c.m[hash] = e
}

// clear forgets every token.
func (c *tokenCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.m = nil
}

// changesAccess reports whether e may change what a token's principal is:
// its user's role, organization, address, state or custom role, or the
// token itself. A SettingsChanged without a key is the relay's word, after
// it reconnected, that events may have been missed: every cache re-reads.
func changesAccess(e events.Event) bool {
	switch e.Type {
	case events.UserUpdated, events.UserDeleted, events.OrganizationDeleted, events.AccessChanged:
		return true
	case events.SettingsChanged:
		return e.Data["key"] == ""
	}
	return false
}

func (s *Service) tokenCacheTTL() time.Duration {
	if s.TokenCacheTTL != 0 {
		return s.TokenCacheTTL
	}
	return DefaultTokenCacheTTL
}
