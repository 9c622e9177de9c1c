package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/chat"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/server"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// TestChatbench runs the chat load tool, small, against a real server
// that trusts it as a proxy: every socket opens and every message arrives
// on the chat's other socket. FRONTDESK_CHATBENCH_IDLE and _ACTIVE make
// it bigger by hand (the figures in BENCHMARKS.md).
func TestChatbench(t *testing.T) {
	dir := t.TempDir()
	storetest.SeedSQLite(t, dir)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg := server.Config{Addr: "127.0.0.1:0", DataDir: dir, ShutdownGrace: 5 * time.Second, MetricsAddr: "127.0.0.1:0",
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}
	app, err := server.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	addr := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- app.Serve(ctx, func(a string) { addr <- a }) }()
	base := "http://" + <-addr
	defer func() { cancel(); <-done }()
	origin := "https://shop.example.com"
	name, origins := "Bench", []string{origin}
	k, err := app.Chat.CreateKey(desk.SystemContext(ctx), chat.KeyInput{Name: &name, Origins: &origins})
	if err != nil {
		t.Fatal(err)
	}
	idle, active := envInt("FRONTDESK_CHATBENCH_IDLE", 40), envInt("FRONTDESK_CHATBENCH_ACTIVE", 6)
	var out bytes.Buffer
	if err := run(ctx, []string{"chatbench", "--url", base, "--key", k.PublicKey, "--origin", origin, "--idle", strconv.Itoa(idle),
		"--active", strconv.Itoa(active), "--messages", "3", "--every", "200ms", "--metrics", "http://" + app.MetricsAddr() + "/metrics"}, nil, &out, &out); err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + out.String())
	if !regexp.MustCompile(`idle sockets: ` + strconv.Itoa(idle) + ` open \(0 failed\)`).MatchString(out.String()) {
		t.Fatalf("idle sockets:\n%s", out.String())
	}
	if !regexp.MustCompile(`active chats: \d+, ` + strconv.Itoa(3*active) + ` messages delivered in \S+, 0 lost, 0 setup failures`).MatchString(out.String()) {
		t.Fatalf("fan-out:\n%s", out.String())
	}
	if !regexp.MustCompile(`fan-out latency: p50 \S+, p99 \S+`).MatchString(out.String()) {
		t.Fatalf("no latency:\n%s", out.String())
	}
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}
