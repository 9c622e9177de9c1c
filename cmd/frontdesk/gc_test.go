package main

import (
	"os"
	"runtime/debug"
	"testing"

	"github.com/frontdesk/frontdesk/internal/config"
)

// TestServeSetsTheCollectorsTarget: serve gives the runtime --gc-percent
// (config.DefaultGCPercent when not given), and leaves it as GOGC made it
// when GOGC is in the environment and the option is not.
func TestServeSetsTheCollectorsTarget(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	unset := func(k string) {
		t.Setenv(k, "") // restores the variable after the test
		os.Unsetenv(k)
	}
	for _, tc := range []struct {
		name string
		env  map[string]string
		want int
	}{
		{"default", nil, config.DefaultGCPercent},
		{"GOGC obeyed", map[string]string{"GOGC": "77"}, 100},
		{"option over GOGC", map[string]string{"GOGC": "77", "FRONTDESK_GC_PERCENT": "345"}, 345},
	} {
		unset("GOGC")
		unset("FRONTDESK_GC_PERCENT")
		for k, v := range tc.env {
			t.Setenv(k, v)
		}
		debug.SetGCPercent(100)
		serveOnce(t, t.TempDir())
		if got := debug.SetGCPercent(100); got != tc.want {
			t.Errorf("%s: the collector's target after serve is %d, want %d", tc.name, got, tc.want)
		}
	}
}
