package httpx

import (
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"
)

func TestLimiterAllow(t *testing.T) {
	type step struct {
		advance       time.Duration
		key           string
		wantOK        bool
		wantRemaining int
		wantRetry     time.Duration
	}
	tests := []struct {
		name      string
		perMinute int
		steps     []step
	}{
		{
			name:      "counts down then denies until reset",
			perMinute: 3,
			steps: []step{
				{0, "a", true, 2, 0},
				{time.Second, "a", true, 1, 0},
				{time.Second, "a", true, 0, 0},
				{time.Second, "a", false, 0, 57 * time.Second},
				{56 * time.Second, "a", false, 0, time.Second},
				{time.Second, "a", true, 2, 0}, // window started at t=0 has ended
			},
		},
		{
			name:      "keys are independent",
			perMinute: 1,
			steps: []step{
				{0, "a", true, 0, 0},
				{0, "a", false, 0, time.Minute},
				{0, "b", true, 0, 0},
				{0, "b", false, 0, time.Minute},
			},
		},
		{
			name:      "denied requests do not consume or extend",
			perMinute: 1,
			steps: []step{
				{0, "a", true, 0, 0},
				{30 * time.Second, "a", false, 0, 30 * time.Second},
				{10 * time.Second, "a", false, 0, 20 * time.Second},
				{20 * time.Second, "a", true, 0, 0},
			},
		},
		{
			name:      "window starts at first request, not on the minute",
			perMinute: 2,
			steps: []step{
				{50 * time.Second, "a", true, 1, 0},
				{20 * time.Second, "a", true, 0, 0},
				{0, "a", false, 0, 40 * time.Second},
			},
		},
		{
			name:      "unlimited",
			perMinute: 0,
			steps: []step{
				{0, "a", true, 0, 0},
				{0, "a", true, 0, 0},
				{0, "a", true, 0, 0},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newFakeClock()
			l := NewLimiter(tt.perMinute, clk.Now)
			for i, s := range tt.steps {
				clk.Advance(s.advance)
				ok, limit, remaining, retry := l.Allow(s.key)
				if ok != s.wantOK || remaining != s.wantRemaining || retry != s.wantRetry || limit != tt.perMinute {
					t.Errorf("step %d: Allow(%q) = %v, %d, %d, %v; want %v, %d, %d, %v",
						i, s.key, ok, limit, remaining, retry, s.wantOK, tt.perMinute, s.wantRemaining, s.wantRetry)
				}
			}
		})
	}
}

func TestNewLimiterNegativePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic for negative perMinute")
		}
	}()
	NewLimiter(-1, nil)
}

func TestLimiterMemoryBounded(t *testing.T) {
	const maxKeys = 4 * tableShards
	clk := newFakeClock()
	l := newLimiter(5, clk.Now, maxKeys)
	for i := range 100 * maxKeys {
		l.Allow("k" + strconv.Itoa(i))
	}
	if n := l.t.len(); n > maxKeys {
		t.Errorf("table holds %d keys, bound is %d", n, maxKeys)
	}

	// Once windows end, the periodic sweep on each shard reclaims the space.
	clk.Advance(2 * time.Minute)
	now := clk.Now()
	for i := range l.t.shards {
		sh := &l.t.shards[i]
		sh.mu.Lock()
		for range sweepEvery {
			l.t.tick(sh, now)
		}
		sh.mu.Unlock()
	}
	if n := l.t.len(); n != 0 {
		t.Errorf("after expiry table holds %d keys, want all swept", n)
	}
}

func TestLimiterConcurrent(t *testing.T) {
	const perMinute, goroutines, tries = 100, 8, 50
	l := NewLimiter(perMinute, newFakeClock().Now)
	var mu sync.Mutex
	allowed := 0
	var wg sync.WaitGroup
	for range goroutines {
		wg.Go(func() {
			for range tries {
				if ok, _, _, _ := l.Allow("shared"); ok {
					mu.Lock()
					allowed++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if allowed != perMinute {
		t.Errorf("allowed %d, want exactly %d", allowed, perMinute)
	}
}

func TestSetHeaders(t *testing.T) {
	tests := []struct {
		name             string
		limit, remaining int
		wantLimit        string
		wantRemaining    string
	}{
		{"normal", 700, 699, "700", "699"},
		{"exhausted", 700, 0, "700", "0"},
		{"negative remaining clamped", 10, -3, "10", "0"},
		{"unlimited writes nothing", 0, 0, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rr := httptest.NewRecorder()
			SetHeaders(rr, tt.limit, tt.remaining, 0)
			if got := rr.Header().Get("X-Rate-Limit"); got != tt.wantLimit {
				t.Errorf("X-Rate-Limit = %q, want %q", got, tt.wantLimit)
			}
			if got := rr.Header().Get("X-Rate-Limit-Remaining"); got != tt.wantRemaining {
				t.Errorf("X-Rate-Limit-Remaining = %q, want %q", got, tt.wantRemaining)
			}
		})
	}
}

func TestWriteRetryAfter(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "1"},
		{-time.Second, "1"},
		{time.Nanosecond, "1"},
		{time.Second, "1"},
		{time.Second + time.Millisecond, "2"},
		{59*time.Second + 999*time.Millisecond, "60"},
		{time.Minute, "60"},
		{time.Duration(1<<63 - 1), "9223372037"},
	}
	for _, tt := range tests {
		t.Run(tt.d.String(), func(t *testing.T) {
			rr := httptest.NewRecorder()
			WriteRetryAfter(rr, tt.d)
			if got := rr.Header().Get("Retry-After"); got != tt.want {
				t.Errorf("Retry-After = %q, want %q", got, tt.want)
			}
		})
	}
}
