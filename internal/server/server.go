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
	"github.com/frontdesk/frontdesk/internal/answerbot"
	"github.com/frontdesk/frontdesk/internal/audit"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/frontdesk/frontdesk/internal/account"
	"github.com/frontdesk/frontdesk/internal/api"
	"github.com/frontdesk/frontdesk/internal/assign"
	"github.com/frontdesk/frontdesk/internal/attach"
	"github.com/frontdesk/frontdesk/internal/bulk"
	"github.com/frontdesk/frontdesk/internal/channel/email/deliver"
	"github.com/frontdesk/frontdesk/internal/channel/email/imapin"
	"github.com/frontdesk/frontdesk/internal/channel/email/ingest"
	"github.com/frontdesk/frontdesk/internal/channel/email/mailbox"
	"github.com/frontdesk/frontdesk/internal/channel/email/notify"
	"github.com/frontdesk/frontdesk/internal/channel/email/smtpin"
	"github.com/frontdesk/frontdesk/internal/channel/email/thread"
	"github.com/frontdesk/frontdesk/internal/chat"
	"github.com/frontdesk/frontdesk/internal/chatweb"
	"github.com/frontdesk/frontdesk/internal/community"
	"github.com/frontdesk/frontdesk/internal/csat"
	"github.com/frontdesk/frontdesk/internal/events"
	"github.com/frontdesk/frontdesk/internal/events/pgrelay"
	"github.com/frontdesk/frontdesk/internal/helpcenter"
	"github.com/frontdesk/frontdesk/internal/httpx"
	"github.com/frontdesk/frontdesk/internal/jobs"
	"github.com/frontdesk/frontdesk/internal/macros"
	"github.com/frontdesk/frontdesk/internal/oauth"
	"github.com/frontdesk/frontdesk/internal/outbox"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/privacy"
	"github.com/frontdesk/frontdesk/internal/ratelimit"
	"github.com/frontdesk/frontdesk/internal/retention"
	"github.com/frontdesk/frontdesk/internal/rules"
	"github.com/frontdesk/frontdesk/internal/search"
	"github.com/frontdesk/frontdesk/internal/secrets"
	"github.com/frontdesk/frontdesk/internal/settings"
	"github.com/frontdesk/frontdesk/internal/sla"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/ticket"
	"github.com/frontdesk/frontdesk/internal/twofactor"
	"github.com/frontdesk/frontdesk/internal/views"
	"github.com/frontdesk/frontdesk/internal/web"
	"github.com/frontdesk/frontdesk/internal/webhook"
)

// Config is everything `frontdesk serve` can be told.
type Config struct {
	Addr        string
	DataDir     string
	DatabaseURL string
	// DatabaseMaxConns is the PostgreSQL pool's size (store.Options);
	// 0 = store.DefaultPostgresPool.
	DatabaseMaxConns int
	APIRateLimit     int   // requests per minute per token; 0 = unlimited
	MaxUpload        int64 // bytes per attachment
	JobWorkers       int
	ShutdownGrace    time.Duration
	// PublicURL is the site's address for links in emails (password reset,
	// email verification), e.g. https://help.example.com.
	PublicURL string
	// TrustedProxies are the reverse proxies (CIDR prefixes) whose
	// X-Forwarded-For, X-Forwarded-Proto and X-Forwarded-Host are believed;
	// from anyone else those headers are ignored (httpx.IPResolver).
	TrustedProxies []netip.Prefix
	// MetricsAddr serves /metrics on its own listener (keep it private);
	// empty serves none.
	MetricsAddr string
	// MetricsToken, when set, also serves /metrics on the main listener to
	// requests with "Authorization: Bearer <MetricsToken>". Without it the
	// main listener has no /metrics.
	MetricsToken string
	// WebFormRateLimit is web-form submissions per minute per IP (0 =
	// Defaults.WebFormRateLimit; negative = no limit).
	WebFormRateLimit int
	// S3 stores attachments in S3-compatible object storage when set (all
	// of its required fields or none); otherwise they go to the database on
	// PostgreSQL and to DataDir on SQLite (see openBlobs).
	S3 attach.S3Config
	// JobRetention is how long completed background jobs stay in the jobs
	// table, FailedJobRetention how long jobs that failed for good stay
	// (see jobs.PurgeFinished).
	JobRetention       time.Duration
	FailedJobRetention time.Duration
	// SMTPAddr, when set, runs the SMTP receiver there (mail for the
	// support addresses, from an MX or a forwarding relay); empty: off.
	SMTPAddr string
	// SMTPCertFile and SMTPKeyFile (PEM) enable STARTTLS on the receiver.
	SMTPCertFile, SMTPKeyFile string
	// MailMaxBytes is the largest inbound message (SMTP and HTTP).
	MailMaxBytes int64
	// InboundSecret, when set, serves POST /inbound/email to requests
	// with "Authorization: Bearer <InboundSecret>"; empty: not served.
	InboundSecret string
	// AuditStream, when set, copies every committed audit-log entry as a
	// JSON line to a file or syslog (audit.ParseStreamSpec); empty: off.
	AuditStream string
	// SearchWindow is how many of the most recent documents holding a
	// search's words a staff search considers (search.Service.Window).
	SearchWindow int
}

