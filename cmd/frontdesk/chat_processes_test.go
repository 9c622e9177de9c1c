package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/chat"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/secrets"
	"github.com/frontdesk/frontdesk/internal/server"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// startServeHTTP runs `frontdesk serve` with args in a child process and
// waits until its /healthz answers 200; it returns the base URL.
func startServeHTTP(t *testing.T, args string) string {
	t.Helper()
	addr := freePort(t)
	startChild(t, "serve --addr "+addr+" "+args)
	base := "http://" + addr
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if res, err := http.Get(base + "/healthz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return base
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never answered /healthz", base)
		}
	}
}

// TestChatAcrossTwoProcesses: two `frontdesk serve` processes on one
// PostgreSQL database; a visitor's socket on one process and a socket of
// the same chat on the other (as a visitor's second tab, or the agent's
// side, would be) see each other's messages in real time, both ways,
// through the database's event relay and nothing else.
func TestChatAcrossTwoProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two servers")
	}
	url, _ := storetest.SchemaURL(t, storetest.RequirePostgresURL(t))
	// Instances of one help desk share the instance key (README,
	// "Several instances"): a visitor token signed on one is valid on the
	// other. The servers inherit it from this process's environment.
	key, err := secrets.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("FRONTDESK_SECRET_KEY", secrets.EncodeKey(key))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Migrate and make the widget key in this process, before the servers
	// start, so neither races the other over the schema.
	app, err := server.Open(ctx, server.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), DatabaseURL: url, ShutdownGrace: time.Second},
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	origin := "https://shop.example.com"
	name, origins := "Two", []string{origin}
	k, err := app.Chat.CreateKey(desk.SystemContext(ctx), chat.KeyInput{Name: &name, Origins: &origins})
	if err != nil {
		t.Fatal(err)
	}
	if err := app.Close(); err != nil {
		t.Fatal(err)
	}
	args := "--database-url " + url + " --trusted-proxies 127.0.0.1/32 --data "
	a := startServeHTTP(t, args+t.TempDir())
	b := startServeHTTP(t, args+t.TempDir())

	bench := func(from, to string, active int) string {
		var out bytes.Buffer
		if err := run(ctx, []string{"chatbench", "--url", from, "--url2", to, "--key", k.PublicKey, "--origin", origin,
			"--idle", "0", "--active", strconv.Itoa(active), "--messages", "3", "--every", "100ms"}, nil, &out, &out); err != nil {
			t.Fatalf("chatbench %s → %s: %v\n%s", from, to, err, out.String())
		}
		return out.String()
	}
	allArrived := func(out string, active int) bool {
		return regexp.MustCompile(`active chats: \d+, ` + strconv.Itoa(3*active) + ` messages delivered in \S+, 0 lost, 0 setup failures`).MatchString(out)
	}
	// A relay sends only once it has heard of another instance, which the
	// second server's start-up announcement brings within a round trip:
	// until then a message may reach only its own process. Wait for that
	// meeting with one small chat at a time.
	for deadline := time.Now().Add(30 * time.Second); ; {
		out := bench(a, b, 1)
		if allArrived(out, 1) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the two processes' event relays never met:\n%s", out)
		}
	}
	for _, dir := range [][2]string{{a, b}, {b, a}} {
		if out := bench(dir[0], dir[1], 5); !allArrived(out, 5) {
			t.Fatalf("%s → %s: messages lost or late:\n%s", dir[0], dir[1], out)
		}
	}
}
