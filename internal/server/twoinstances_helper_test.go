package server_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/server"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// instance is one running `frontdesk serve` of a multi-instance test.
type instance struct {
	App     *server.App
	URL     string // http://127.0.0.1:PORT
	DataDir string // this instance's own data directory
}

// startInstances runs n instances of one help desk: server.Open on the same
// fresh PostgreSQL schema, each with a data directory of its own (nothing on
// disk is shared) and its own 127.0.0.1 port. configure, when non-nil,
// changes each instance's Config before server.Open (the API rate limit,
// S3 settings). setup, when non-nil, runs on each App before it serves (to
// register schedules or job handlers). The
// instances are listening for other instances' events when it returns, and
// stop when the test ends. Without FRONTDESK_TEST_DATABASE_URL the test is
// skipped, or fails when FRONTDESK_REQUIRE_POSTGRES is set.
func startInstances(t *testing.T, n int, configure func(c *server.Config), setup func(i int, a *server.App)) []*instance {
	t.Helper()
	url, _ := storetest.SchemaURL(t, storetest.RequirePostgresURL(t))
	var out []*instance
	for i := range n {
		ctx, cancel := context.WithCancel(context.Background())
		logger := slog.New(slog.NewTextHandler(io.Discard, nil))
		cfg := server.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), DatabaseURL: url, ShutdownGrace: 10 * time.Second}
		if configure != nil {
			configure(&cfg)
		}
		app, err := server.Open(ctx, cfg, logger)
		if err != nil {
			cancel()
			t.Fatal(err)
		}
		if setup != nil {
			setup(i, app)
		}
		addrc := make(chan string, 1)
		done := make(chan error, 1)
		go func() { done <- app.Serve(ctx, func(a string) { addrc <- a }) }()
		t.Cleanup(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("instance %d: %v", i, err)
			}
			app.Close()
		})
		select {
		case a := <-addrc:
			out = append(out, &instance{App: app, URL: "http://" + a, DataDir: cfg.DataDir})
		case err := <-done:
			t.Fatalf("instance %d: %v", i, err)
		}
		if app.Relay == nil {
			t.Fatal("no event relay on PostgreSQL")
		}
		select {
		case <-app.Relay.Listening():
		case <-time.After(30 * time.Second):
			t.Fatalf("instance %d never listened for events", i)
		}
	}
	// A relay that knows of no other instance sends nothing: wait until
	// every instance has heard from all the others.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		met := true
		for _, in := range out {
			met = met && in.App.Relay.Peers() >= len(out)-1
		}
		if met {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the instances' event relays never met")
		}
	}
	return out
}