// Defaults holds the default of every Config field that has one: the only
// place they are written. internal/config builds its option table from
// them, and Open uses them for fields a caller (a test, a tool) leaves
// zero where zero means nothing useful (MaxUpload, JobWorkers,
// ShutdownGrace, WebFormRateLimit).
var Defaults = Config{
	Addr:               "127.0.0.1:8080",
	DataDir:            "./frontdesk-data",
	APIRateLimit:       700,
	MaxUpload:          50 << 20,
	JobWorkers:         2,
	ShutdownGrace:      30 * time.Second,
	WebFormRateLimit:   10,
	S3:                 attach.S3Config{UseSSL: true},
	JobRetention:       jobs.DefaultRetention.Completed,
	FailedJobRetention: jobs.DefaultRetention.Failed,
	MailMaxBytes:       smtpin.DefaultMaxBytes,
	SearchWindow:       search.DefaultWindow,
}

// withDefaults fills the zero fields of c that have a default.
func (c Config) withDefaults() Config {
	if c.MaxUpload == 0 {
		c.MaxUpload = Defaults.MaxUpload
	}
	if c.JobWorkers == 0 {
		c.JobWorkers = Defaults.JobWorkers
	}
	if c.ShutdownGrace == 0 {
		c.ShutdownGrace = Defaults.ShutdownGrace
	}
	if c.WebFormRateLimit == 0 {
		c.WebFormRateLimit = Defaults.WebFormRateLimit
	}
	if c.JobRetention == 0 {
		c.JobRetention = Defaults.JobRetention
	}
	if c.FailedJobRetention == 0 {
		c.FailedJobRetention = Defaults.FailedJobRetention
	}
	if c.MailMaxBytes == 0 {
		c.MailMaxBytes = Defaults.MailMaxBytes
	}
	return c
}

