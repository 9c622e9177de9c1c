// Package server wires Frontdesk together: it opens the store, builds the
// services, mounts the HTTP adapters and runs the background job runner.
// It is the only place that knows every part, so the parts need not know
// each other.
package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/frontdesk/frontdesk/internal/account"
	"github.com/frontdesk/frontdesk/internal/api"
	"github.com/frontdesk/frontdesk/internal/attach"
	"github.com/frontdesk/frontdesk/internal/bulk"
	"github.com/frontdesk/frontdesk/internal/events"
	"github.com/frontdesk/frontdesk/internal/httpx"
	"github.com/frontdesk/frontdesk/internal/jobs"
	"github.com/frontdesk/frontdesk/internal/outbox"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/ratelimit"
	"github.com/frontdesk/frontdesk/internal/search"
	"github.com/frontdesk/frontdesk/internal/secrets"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/ticket"
	"github.com/frontdesk/frontdesk/internal/twofactor"
	"github.com/frontdesk/frontdesk/internal/web"
)

// Config is everything `frontdesk serve` can be told.
type Config struct {
	Addr          string
	DataDir       string
	DatabaseURL   string
	APIRateLimit  int   // requests per minute per token; 0 = unlimited
	MaxUpload     int64 // bytes per attachment
	JobWorkers    int
	ShutdownGrace time.Duration
	// PublicURL is the site's address for links in emails (password reset,
	// email verification), e.g. https://help.example.com.
	PublicURL string
	// TrustForwardedProto treats X-Forwarded-Proto: https as HTTPS (behind
	// a TLS-terminating proxy) when deciding on Secure cookies.
	TrustForwardedProto bool
	// WebFormRateLimit is web-form submissions per minute per IP (0 = 10).
	WebFormRateLimit int
	// S3 stores attachments in S3-compatible object storage when set (all
	// of its required fields or none); otherwise they go to the database on
	// PostgreSQL and to DataDir on SQLite (see openBlobs).
	S3 attach.S3Config
}

// App is a running Frontdesk: the store and the services over it.
type App struct {
	Config  Config
	Logger  *slog.Logger
	DB      *store.DB
	Events  *events.Bus
	Jobs    *jobs.Runner
	Tickets *ticket.Service
	People  *people.Service
	Search  *search.Service
	Bulk    *bulk.Service
	Blobs   *attach.Store
	Outbox  *outbox.Outbox
	Account *account.Service
	Web     *web.Server
}

// Open opens the store (migrating it) and builds the services.
func Open(ctx context.Context, cfg Config, logger *slog.Logger) (*App, error) {
	if cfg.MaxUpload == 0 {
		cfg.MaxUpload = 50 << 20
	}
	db, err := store.Open(ctx, cfg.DatabaseURL, cfg.DataDir)
	if err != nil {
		return nil, err
	}
	blobs, err := openBlobs(ctx, cfg, db)
	if err != nil {
		db.Close()
		return nil, err
	}
	a := &App{Config: cfg, Logger: logger, DB: db, Events: events.New(), Blobs: blobs}
	a.Jobs = jobs.NewRunner(db, logger)
	a.People = people.New(db, a.Events)
	a.Tickets = ticket.New(db, a.Events, blobs)
	a.Tickets.OnJob = a.Jobs.Notify
	a.Search = &search.Service{DB: db, Tickets: a.Tickets, People: a.People, Now: time.Now}
	a.Bulk = &bulk.Service{DB: db, Tickets: a.Tickets, OnJob: a.Jobs.Notify}
	a.Bulk.Register(a.Jobs)
	a.Outbox = outbox.New(db)
	a.Account = account.New(db, a.People, a.Outbox)
	box, err := secrets.Open(cfg.DataDir)
	if err != nil {
		db.Close()
		return nil, err
	}
	a.Web, err = web.New(web.Deps{
		DB: db, Tickets: a.Tickets, People: a.People, Search: a.Search, Account: a.Account, Outbox: a.Outbox,
		TwoFactor: twofactor.New(db, box, ""), Passwords: a.People.Passwords,
		Events: a.Events, Logger: logger, MaxUpload: cfg.MaxUpload, PublicURL: cfg.PublicURL,
		TrustForwardedProto: cfg.TrustForwardedProto, WebFormPerMinute: cfg.WebFormRateLimit, Context: ctx,
	})
	if err != nil {
		db.Close()
		return nil, err
	}
	a.Jobs.Handle(ticket.JobDeleteBlobs, func(ctx context.Context, p json.RawMessage) error {
		var keys []string
		if err := json.Unmarshal(p, &keys); err != nil {
			return jobs.Permanent(err)
		}
		for _, k := range keys {
			if err := blobs.Delete(ctx, k); err != nil {
				return err
			}
		}
		return nil
	})
	return a, nil
}

