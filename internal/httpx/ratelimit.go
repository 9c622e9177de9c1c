package httpx

import (
	"net/http"
	"strconv"
	"time"
)

// Limiter is a per-key fixed-window rate limiter allowing perMinute requests
// per key per minute, matching the per-minute limits the Zendesk API
// documents (and that its clients already know how to back off from).
//
// Each key's window starts at its first request rather than on the wall-clock
// minute, so clients that were all limited at once do not all come back in
// the same second.
//
// Only allowed requests consume quota; a client hammering while limited does
// not push its reset further away.
//
// State is kept in a sharded, size-bounded table: a key whose window has
// ended carries no information and is dropped by periodic sweeps, and when a
// shard is full of live keys the one closest to its reset is evicted.
// Limiter is safe for concurrent use.
type Limiter struct {
	limit int
	now   func() time.Time
	t     *table[window]
}

type window struct {
	reset time.Time
	count int
}

// rateWindow is the length of a Limiter window.
const rateWindow = time.Minute

// NewLimiter returns a limiter allowing perMinute requests per key per
// minute; perMinute 0 means unlimited. now is the clock (nil means
// time.Now); tests pass a fake one. A negative perMinute is a configuration
// bug and panics rather than silently meaning "unlimited".
func NewLimiter(perMinute int, now func() time.Time) *Limiter {
	return newLimiter(perMinute, now, defaultMaxKeys)
}

func newLimiter(perMinute int, now func() time.Time, maxKeys int) *Limiter {
	if perMinute < 0 {
		panic("httpx: NewLimiter: negative perMinute " + strconv.Itoa(perMinute))
	}
	if now == nil {
		now = time.Now
	}
	return &Limiter{
		limit: perMinute,
		now:   now,
		t: newTable(maxKeys,
			func(w window, now time.Time) bool { return !now.Before(w.reset) },
			func(w window) time.Time { return w.reset },
		),
	}
}

// Allow records a request for key and reports whether it is within the limit.
// limit and remaining are for the X-Rate-Limit headers (see SetHeaders); on
// deny, retryAfter is the time until the key's window resets (see
// WriteRetryAfter), otherwise 0. An unlimited Limiter always returns
// (true, 0, 0, 0).
func (l *Limiter) Allow(key string) (ok bool, limit, remaining int, retryAfter time.Duration) {
	ok, limit, remaining, reset := l.AllowWindow(key)
	if ok {
		return ok, limit, remaining, 0
	}
	return ok, limit, remaining, reset
}

// AllowWindow is Allow, but reset is the time until key's window resets
// whether or not the request is allowed (for the ratelimit-reset header).
func (l *Limiter) AllowWindow(key string) (ok bool, limit, remaining int, reset time.Duration) {
	if l.limit == 0 {
		return true, 0, 0, 0
	}
	now := l.now()
	s := l.t.shard(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	l.t.tick(s, now)

	w, found := s.m[key]
	if !found || !now.Before(w.reset) {
		if !found {
			l.t.makeRoom(s, now)
		}
		w = window{reset: now.Add(rateWindow)}
	}
	if w.count >= l.limit {
		return false, l.limit, 0, w.reset.Sub(now)
	}
	w.count++
	s.m[key] = w
	return true, l.limit, l.limit - w.count, w.reset.Sub(now)
}

// SetHeaders writes the Zendesk-compatible X-Rate-Limit and
// X-Rate-Limit-Remaining headers. It writes nothing when limit is 0
// (unlimited), since there is no meaningful number to advertise.
//
// Beside them go the IETF-draft headers Zendesk also sends: ratelimit-limit,
// ratelimit-remaining and ratelimit-reset (reset: whole seconds until the
// window resets, rounded up).
func SetHeaders(w http.ResponseWriter, limit, remaining int, reset time.Duration) {
	if limit <= 0 {
		return
	}
	h := w.Header()
	rem := strconv.Itoa(max(remaining, 0))
	h.Set("X-Rate-Limit", strconv.Itoa(limit))
	h.Set("X-Rate-Limit-Remaining", rem)
	h.Set("ratelimit-limit", strconv.Itoa(limit))
	h.Set("ratelimit-remaining", rem)
	h.Set("ratelimit-reset", strconv.FormatInt(int64((reset+time.Second-1)/time.Second), 10))
}

// WriteRetryAfter sets the Retry-After header to d in whole seconds, rounded
// up and at least 1: HTTP only allows integer seconds, and rounding down (to
// 0 in particular) would invite clients to retry while still limited. Call it
// before writing the 429 status.
func WriteRetryAfter(w http.ResponseWriter, d time.Duration) {
	secs := int64(d / time.Second)
	if d%time.Second > 0 {
		secs++
	}
	if secs < 1 {
		secs = 1
	}
	w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
}