// App is a running Frontdesk: the store and the services over it.
type App struct {
	Config Config
	Logger *slog.Logger
	DB     *store.DB
	// auditStream copies audit entries out (Config.AuditStream).
	auditStream     *audit.Stream
	stopAuditStream func()
	Events          *events.Bus
	Jobs            *jobs.Runner
	Tickets         *ticket.Service
	People          *people.Service
	Search          *search.Service
	Bulk            *bulk.Service
	Blobs           *attach.Store
	Outbox          *outbox.Outbox
	// Mailboxes are the support addresses; Threads the Message-IDs and
	// ticket tokens of mail; Mail delivers the outbox through the
	// addresses' relays (job deliver.JobKind, see schedules.go).
	Mailboxes *mailbox.Service
	Threads   *thread.Store
	Mail      *deliver.Deliverer
	// Inbound turns received mail into tickets (SMTP receiver, HTTP
	// endpoint, IMAP poller); SMTP is the receiver when SMTPAddr is set.
	Inbound *ingest.Service
	// Rules stores and runs triggers and automations; RuleRegistry is the
	// rule language they (and views, macros, SLA policies) share.
	Rules        *rules.Service
	RuleRegistry *rules.Registry
	SMTP         *smtpin.Receiver
	// IMAP polls the support addresses' IMAP accounts (job imapin.JobKind).
	IMAP *imapin.Poller
	// IMAPIdle pushes their new mail with IDLE where the server offers it.
	IMAPIdle *imapin.Watcher
	Account  *account.Service
	// OAuth holds OAuth clients and tokens (API, consent page, Bearer auth).
	OAuth *oauth.Service
	Web   *web.Server
	// Schedules turns recurring tasks into jobs (see schedules.go).
	Schedules *jobs.Scheduler
	// Relay joins Events to the other instances on PostgreSQL; nil on
	// SQLite, where there is only one instance.
	Relay *pgrelay.Relay
	// Settings holds the stored settings; every service shares its cache.
	Settings *settings.Service
	// SLA runs business hours, SLA policies and timers (p8-sla).
	SLA *sla.Service
	// Webhooks are the outbound webhooks: event subscriptions through a
	// ticket hook, deliveries through jobs (webhook.JobDeliver), and the
	// notification_webhook rule action (webhook.RegisterRules).
	Webhooks *webhook.Service
	// Assign is agent availability and automatic assignment (installed as
	// the tickets' auto-assigner); CSAT the satisfaction ratings
	// (p8-assign). Both register with the rules engine through their
	// RegisterRules once it is wired.
	Assign *assign.Service
	CSAT   *csat.Service
	// Views and Macros are the saved ticket filters and agent macros (on
	// RuleRegistry).
	Views  *views.Service
	Macros *macros.Service
	// Retention runs the data retention policies daily (JobRetention).
	Retention *retention.Service
	// Privacy makes data-subject exports (API and the agent user page).
	Privacy *privacy.Service
	// Community is the forums under /hc/{locale}/community (p10-community).
	Community *community.Service
	// HelpCenter is the knowledge base (/hc, /api/v2/help_center).
	HelpCenter *helpcenter.Service
	// AnswerBot answers chats from the help center before a person does,
	// and walks the admin-defined flows (p11-bot); it is the chat's
	// botapi.Bot.
	AnswerBot *answerbot.Service
	// Chat is the live chat (widget keys, conversations, routing); ChatHub
	// hands its signals to this instance's widget and console connections
	// (p11-chat).
	Chat    *chat.Service
	ChatHub *chat.Hub

	// chatDone ends the chat widget's WebSockets when the context Open
	// was given ends (shutdown).
	chatDone <-chan struct{}

	metricsAddr string // where the metrics listener listens, once it does
	smtpAddr    string // where the SMTP receiver listens, once it does
}

