// Command frontdesk is the whole help desk in one binary: the server, its
// migrations and the administrative commands scripts rely on.
package main

import (
	"context"
	"errors"
	"fmt"
	"github.com/frontdesk/frontdesk/internal/account"
	"io"
	"log/slog"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/frontdesk/frontdesk/internal/config"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/server"
	"github.com/frontdesk/frontdesk/internal/store"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

const usage = `Frontdesk — a self-hosted help desk.

Usage:
  frontdesk serve   [--addr 127.0.0.1:8080] [--data ./frontdesk-data]   (frontdesk serve --help lists every option)
  frontdesk migrate [--data DIR]
  frontdesk user create --email E --name N --role admin|agent|end-user   (password on standard input, optional)
  frontdesk token create --email E [--name LABEL]
  frontdesk audit verify [--data DIR]   (checks the audit log's hash chain; exit 1 on a broken link)
  frontdesk backup  --out FILE [--data DIR] [--include-key]   (online backup of the embedded store and attachments)
  frontdesk restore FILE [--data DIR] [--force]   (restores a backup into an empty data directory)
  frontdesk keys rotate|check [--data DIR]   (re-seal every stored secret under a new key | check they all open)
  frontdesk bench   --url URL --email E --token T [--clients 16] [--creates N] [--lists N] [--searches N]
  frontdesk chatbench --url URL --key K --origin O [--idle N] [--active N] [--url2 URL] [--metrics URL]
  frontdesk seed    --tickets N [--data DIR]   (fills a store for benchmarks)
  frontdesk version

Every option can also be set as FRONTDESK_<FLAG> (for example FRONTDESK_ADDR);
FRONTDESK_DATABASE_URL=postgres://… uses PostgreSQL instead of SQLite.
A bad value stops the command with an error naming the option.
`

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "frontdesk:", err)
		os.Exit(1)
	}
}

// newFlags returns the configuration loader of command for options of
// scope (config.Store for commands that open the store); add the
// command's own flags to its FlagSet, then call load.
func newFlags(name string, scope config.Scope) *config.Loader {
	return config.NewLoader(name, scope, nil)
}

// load parses args and the environment. It returns ok=false (and no error)
// when only the help was asked for.
func load(l *config.Loader, args []string, stdout io.Writer) (*config.Config, bool, error) {
	cfg, err := l.Parse(args, stdout)
	if errors.Is(err, config.ErrHelp) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return cfg, true, nil
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], stdout, stderr)
	case "migrate":
		return migrate(ctx, args[1:], stdout)
	case "user":
		if len(args) < 2 || args[1] != "create" {
			return errors.New("usage: frontdesk user create --email E --name N --role R")
		}
		return userCreate(ctx, args[2:], stdin, stdout)
	case "token":
		if len(args) < 2 || args[1] != "create" {
			return errors.New("usage: frontdesk token create --email E [--name LABEL]")
		}
		return tokenCreate(ctx, args[2:], stdout)
	case "audit":
		if len(args) < 2 || args[1] != "verify" {
			return errors.New("usage: frontdesk audit verify [--data DIR]")
		}
		return auditVerify(ctx, args[2:], stdout)
	case "backup":
		return backupCmd(ctx, args[1:], stdout, stderr)
	case "restore":
		return restoreCmd(ctx, args[1:], stdin, stdout)
	case "keys":
		return keysCmd(ctx, args[1:], stdout)
	case "bench":
		return bench(ctx, args[1:], stdout)
	case "chatbench":
		return chatbench(ctx, args[1:], stdout)
	case "seed":
		return seed(ctx, args[1:], stdout)
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "frontdesk", version)
		return nil
	case "help", "--help", "-h":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, ok, err := load(newFlags("serve", config.Store|config.Serve), args, stdout)
	if !ok {
		return err
	}
	logger := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	if cfg.GCPercent > 0 {
		debug.SetGCPercent(cfg.GCPercent)
	}
	if cfg.DebugAddr != "" {
		go func() {
			logger.Info("pprof listening", "addr", cfg.DebugAddr)
			logger.Warn("pprof server stopped", "err", http.ListenAndServe(cfg.DebugAddr, pprofMux()))
		}()
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	app, err := server.Open(ctx, cfg.Server, logger)
	if err != nil {
		return err
	}
	defer app.Close()
	// First run: without an administrator nobody can sign in, so print a
	// one-time code for the owner page (/agent/setup). Only whoever reads
	// this log can claim the account.
	code, err := app.People.NewSetupCode(desk.SystemContext(ctx))
	if err != nil {
		return err
	}
	if code != "" {
		logger.Warn("no administrator yet: open /agent in a browser and enter this setup code to create the owner account, "+
			"or run `frontdesk user create --role admin`", "setup_code", code)
	}
	return app.Serve(ctx, nil)
}

