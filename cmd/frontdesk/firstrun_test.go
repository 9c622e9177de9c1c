package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/config"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/server"
)

// syncBuffer is a bytes.Buffer safe for the server's logger and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var setupCodeLog = regexp.MustCompile(`"setup_code":"([A-Z2-7-]+)"`)

// serveOnce runs `frontdesk serve` on dir until it has logged that it is
// listening, then stops it, and returns its log.
func serveOnce(t *testing.T, dir string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var log syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--data", dir, "--addr", "127.0.0.1:0"}, nil, &log, &log)
	}()
	deadline := time.After(30 * time.Second)
	for !strings.Contains(log.String(), "listening") {
		select {
		case err := <-done:
			cancel()
			t.Fatalf("serve stopped: %v\n%s", err, log.String())
		case <-deadline:
			cancel()
			t.Fatalf("serve did not start:\n%s", log.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
	return log.String()
}

// TestServePrintsSetupCode: with no administrator, serve logs a one-time
// setup code; `frontdesk user create --role admin` voids it, and the next
// start prints none.
func TestServePrintsSetupCode(t *testing.T) {
	dir := t.TempDir()
	m := setupCodeLog.FindStringSubmatch(serveOnce(t, dir))
	if m == nil {
		t.Fatal("no setup code in the log of a fresh start")
	}
	code := m[1]
	var out bytes.Buffer
	if err := run(context.Background(), []string{"user", "create", "--data", dir, "--email", "ada@example.com", "--name", "Ada", "--role", "admin"},
		strings.NewReader("a long enough passphrase\n"), &out, &out); err != nil {
		t.Fatal(err)
	}
	ppl, closeFn, err := openPeople(context.Background(), &config.Config{Server: server.Config{DataDir: dir}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = ppl.SetupOwner(context.Background(), code, "Eve", "eve@example.com", "a long enough passphrase")
	closeFn()
	if desk.ErrorCode(err) != desk.ENOTFOUND {
		t.Fatalf("the printed code after user create: %v", err)
	}
	if log := serveOnce(t, dir); strings.Contains(log, "setup_code") {
		t.Fatalf("a setup code printed with an admin:\n%s", log)
	}

	// On another fresh directory the printed code creates the owner.
	dir2 := t.TempDir()
	m = setupCodeLog.FindStringSubmatch(serveOnce(t, dir2))
	if m == nil {
		t.Fatal("no setup code in the log of a fresh start")
	}
	ppl, closeFn, err = openPeople(context.Background(), &config.Config{Server: server.Config{DataDir: dir2}})
	if err != nil {
		t.Fatal(err)
	}
	defer closeFn()
	u, err := ppl.SetupOwner(context.Background(), m[1], "Olga", "olga@example.com", "a long enough passphrase")
	if err != nil || !u.IsOwner {
		t.Fatalf("the printed code: %+v, %v", u, err)
	}
}
