package httpx

import (
	"time"
)

// maxBlock caps FailThrottle's exponential back-off. Beyond an hour a longer
// block barely slows a determined attacker further, but it does keep a
// legitimate user behind a shared (NAT, office) address locked out for a
// painfully long time.
const maxBlock = time.Hour

// FailThrottle slows down credential guessing by tracking failed
// authentication attempts per client IP.
//
// Once an IP reaches maxFailures failures within window it is blocked for
// window; every further failure doubles the block (window·2^extra), capped at
// one hour. An IP's record is forgotten after it has been quiet for a whole
// window (counted from its first failure while below the limit, or from the
// end of its block once it has been blocked).
//
// This is a per-IP defence only. It cannot stop a distributed guesser, and
// because Success clears the IP's record, a client holding one valid
// credential can interleave successes to keep guessing below maxFailures.
// Password logins should therefore also be throttled per account.
//
// State is kept in a sharded, size-bounded table (see Limiter). FailThrottle
// is safe for concurrent use.
type FailThrottle struct {
	maxFailures int
	window      time.Duration
	now         func() time.Time
	t           *table[failRecord]
}

type failRecord struct {
	windowStart  time.Time // first failure of the current counting window
	failures     int
	blockedUntil time.Time // zero until the IP first reaches maxFailures
}

// NewFailThrottle returns a throttle blocking an IP after maxFailures failed
// attempts within window. now is the clock (nil means time.Now). It panics if
// maxFailures or window is not positive, as a throttle that never triggers
// would be a silent configuration bug.
func NewFailThrottle(maxFailures int, window time.Duration, now func() time.Time) *FailThrottle {
	return newFailThrottle(maxFailures, window, now, defaultMaxKeys)
}

func newFailThrottle(maxFailures int, window time.Duration, now func() time.Time, maxKeys int) *FailThrottle {
	if maxFailures <= 0 || window <= 0 {
		panic("httpx: NewFailThrottle: maxFailures and window must be positive")
	}
	if now == nil {
		now = time.Now
	}
	ft := &FailThrottle{maxFailures: maxFailures, window: window, now: now}
	ft.t = newTable(maxKeys, ft.expired, ft.forgetAt)
	return ft
}

// forgetAt is when a record stops mattering: a window after it started if
// the IP was never blocked, otherwise a window after its block ends, so an
// attacker who resumes right after a block keeps escalating.
func (ft *FailThrottle) forgetAt(f failRecord) time.Time {
	if f.blockedUntil.IsZero() {
		return f.windowStart.Add(ft.window)
	}
	return f.blockedUntil.Add(ft.window)
}

func (ft *FailThrottle) expired(f failRecord, now time.Time) bool {
	return !now.Before(ft.forgetAt(f))
}

// Blocked reports whether ip is currently blocked and, if so, for how much
// longer. Check it before attempting authentication, so that a blocked client
// does not even get to test a credential.
func (ft *FailThrottle) Blocked(ip string) (bool, time.Duration) {
	now := ft.now()
	s := ft.t.shard(ip)
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.m[ip]
	if !ok || !now.Before(f.blockedUntil) {
		return false, 0
	}
	return true, f.blockedUntil.Sub(now)
}

// Fail records a failed authentication attempt from ip. Failures recorded
// while already blocked (requests that were in flight when the block began)
// still count and extend the block.
func (ft *FailThrottle) Fail(ip string) {
	now := ft.now()
	s := ft.t.shard(ip)
	s.mu.Lock()
	defer s.mu.Unlock()
	ft.t.tick(s, now)

	f, ok := s.m[ip]
	if !ok {
		ft.t.makeRoom(s, now)
	}
	if !ok || ft.expired(f, now) {
		f = failRecord{windowStart: now}
	}
	f.failures++
	if f.failures >= ft.maxFailures {
		f.blockedUntil = now.Add(backoff(ft.window, f.failures-ft.maxFailures))
	}
	s.m[ip] = f
}

// Success records a successful authentication from ip and clears that IP's
// failure record, so a user who mistyped a few times starts afresh. It
// touches only ip: a valid credential presented from one address must not
// reset an attacker's count at another. It also does not lift an active
// block; a success can only arrive during a block from a request that was
// already in flight, and honouring it would let a client holding one valid
// credential reset its own block at will.
func (ft *FailThrottle) Success(ip string) {
	now := ft.now()
	s := ft.t.shard(ip)
	s.mu.Lock()
	defer s.mu.Unlock()
	if f, ok := s.m[ip]; ok && !now.Before(f.blockedUntil) {
		delete(s.m, ip)
	}
}

// backoff returns window·2^extra, capped at maxBlock without overflowing.
func backoff(window time.Duration, extra int) time.Duration {
	d := window
	for range extra {
		if d >= maxBlock {
			break
		}
		d *= 2
	}
	return min(d, maxBlock)
}