func migrate(ctx context.Context, args []string, stdout io.Writer) error {
	c, ok, err := load(newFlags("migrate", config.Store), args, stdout)
	if !ok {
		return err
	}
	db, err := store.Open(ctx, c.Server.DatabaseURL, c.Server.DataDir)
	if err != nil {
		return err
	}
	defer db.Close()
	v, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "schema at version %d (%s)\n", v, db.Dialect)
	return nil
}

func openPeople(ctx context.Context, c *config.Config) (*people.Service, func(), error) {
	db, err := store.Open(ctx, c.Server.DatabaseURL, c.Server.DataDir)
	if err != nil {
		return nil, nil, err
	}
	ppl := people.New(db, nil)
	ppl.EndSessionsTx = account.EndUserSessionsTx
	return ppl, func() { db.Close() }, nil
}

func userCreate(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	l := newFlags("user create", config.Store)
	fs := l.FlagSet()
	email := fs.String("email", "", "email address")
	name := fs.String("name", "", "full name")
	role := fs.String("role", "end-user", "admin, agent or end-user")
	c, ok, err := load(l, args, stdout)
	if !ok {
		return err
	}
	if *email == "" || *name == "" {
		return errors.New("--email and --name are required")
	}
	r := desk.Role(*role)
	in := people.UserInput{Name: name, Email: email, Role: &r}
	if f, ok := stdin.(*os.File); !ok || !isTerminal(f) {
		b, err := io.ReadAll(io.LimitReader(stdin, 4096))
		if err != nil {
			return err
		}
		if pw := strings.TrimRight(string(b), "\r\n"); pw != "" {
			in.Password = &pw
		}
	}
	svc, closeFn, err := openPeople(ctx, c)
	if err != nil {
		return err
	}
	defer closeFn()
	u, err := svc.CreateUser(desk.SystemContext(ctx), in)
	if err != nil {
		return describe(err)
	}
	fmt.Fprintf(stdout, "created user %d <%s> (%s)\n", u.ID, u.Email, u.Role)
	return nil
}

func tokenCreate(ctx context.Context, args []string, stdout io.Writer) error {
	l := newFlags("token create", config.Store)
	fs := l.FlagSet()
	email := fs.String("email", "", "the token's user")
	label := fs.String("name", "cli", "a label for the token")
	c, ok, err := load(l, args, stdout)
	if !ok {
		return err
	}
	if *email == "" {
		return errors.New("--email is required")
	}
	svc, closeFn, err := openPeople(ctx, c)
	if err != nil {
		return err
	}
	defer closeFn()
	sys := desk.SystemContext(ctx)
	u, err := svc.UserByEmail(sys, *email)
	if err != nil {
		return fmt.Errorf("no user with email %s", *email)
	}
	tok, err := svc.CreateToken(sys, u.ID, *label)
	if err != nil {
		return describe(err)
	}
	fmt.Fprintln(stdout, tok.Token)
	return nil
}

// describe turns a validation error into one readable line.
func describe(err error) error {
	var de *desk.Error
	if !errors.As(err, &de) || len(de.Details) == 0 {
		return err
	}
	var parts []string
	for field, fes := range de.Details {
		for _, fe := range fes {
			parts = append(parts, field+" "+fe.Description)
		}
	}
	return errors.New(strings.Join(parts, "; "))
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// pprofMux serves the profiler on its own mux so it is never exposed on the
// public listener by accident.
func pprofMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	return mux
}
