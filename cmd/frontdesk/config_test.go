package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestMain lets a test run the real main (exit status included) by starting
// the test binary again with FRONTDESK_TEST_RUN_MAIN set.
func TestMain(m *testing.M) {
	if os.Getenv("FRONTDESK_TEST_RUN_MAIN") == "1" {
		os.Args = append([]string{"frontdesk"}, strings.Fields(os.Getenv("FRONTDESK_TEST_ARGS"))...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// runMain runs main in a child process with args and extra environment,
// and returns its exit status and standard error.
func runMain(t *testing.T, args string, env ...string) (int, string) {
	t.Helper()
	// A configuration that is (wrongly) accepted would start serving: the
	// deadline turns that into a failure instead of a hang.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), append([]string{"FRONTDESK_TEST_RUN_MAIN=1", "FRONTDESK_TEST_ARGS=" + args}, env...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), stderr.String()
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0, stderr.String()
}

// A bad value stops `frontdesk serve` before it opens anything: non-zero
// exit, and a message naming the variable and the value. (Before, 10MB was
// silently read as the 50 MiB default.)
func TestServeRefusesBadConfiguration(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ args, env, want string }{
		{"serve --addr 127.0.0.1:0 --data " + dir, "FRONTDESK_MAX_UPLOAD=10XB", `invalid FRONTDESK_MAX_UPLOAD="10XB"`},
		{"serve --addr 127.0.0.1:0 --data " + dir, "FRONTDESK_TRUSTED_PROXIES=10.0.0.0/33", `invalid FRONTDESK_TRUSTED_PROXIES="10.0.0.0/33"`},
		{"serve --addr 127.0.0.1:0 --data " + dir, "FRONTDESK_PUBLIC_URL=https://help.example.com/app", `invalid FRONTDESK_PUBLIC_URL`},
		{"serve --data " + dir + " --job-workers 0", "", `job-workers`},
		{"migrate --data " + dir, "FRONTDESK_DATABASE_URL=mysql://db/fd", `invalid FRONTDESK_DATABASE_URL`},
		{"user create --email a@example.com --name A --data " + dir, "FRONTDESK_LOG_LEVEL=loud", `invalid FRONTDESK_LOG_LEVEL="loud"`},
	} {
		code, stderr := runMain(t, tc.args, tc.env)
		if code == 0 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%s %s: exit %d, stderr %q; want a non-zero exit and %q", tc.env, tc.args, code, stderr, tc.want)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("a refused start wrote %d files in the data directory", len(entries))
	}
}

func TestServeHelp(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"serve", "--help"}, nil, &out, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"--max-upload", "FRONTDESK_MAX_UPLOAD", "50MiB", "--public-url"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("help lacks %q:\n%s", want, out.String())
		}
	}
}
