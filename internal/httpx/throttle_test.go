package httpx

import (
	"strconv"
	"testing"
	"time"
)

func TestFailThrottle(t *testing.T) {
	const window = time.Minute
	type op int
	const (
		fail op = iota
		success
		check
	)
	type step struct {
		advance     time.Duration
		op          op
		ip          string
		wantBlocked bool          // for check
		wantRetry   time.Duration // for check
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{
			name: "blocks at maxFailures for one window",
			steps: []step{
				{0, fail, "1.1.1.1", false, 0},
				{0, fail, "1.1.1.1", false, 0},
				{0, check, "1.1.1.1", false, 0},
				{0, fail, "1.1.1.1", false, 0},
				{0, check, "1.1.1.1", true, window},
				{30 * time.Second, check, "1.1.1.1", true, 30 * time.Second},
				{30 * time.Second, check, "1.1.1.1", false, 0},
			},
		},
		{
			name: "failures spread beyond the window do not block",
			steps: []step{
				{0, fail, "1.1.1.1", false, 0},
				{0, fail, "1.1.1.1", false, 0},
				{window, fail, "1.1.1.1", false, 0},
				{0, check, "1.1.1.1", false, 0},
				{0, fail, "1.1.1.1", false, 0},
				{0, check, "1.1.1.1", false, 0},
				{0, fail, "1.1.1.1", false, 0},
				{0, check, "1.1.1.1", true, window},
			},
		},
		{
			name: "exponential back-off after the block",
			steps: []step{
				{0, fail, "a", false, 0},
				{0, fail, "a", false, 0},
				{0, fail, "a", false, 0},
				{0, check, "a", true, window},
				{window, fail, "a", false, 0},
				{0, check, "a", true, 2 * window},
				{2 * window, fail, "a", false, 0},
				{0, check, "a", true, 4 * window},
			},
		},
		{
			name: "back-off capped at one hour",
			steps: []step{
				{0, fail, "a", false, 0}, {0, fail, "a", false, 0}, {0, fail, "a", false, 0},
				{0, fail, "a", false, 0}, {0, fail, "a", false, 0}, {0, fail, "a", false, 0},
				{0, fail, "a", false, 0}, {0, fail, "a", false, 0}, {0, fail, "a", false, 0},
				{0, fail, "a", false, 0}, {0, fail, "a", false, 0}, {0, fail, "a", false, 0},
				{0, check, "a", true, time.Hour},
			},
		},
		{
			name: "quiet for a window after the block forgets the escalation",
			steps: []step{
				{0, fail, "a", false, 0},
				{0, fail, "a", false, 0},
				{0, fail, "a", false, 0},
				{2 * window, fail, "a", false, 0},
				{0, check, "a", false, 0},
			},
		},
		{
			name: "success clears only that IP",
			steps: []step{
				{0, fail, "attacker", false, 0},
				{0, fail, "attacker", false, 0},
				{0, fail, "user", false, 0},
				{0, fail, "user", false, 0},
				{0, success, "user", false, 0},
				{0, fail, "attacker", false, 0},
				{0, check, "attacker", true, window},
				{0, fail, "user", false, 0},
				{0, check, "user", false, 0},
			},
		},
		{
			name: "success does not lift an active block",
			steps: []step{
				{0, fail, "a", false, 0},
				{0, fail, "a", false, 0},
				{0, fail, "a", false, 0},
				{0, success, "a", false, 0},
				{0, check, "a", true, window},
				{window, success, "a", false, 0},
				{0, fail, "a", false, 0},
				{0, check, "a", false, 0},
			},
		},
		{
			name: "unknown IP is not blocked",
			steps: []step{
				{0, check, "never-seen", false, 0},
				{0, success, "never-seen", false, 0},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newFakeClock()
			ft := NewFailThrottle(3, window, clk.Now)
			for i, s := range tt.steps {
				clk.Advance(s.advance)
				switch s.op {
				case fail:
					ft.Fail(s.ip)
				case success:
					ft.Success(s.ip)
				case check:
					blocked, retry := ft.Blocked(s.ip)
					if blocked != s.wantBlocked || retry != s.wantRetry {
						t.Errorf("step %d: Blocked(%q) = %v, %v; want %v, %v",
							i, s.ip, blocked, retry, s.wantBlocked, s.wantRetry)
					}
				}
			}
		})
	}
}

func TestBackoff(t *testing.T) {
	tests := []struct {
		window time.Duration
		extra  int
		want   time.Duration
	}{
		{time.Minute, 0, time.Minute},
		{time.Minute, 1, 2 * time.Minute},
		{time.Minute, 5, 32 * time.Minute},
		{time.Minute, 6, time.Hour},
		{time.Minute, 1000, time.Hour},
		{2 * time.Hour, 0, time.Hour},
		{time.Nanosecond, 100, time.Hour},
	}
	for _, tt := range tests {
		if got := backoff(tt.window, tt.extra); got != tt.want {
			t.Errorf("backoff(%v, %d) = %v, want %v", tt.window, tt.extra, got, tt.want)
		}
	}
}

func TestNewFailThrottleInvalid(t *testing.T) {
	for _, tt := range []struct {
		max    int
		window time.Duration
	}{{0, time.Minute}, {3, 0}, {-1, time.Minute}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("NewFailThrottle(%d, %v) did not panic", tt.max, tt.window)
				}
			}()
			NewFailThrottle(tt.max, tt.window, nil)
		}()
	}
}

func TestFailThrottleMemoryBounded(t *testing.T) {
	const maxKeys = 4 * tableShards
	clk := newFakeClock()
	ft := newFailThrottle(3, time.Minute, clk.Now, maxKeys)
	for i := range 100 * maxKeys {
		ft.Fail("10.0." + strconv.Itoa(i/256) + "." + strconv.Itoa(i%256))
	}
	if n := ft.t.len(); n > maxKeys {
		t.Errorf("table holds %d keys, bound is %d", n, maxKeys)
	}
}

// TestFailThrottleEvictsLeastValuable checks that when a shard is full of
// live records, the one closest to expiry is evicted, so a blocked attacker
// is not the first to be forgotten when others flood the table.
func TestFailThrottleEvictsLeastValuable(t *testing.T) {
	clk := newFakeClock()
	ft := newFailThrottle(3, time.Minute, clk.Now, 2*tableShards) // two keys per shard
	s := ft.t.shard("attacker")
	sameShard := func(prefix string) string {
		for i := 0; ; i++ {
			k := prefix + strconv.Itoa(i)
			if ft.t.shard(k) == s {
				return k
			}
		}
	}
	guesser, newcomer := sameShard("guesser"), sameShard("newcomer")

	ft.Fail("attacker")
	ft.Fail("attacker")
	ft.Fail("attacker") // blocked: kept until a window after the block ends
	clk.Advance(time.Second)
	ft.Fail(guesser) // one failure: expires a window after it
	ft.Fail(newcomer)

	for key, want := range map[string]bool{"attacker": true, guesser: false, newcomer: true} {
		if _, ok := s.m[key]; ok != want {
			t.Errorf("%s present = %v, want %v", key, ok, want)
		}
	}
	if blocked, _ := ft.Blocked("attacker"); !blocked {
		t.Error("attacker no longer blocked")
	}
}