// Close releases the store.
func (a *App) Close() error { return a.DB.Close() }

// Handler builds the whole HTTP surface.
func (a *App) Handler(reg *prometheus.Registry) http.Handler {
	mux := http.NewServeMux()
	apiSrv := &api.Server{
		DB: a.DB, Tickets: a.Tickets, People: a.People, Search: a.Search, Bulk: a.Bulk, Jobs: a.Jobs, Logger: a.Logger,
		Limiter: ratelimit.For(a.DB, a.Config.APIRateLimit, a.Logger), AuthFailures: api.NewAuthThrottle(), MaxUpload: a.Config.MaxUpload,
	}
	apiSrv.Register(mux)
	metrics := httpx.NewMetrics(reg)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "application/json")
		if err := a.DB.Ping(ctx); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintf(w, `{"status":"unavailable"}`+"\n")
			return
		}
		fmt.Fprintf(w, `{"status":"ok","store":%q}`+"\n", a.DB.Dialect.String())
	})
	mux.Handle("GET /metrics", metrics.Handler())
	a.Web.Register(mux)
	a.registerGauges(reg)

	var h http.Handler = metrics.Middleware(mux)
	h = api.StripJSON(h)
	h = httpx.SecurityHeaders(h)
	h = httpx.Recover(a.Logger, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprintln(w, `{"error":"InternalError","description":"Something went wrong"}`)
	})(h)
	h = httpx.AccessLog(a.Logger, h)
	return httpx.RequestID(h)
}

func (a *App) registerGauges(reg *prometheus.Registry) {
	_ = reg.Register(collectors.NewGoCollector())
	_ = reg.Register(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	_ = httpx.GaugeFunc(reg, "frontdesk_job_queue_depth", "Jobs waiting or running.", func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		n, _ := a.Jobs.Depth(ctx)
		return float64(n)
	})
	_ = httpx.GaugeFunc(reg, "frontdesk_store_open_connections", "Open store connections (write and read pools).", func() float64 {
		w, r := a.DB.Stats()
		if a.DB.Dialect == store.Postgres {
			return float64(w.OpenConnections)
		}
		return float64(w.OpenConnections + r.OpenConnections)
	})
	_ = httpx.GaugeFunc(reg, "frontdesk_store_in_use_connections", "Store connections in use.", func() float64 {
		w, r := a.DB.Stats()
		if a.DB.Dialect == store.Postgres {
			return float64(w.InUse)
		}
		return float64(w.InUse + r.InUse)
	})
	_ = httpx.GaugeFunc(reg, "frontdesk_store_wait_count", "Times a caller waited for a store connection.", func() float64 {
		w, r := a.DB.Stats()
		if a.DB.Dialect == store.Postgres {
			return float64(w.WaitCount)
		}
		return float64(w.WaitCount + r.WaitCount)
	})
}

// Serve listens on cfg.Addr until ctx ends, then shuts down gracefully:
// the listener closes, in-flight requests finish (up to ShutdownGrace), and
// running jobs complete before the store closes.
func (a *App) Serve(ctx context.Context, ready func(addr string)) error {
	ln, err := net.Listen("tcp", a.Config.Addr)
	if err != nil {
		return err
	}
	reg := prometheus.NewRegistry()
	srv := &http.Server{
		Handler:           a.Handler(reg),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       5 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(a.Logger.Handler(), slog.LevelWarn),
	}
	jobCtx, stopJobs := context.WithCancel(context.WithoutCancel(ctx))
	jobsDone := make(chan struct{})
	go func() {
		a.Jobs.Run(jobCtx, max(1, a.Config.JobWorkers))
		close(jobsDone)
	}()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	a.Logger.Info("frontdesk listening", "addr", ln.Addr().String(), "store", a.DB.Dialect.String())
	if ready != nil {
		ready(ln.Addr().String())
	}
	select {
	case err := <-errc:
		stopJobs()
		<-jobsDone
		return err
	case <-ctx.Done():
	}
	a.Logger.Info("shutting down")
	grace := a.Config.ShutdownGrace
	if grace == 0 {
		grace = 30 * time.Second
	}
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	err = srv.Shutdown(sctx)
	stopJobs()
	<-jobsDone
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}