// Open opens the store (migrating it) and builds the services.
func Open(ctx context.Context, cfg Config, logger *slog.Logger) (*App, error) {
	cfg = cfg.withDefaults()
	if cfg.MaxUpload < 0 || cfg.JobWorkers < 0 || cfg.ShutdownGrace < 0 || cfg.APIRateLimit < 0 {
		return nil, fmt.Errorf("server: negative MaxUpload, JobWorkers, ShutdownGrace or APIRateLimit in %+v", cfg)
	}
	pub, err := httpx.ParsePublicURL(cfg.PublicURL)
	if err != nil {
		return nil, err
	}
	cfg.PublicURL = pub
	if cfg.MetricsToken != "" && len(cfg.MetricsToken) < httpx.MinBearerToken {
		return nil, fmt.Errorf("the metrics token must be at least %d characters", httpx.MinBearerToken)
	}
	db, err := store.OpenWith(ctx, cfg.DatabaseURL, cfg.DataDir, store.Options{PostgresPool: cfg.DatabaseMaxConns})
	if err != nil {
		return nil, err
	}
	blobs, err := openBlobs(ctx, cfg, db)
	if err != nil {
		db.Close()
		return nil, err
	}
	a := &App{Config: cfg, Logger: logger, DB: db, Events: events.New(), Blobs: blobs}
	if db.Dialect == store.Postgres {
		if a.Relay, err = pgrelay.New(ctx, db, cfg.DatabaseURL, a.Events, logger); err != nil {
			db.Close()
			return nil, err
		}
		a.Events.SetRelay(a.Relay)
	}
	a.Jobs = jobs.NewRunner(db, logger)
	a.Schedules = jobs.NewScheduler(db, logger)
	a.Schedules.OnEnqueue = a.Jobs.Notify
	// One settings service, and so one cache, for every service.
	a.Settings = settings.New(db, a.Events)
	a.People = people.New(db, a.Events)
	a.People.Settings, a.People.Passwords.Settings = a.Settings, a.Settings
	// Users stored before migration 19 get their folded name, which user
	// autocomplete reads, before anything is served.
	if _, err := a.People.FoldUserNames(ctx); err != nil {
		db.Close()
		return nil, err
	}
	a.Tickets = ticket.New(db, a.Events, blobs)
	a.Tickets.Settings = a.Settings
	a.Tickets.OnJob = a.Jobs.Notify
	// Tickets stored before migration 32 get the time their status last
	// changed, which automations read, before anything runs.
	if _, err := a.Tickets.StampStatusSince(ctx); err != nil {
		db.Close()
		return nil, err
	}
	// Package ticket owns the tickets: a user merge hands them over through it.
	a.People.MoveTicketsTx = a.Tickets.MoveUserTx
	a.People.EraseTicketsTx = a.Tickets.EraseUserTx
	a.Search = &search.Service{DB: db, Tickets: a.Tickets, People: a.People, Now: time.Now, Window: cfg.SearchWindow}
	a.Bulk = &bulk.Service{DB: db, Tickets: a.Tickets, People: a.People, OnJob: a.Jobs.Notify}
	a.Bulk.Register(a.Jobs)
	box, err := openSecrets(ctx, cfg.DataDir, db)
	if err != nil {
		db.Close()
		return nil, err
	}
	a.Outbox = outbox.New(db, box)
	a.People.EraseOutboxTx = a.Outbox.EraseTx
	a.Mailboxes = mailbox.New(db, box)
	a.Threads = thread.New(db, box)
	a.Mail = &deliver.Deliverer{Outbox: a.Outbox, Mailboxes: a.Mailboxes, Logger: logger}
	// Mail just queued goes out now, not at the next scheduled round.
	a.Outbox.Queued = a.Mail.Kick
	// Ticket notifications are queued in each change's transaction; with
	// no support address configured there are none.
	notifier := &notify.Notifier{Outbox: a.Outbox, Mailboxes: a.Mailboxes, Threads: a.Threads, PublicURL: cfg.PublicURL, Logger: logger}
	notifier.Register(a.Tickets)
	// The answer bot's article suggestions in a new email ticket's
	// acknowledgement (a.AnswerBot is built below, before serving).
	notifier.Suggest = func(ctx context.Context, tx *store.Tx, base string, ticketID, requesterID int64, loc, text string) ([]notify.Suggestion, error) {
		ss, err := a.AnswerBot.EmailSuggestions(ctx, tx, base, ticketID, requesterID, loc, text)
		out := make([]notify.Suggestion, len(ss))
		for i, x := range ss {
			out[i] = notify.Suggestion{Title: x.Title, URL: x.URL, AnsweredURL: x.AnsweredURL}
		}
		return out, err
	}
	// Business rules: triggers run in every ticket change's commit (the
	// ticket service's rule stage), automations from an hourly job. Other
	// packages add their fields, actions and placeholders to RuleRegistry
	// here, before serving.
	a.RuleRegistry = rules.NewRegistry()
	a.RuleRegistry.SetMailer(notifier)
	a.RuleRegistry.SetBaseURL(cfg.PublicURL)
	a.Rules = rules.NewService(db, a.Tickets, a.RuleRegistry, logger)
	a.Rules.Register()
	a.Webhooks = webhook.New(db, box, a.Settings, logger)
	a.Webhooks.OnJob = a.Jobs.Notify
	a.People.EraseWebhooksTx = a.Webhooks.EraseTx
	a.Tickets.AddHook("webhook.events", a.Webhooks.Hook)
	a.Jobs.Handle(webhook.JobDeliver, a.Webhooks.HandleJob)
	// The notification_webhook rule action.
	a.Webhooks.RegisterRules(a.RuleRegistry, cfg.PublicURL)
	if err := a.openInbound(); err != nil {
		db.Close()
		return nil, err
	}
	a.openSLA()
	a.Account = account.New(db, a.People, a.Outbox)
	a.Account.Settings, a.Account.Passwords.Settings = a.Settings, a.Settings
	twoFactor := twofactor.New(db, box, "")
	twoFactor.Settings = a.Settings
	// Package twofactor owns the TOTP tables: a permanent deletion erases
	// the user's rows through it.
	a.People.EraseTwoFactorTx = twofactor.EraseUserTx
	a.OAuth = oauth.New(db)
	// Data retention deletes through the owners of the data; its summary
	// goes to the security contact, else the account owner.
	a.Retention = &retention.Service{DB: db, Tickets: a.Tickets, People: a.People, Suspended: a.Inbound,
		Logger: logger, Outbox: a.Outbox, Contact: settings.SecurityContact.Read}
	a.Privacy = privacy.New(db, a.Tickets, a.People)
	// The community forums: followers' mail goes through the outbox.
	a.Community = community.New(db, a.Tickets, a.Outbox, cfg.PublicURL)
	a.Community.Limits.Settings = a.Settings // the hourly limits are admin settings
	a.People.EraseCommunityTx = community.EraseUserTx
	// A data-subject export carries what the person wrote in the community.
	a.Privacy.Register("community", func(ctx context.Context, w *privacy.PartWriter) (int, error) {
		c, err := a.Community.AuthoredBy(ctx, w.Subject.ID)
		if err != nil {
			return 0, err
		}
		return c.Count(), w.JSON("community.json", c)
	})
	a.Assign = assign.New(db, a.Tickets, a.Settings)
	a.Assign.Install()
	a.CSAT = &csat.Service{DB: db, Tickets: a.Tickets, Settings: a.Settings, Outbox: a.Outbox, PublicURL: cfg.PublicURL}
	a.People.EraseRatingsTx = a.CSAT.EraseTx
	// The round_robin assignee action and the satisfaction placeholders.
	a.Assign.RegisterRules(a.RuleRegistry)
	a.CSAT.RegisterRules(a.RuleRegistry)
	a.openViewsMacros()
	a.HelpCenter = helpcenter.New(db)
	a.HelpCenter.Blobs = blobs // article attachments (p10-hc)
	a.AnswerBot = answerbot.New(db, a.HelpCenter, a.Tickets, a.Settings)
	// Drafted answers (p11-bot-draft): the endpoint's API key is sealed
	// with the instance key; email drafts run as jobs after the commit.
	a.AnswerBot.Box, a.AnswerBot.Logger, a.AnswerBot.OnJob = box, logger, a.Jobs.Notify
	a.Jobs.Handle(answerbot.JobEmailDraft, a.AnswerBot.HandleEmailDraft)
	a.openChat(box)
	a.chatDone = ctx.Done()
	a.Web, err = web.New(web.Deps{AnswerBot: a.AnswerBot,
		DB: db, Tickets: a.Tickets, People: a.People, Search: a.Search, Account: a.Account, OAuth: a.OAuth, Outbox: a.Outbox, Mailboxes: a.Mailboxes,
		TwoFactor: twoFactor, Passwords: a.People.Passwords, Settings: a.Settings, EmailTemplates: &notify.Templates{DB: db},
		Inbound: a.Inbound, IMAP: a.IMAP, Rules: a.Rules, SLA: a.SLA, Webhooks: a.Webhooks, Assign: a.Assign, CSAT: a.CSAT,
		Views: a.Views, Macros: a.Macros, Retention: a.Retention, Privacy: a.Privacy, Community: a.Community, HelpCenter: a.HelpCenter,
		Chat: a.Chat, ChatHub: a.ChatHub,
		Events: a.Events, Logger: logger, MaxUpload: cfg.MaxUpload, PublicURL: cfg.PublicURL,
		IPs: a.ips(), WebFormPerMinute: cfg.WebFormRateLimit, Context: ctx,
	})
	if err != nil {
		db.Close()
		return nil, err
	}
	a.Jobs.Handle(people.JobScrubStore, func(ctx context.Context, _ json.RawMessage) error { return db.Scrub(ctx) })
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
	a.registerSchedules()
	if cfg.AuditStream != "" {
		spec, err := audit.ParseStreamSpec(cfg.AuditStream)
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("server: audit stream: %w", err)
		}
		if a.auditStream, err = audit.OpenStream(spec, logger); err != nil {
			db.Close()
			return nil, err
		}
		a.stopAuditStream = audit.Subscribe(db, a.auditStream.Add)
	}
	return a, nil
}

