// Command frontdesk is the whole help desk in one binary: the server, its
// migrations and the administrative commands scripts rely on.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/server"
	"github.com/frontdesk/frontdesk/internal/store"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

const usage = `Frontdesk — a self-hosted help desk.

Usage:
  frontdesk serve   [--addr 127.0.0.1:8080] [--data ./frontdesk-data]
  frontdesk migrate [--data DIR]
  frontdesk user create --email E --name N --role admin|agent|end-user   (password on standard input, optional)
  frontdesk token create --email E [--name LABEL]
  frontdesk bench   --url URL --email E --token T [--clients 16] [--creates N] [--lists N] [--searches N]
  frontdesk seed    --tickets N [--data DIR]   (fills a store for benchmarks)
  frontdesk version

Every flag can also be set as FRONTDESK_<FLAG> (for example FRONTDESK_ADDR);
FRONTDESK_DATABASE_URL=postgres://… uses PostgreSQL instead of SQLite.
`

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "frontdesk:", err)
		os.Exit(1)
	}
}

// common holds the settings every command shares.
type common struct {
	data        string
	databaseURL string
}

func env(name, def string) string {
	if v, ok := os.LookupEnv("FRONTDESK_" + name); ok {
		return v
	}
	return def
}

func envInt(name string, def int) int {
	if v, ok := os.LookupEnv("FRONTDESK_" + name); ok {
		if n, err := strconv.Atoi(v); err == nil {
			return n
		}
	}
	return def
}

func newFlags(name string, c *common) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.StringVar(&c.data, "data", env("DATA", "./frontdesk-data"), "data directory (SQLite database, attachments)")
	fs.StringVar(&c.databaseURL, "database-url", env("DATABASE_URL", ""), "postgres:// URL; empty uses embedded SQLite")
	return fs
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	logger := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: logLevel()}))
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], logger)
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
	case "bench":
		return bench(ctx, args[1:], stdout)
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

func logLevel() slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(env("LOG_LEVEL", "info"))); err != nil {
		return slog.LevelInfo
	}
	return l
}

func serve(ctx context.Context, args []string, logger *slog.Logger) error {
	var c common
	fs := newFlags("serve", &c)
	addr := fs.String("addr", env("ADDR", "127.0.0.1:8080"), "listen address")
	rate := fs.Int("api-rate-limit", envInt("API_RATE_LIMIT", 700), "API requests per minute per token (0 = no limit)")
	maxUpload := fs.Int64("max-upload", int64(envInt("MAX_UPLOAD", 50<<20)), "largest attachment in bytes")
	workers := fs.Int("job-workers", envInt("JOB_WORKERS", 2), "background job workers")
	debugAddr := fs.String("debug-addr", env("DEBUG_ADDR", ""), "serve net/http/pprof on this address (keep it on loopback)")
	publicURL := fs.String("public-url", env("PUBLIC_URL", ""), "the site's public address for links in emails, e.g. https://help.example.com")
	trustProto := fs.Bool("trust-forwarded-proto", env("TRUST_FORWARDED_PROTO", "") == "true", "treat X-Forwarded-Proto: https as HTTPS (only behind your own proxy)")
	formLimit := fs.Int("web-form-rate-limit", envInt("WEB_FORM_RATE_LIMIT", 10), "web-form submissions per minute per IP")
	s3Config := s3Flags(fs) // attachment object storage (s3flags.go)
	if err := fs.Parse(args); err != nil {
		return err
	}
	s3, err := s3Config()
	if err != nil {
		return err
	}
	if *debugAddr != "" {
		go func() {
			logger.Info("pprof listening", "addr", *debugAddr)
			logger.Warn("pprof server stopped", "err", http.ListenAndServe(*debugAddr, pprofMux()))
		}()
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	app, err := server.Open(ctx, server.Config{
		Addr: *addr, DataDir: c.data, DatabaseURL: c.databaseURL, APIRateLimit: *rate, MaxUpload: *maxUpload,
		JobWorkers: *workers, ShutdownGrace: 30 * time.Second,
		PublicURL: *publicURL, TrustForwardedProto: *trustProto, WebFormRateLimit: *formLimit,
		S3: s3,
	}, logger)
	if err != nil {
		return err
	}
	defer app.Close()
	return app.Serve(ctx, nil)
}

func migrate(ctx context.Context, args []string, stdout io.Writer) error {
	var c common
	fs := newFlags("migrate", &c)
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, err := store.Open(ctx, c.databaseURL, c.data)
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

func openPeople(ctx context.Context, c common) (*people.Service, func(), error) {
	db, err := store.Open(ctx, c.databaseURL, c.data)
	if err != nil {
		return nil, nil, err
	}
	return people.New(db, nil), func() { db.Close() }, nil
}

func userCreate(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	var c common
	fs := newFlags("user create", &c)
	email := fs.String("email", "", "email address")
	name := fs.String("name", "", "full name")
	role := fs.String("role", "end-user", "admin, agent or end-user")
	if err := fs.Parse(args); err != nil {
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
	var c common
	fs := newFlags("token create", &c)
	email := fs.String("email", "", "the token's user")
	label := fs.String("name", "cli", "a label for the token")
	if err := fs.Parse(args); err != nil {
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
