// Package compat checks Frontdesk against unmodified Zendesk API clients.
package compat

import (
	"context"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/server"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// TestNodeZendesk runs compat/node/run.js (node-zendesk 6.0.1) against a
// real server on each store: the wrapped ticket, user, organization,
// group, membership, search, job status, export, tag, identity, ticket
// field and form, user and organization field, requests, locale, brand
// and OAuth client and token methods, and the help-center client
// (client.helpcenter: articles, sections, categories, translations,
// search, votes), whose endpoints Frontdesk serves,
// with node-zendesk in OAuth mode too (see README "Zendesk
// compatibility").
func TestNodeZendesk(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("FRONTDESK_REQUIRE_NODE") != "" {
			t.Fatal("node is required (FRONTDESK_REQUIRE_NODE is set) but not installed")
		}
		t.Skip("node not installed")
	}
	dir, _ := filepath.Abs("node")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "node-zendesk")); err != nil {
		cmd := exec.Command("npm", "ci", "--no-audit", "--no-fund")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("npm ci: %v\n%s", err, out)
		}
	}
	stores := map[string]string{"sqlite": ""}
	if base := storetest.PostgresURL(); base != "" {
		u, _ := storetest.SchemaURL(t, base)
		stores["postgres"] = u
	}
	for name, dbURL := range stores {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			logger := slog.New(slog.NewTextHandler(io.Discard, nil))
			app, err := server.Open(ctx, server.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), DatabaseURL: dbURL, JobWorkers: 2}, logger)
			if err != nil {
				t.Fatal(err)
			}
			defer app.Close()
			// Exports leave out the last minute of changes (Zendesk's
			// horizon); everything here is seconds old, so shorten it.
			app.Tickets.ExportLag = time.Microsecond
			app.People.ExportLag = time.Microsecond
			sys := desk.SystemContext(ctx)
			email, nm, role := "admin@compat.test", "Compat Admin", desk.RoleAdmin
			password := "kompatybilność " + strconv.FormatInt(time.Now().UnixNano(), 36)
			u, err := app.People.CreateUser(sys, people.UserInput{Email: &email, Name: &nm, Role: &role, Password: &password})
			if err != nil {
				t.Fatal(err)
			}
			tok, err := app.People.CreateToken(sys, u.ID, "compat")
			if err != nil {
				t.Fatal(err)
			}
			addrc := make(chan string, 1)
			done := make(chan error, 1)
			go func() { done <- app.Serve(ctx, func(a string) { addrc <- a }) }()
			var addr string
			select {
			case addr = <-addrc:
			case err := <-done:
				t.Fatal(err)
			}
			runCtx, stop := context.WithTimeout(ctx, 3*time.Minute)
			defer stop()
			cmd := exec.CommandContext(runCtx, node, "run.js")
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "FRONTDESK_URL=http://"+addr, "FRONTDESK_EMAIL="+email, "FRONTDESK_TOKEN="+tok.Token, "FRONTDESK_PASSWORD="+password)
			out, err := cmd.CombinedOutput()
			t.Logf("node-zendesk:\n%s", out)
			if err != nil {
				t.Fatalf("node-zendesk run failed: %v", err)
			}
			cancel()
			if err := <-done; err != nil {
				t.Fatalf("serve: %v", err)
			}
		})
	}
}