// Close stops the audit stream (writing what it holds) and releases the
// store.
func (a *App) Close() error {
	if a.auditStream != nil {
		a.stopAuditStream()
		if err := a.auditStream.Close(); err != nil {
			a.Logger.Error("closing the audit stream", "err", err)
		}
	}
	return a.DB.Close()
}

// Handler builds the whole HTTP surface.
func (a *App) Handler(reg *prometheus.Registry) http.Handler {
	mux := http.NewServeMux()
	apiSrv := &api.Server{
		DB: a.DB, Tickets: a.Tickets, People: a.People, Search: a.Search, Bulk: a.Bulk, Jobs: a.Jobs, Account: a.Account, Logger: a.Logger,
		OAuth:   a.OAuth,
		Limiter: ratelimit.For(a.DB, a.Config.APIRateLimit, a.Logger), AuthFailures: api.NewAuthThrottle(), MaxUpload: a.Config.MaxUpload,
		IPs: a.ips(), PublicURL: a.Config.PublicURL, Mailboxes: a.Mailboxes, Inbound: a.Inbound, Rules: a.Rules,
		SLA:      a.SLA,
		Webhooks: a.Webhooks,
		Assign:   a.Assign, CSAT: a.CSAT,
		Views: a.Views, Macros: a.Macros,
		Retention:  a.Retention,
		Privacy:    a.Privacy,
		Community:  a.Community,
		HelpCenter: a.HelpCenter,
		AnswerBot:  a.AnswerBot,
		Chat:       a.Chat,
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
	if a.Config.MetricsToken != "" {
		// Only on request: by default /metrics is served on the metrics
		// listener alone (Serve), never publicly.
		mux.Handle("GET /metrics", httpx.BearerOnly(a.Config.MetricsToken, metrics.Handler()))
	}
	a.Web.Register(mux)
	chatWidget := chatweb.New(a.Chat, a.ChatHub, a.ips(), a.Logger)
	chatWidget.MaxUpload = a.Config.MaxUpload
	chatWidget.Done = a.chatDone
	chatWidget.Register(mux)
	a.registerInbound(mux)
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

// ips is the trusted-proxy rule shared by the API and the web UI.
func (a *App) ips() httpx.IPResolver {
	return httpx.IPResolver{TrustedProxies: a.Config.TrustedProxies}
}

// MetricsHandler serves reg's metrics (for the metrics listener).
func MetricsHandler(reg *prometheus.Registry) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", httpx.NewMetrics(reg).Handler())
	return mux
}

// SMTPAddr is the address the SMTP receiver listens on ("" when it does
// not), known once Serve has called ready.
func (a *App) SMTPAddr() string { return a.smtpAddr }

// MetricsAddr is the address the metrics listener listens on ("" when
// there is none), known once Serve has called ready.
func (a *App) MetricsAddr() string { return a.metricsAddr }

func (a *App) registerGauges(reg *prometheus.Registry) {
	_ = reg.Register(collectors.NewGoCollector())
	_ = reg.Register(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	_ = httpx.GaugeFunc(reg, "frontdesk_job_queue_depth", "Jobs waiting or running.", func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		n, _ := a.Jobs.Depth(ctx)
		return float64(n)
	})
	if a.AnswerBot != nil {
		st := &a.AnswerBot.Stats
		for result, n := range map[string]func() int64{"ok": st.OK.Load, "failed": st.Failed.Load, "no_answer": st.NoAnswer.Load} {
			_ = reg.Register(prometheus.NewCounterFunc(prometheus.CounterOpts{
				Name: "frontdesk_answer_bot_drafts_total", Help: "Drafted answers asked of the OpenAI-compatible endpoint, by result.",
				ConstLabels: prometheus.Labels{"result": result},
			}, func() float64 { return float64(n()) }))
		}
	}
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
		a.Jobs.Run(jobCtx, a.Config.JobWorkers)
		close(jobsDone)
	}()
	bgDone := a.runBackground(jobCtx)
	defer func() { <-bgDone }()
	errc := make(chan error, 2)
	var msrv *http.Server
	if a.Config.MetricsAddr != "" {
		mln, err := net.Listen("tcp", a.Config.MetricsAddr)
		if err != nil {
			ln.Close()
			stopJobs()
			<-jobsDone
			return fmt.Errorf("metrics listener: %w", err)
		}
		msrv = &http.Server{Handler: MetricsHandler(reg), ReadHeaderTimeout: 10 * time.Second,
			ErrorLog: slog.NewLogLogger(a.Logger.Handler(), slog.LevelWarn)}
		a.metricsAddr = mln.Addr().String()
		go func() {
			if err := msrv.Serve(mln); !errors.Is(err, http.ErrServerClosed) {
				errc <- fmt.Errorf("metrics listener: %w", err)
			}
		}()
		a.Logger.Info("metrics listening", "addr", a.metricsAddr)
	}
	if a.Config.SMTPAddr != "" {
		sln, err := net.Listen("tcp", a.Config.SMTPAddr)
		if err != nil {
			ln.Close()
			if msrv != nil {
				msrv.Close()
			}
			stopJobs()
			<-jobsDone
			return fmt.Errorf("smtp listener: %w", err)
		}
		a.smtpAddr = sln.Addr().String()
		smtpDone := make(chan struct{})
		defer func() { <-smtpDone }()
		go func() {
			defer close(smtpDone)
			if err := a.SMTP.Serve(ctx, sln); err != nil {
				errc <- fmt.Errorf("smtp listener: %w", err)
			}
		}()
		a.Logger.Info("smtp receiver listening", "addr", a.smtpAddr, "starttls", a.SMTP.TLS != nil)
	}
	go func() { errc <- srv.Serve(ln) }()
	a.Logger.Info("frontdesk listening", "addr", ln.Addr().String(), "store", a.DB.Dialect.String())
	if a.Config.PublicURL == "" && !isLoopbackAddr(ln.Addr()) {
		a.Logger.Warn("no public URL (--public-url): emails carry no links and API responses carry relative URLs except for requests from this machine")
	}
	if ready != nil {
		ready(ln.Addr().String())
	}
	select {
	case err := <-errc:
		if msrv != nil {
			msrv.Close()
		}
		srv.Close()
		stopJobs()
		<-jobsDone
		return err
	case <-ctx.Done():
	}
	a.Logger.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), a.Config.ShutdownGrace)
	defer cancel()
	if msrv != nil {
		_ = msrv.Shutdown(sctx)
	}
	err = srv.Shutdown(sctx)
	stopJobs()
	<-jobsDone
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

func isLoopbackAddr(a net.Addr) bool {
	ta, ok := a.(*net.TCPAddr)
	return ok && ta.IP.IsLoopback()
}

// openChat builds the live chat: widget keys and conversations over the
// ticket service, visitor tokens signed with a key derived from the
// instance key, the queue offered only within business hours (the SLA
// package's default schedule), and the hub that hands chat signals from
// the event bus (and so from every instance) to this instance's
// connections.
func (a *App) openChat(box *secrets.Box) {
	a.Chat = chat.New(a.DB, a.Tickets, a.Events, box, a.Settings)
	a.Chat.Logger = a.Logger
	a.Chat.Outbox = a.Outbox
	if a.SLA != nil {
		a.Chat.BusinessHours = a.SLA.WithinBusinessHours
	}
	// The answer bot takes each visitor turn before routing: it offers
	// help-center articles and the active flow, and hands over to a person
	// when asked or when nothing answers.
	if a.AnswerBot != nil {
		a.Chat.Bot = a.AnswerBot
	}
	a.ChatHub = chat.NewHub(a.Events)
	a.People.EraseChatTx = chat.EraseUserTx
}
