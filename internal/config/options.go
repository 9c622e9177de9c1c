package config

import (
	"fmt"
	"log/slog"
	"net/netip"
	"strconv"
	"time"

	"github.com/frontdesk/frontdesk/internal/search"
	"github.com/frontdesk/frontdesk/internal/server"
	"github.com/frontdesk/frontdesk/internal/store"
)

// options is the table. To add an option, add one entry: its flag name,
// default, description, scope, parser and where the value goes. The
// environment variable, --help and the README table follow from it.
// Defaults of server.Config fields come from server.Defaults, which
// server.Open also uses for fields a caller leaves zero.
var options = []Option{
	opt(KindPath, "data", server.Defaults.DataDir, "Data directory: the SQLite database, attachments and the secret key.", Store,
		parseString(true), func(c *Config, v string) { c.Server.DataDir = v }),
	secret(opt(KindDatabaseURL, "database-url", "", "A postgres:// URL to use PostgreSQL; empty uses the embedded SQLite database in the data directory.", Store,
		parseDatabaseURL, func(c *Config, v string) { c.Server.DatabaseURL = v })),
	opt(KindInt, "database-max-conns", "0", "Most connections kept open to PostgreSQL; 0 = twice the CPUs Go uses, at least 4 (right when the database shares this machine; one on its own larger machine may want more).", Serve,
		parseInt(0, store.MaxPostgresPool), func(c *Config, v int) { c.Server.DatabaseMaxConns = v }),
	opt(KindLevel, "log-level", "info", "Least severe log level written: debug, info, warn or error.", Store,
		parseLogLevel, func(c *Config, v slog.Level) { c.LogLevel = v }),
	opt(KindAddr, "addr", server.Defaults.Addr, "Listen address (host:port).", Serve,
		parseHostPort(false), func(c *Config, v string) { c.Server.Addr = v }),
	opt(KindURL, "public-url", "", "The site's public address for links in emails, e.g. https://help.example.com (http or https, no path).", Serve,
		parsePublicURL, func(c *Config, v string) { c.Server.PublicURL = v }),
	opt(KindCIDRList, "trusted-proxies", "", "Comma-separated IPs or CIDR prefixes of your reverse proxies; only their X-Forwarded-For/-Proto/-Host are believed (empty: those headers are ignored).", Serve,
		parseTrustedProxies, func(c *Config, v []netip.Prefix) { c.Server.TrustedProxies = v }),
	opt(KindSize, "max-upload", formatSize(server.Defaults.MaxUpload), "Largest attachment: bytes, or a size with a unit (10MB = 10,000,000 bytes; 10MiB = 10,485,760).", Serve,
		parseSize(1<<10, 10<<30), func(c *Config, v int64) { c.Server.MaxUpload = v }),
	opt(KindInt, "api-rate-limit", strconv.Itoa(server.Defaults.APIRateLimit), "API requests per minute per token (0 = no limit).", Serve,
		parseInt(0, 1_000_000), func(c *Config, v int) { c.Server.APIRateLimit = v }),
	opt(KindInt, "web-form-rate-limit", strconv.Itoa(server.Defaults.WebFormRateLimit), "Web-form submissions per minute per IP address (0 = no limit).", Serve,
		parseInt(0, 1_000_000), func(c *Config, v int) {
			c.Server.WebFormRateLimit = v
			if v == 0 {
				c.Server.WebFormRateLimit = -1 // server.Config: negative = no limit
			}
		}),
	opt(KindInt, "search-window", strconv.Itoa(server.Defaults.SearchWindow), "How many of the most recent tickets (or users, or organizations) holding a staff search's words it looks through (at least 1000, the paging depth): smaller is faster on large stores, larger finds older matches of searches with conditions.", Serve,
		parseInt(search.MaxResults, 1_000_000), func(c *Config, v int) { c.Server.SearchWindow = v }),
	opt(KindInt, "job-workers", strconv.Itoa(server.Defaults.JobWorkers), "Background job workers.", Serve,
		parseInt(1, 256), func(c *Config, v int) { c.Server.JobWorkers = v }),
	opt(KindDuration, "job-retention", server.Defaults.JobRetention.String(), "How long completed background jobs are kept before the hourly purge deletes them (at least 24h).", Serve,
		parseDuration(24*time.Hour, 10*365*24*time.Hour), func(c *Config, v time.Duration) { c.Server.JobRetention = v }),
	opt(KindDuration, "failed-job-retention", server.Defaults.FailedJobRetention.String(), "How long background jobs that failed for good are kept before the hourly purge deletes them (at least 24h).", Serve,
		parseDuration(24*time.Hour, 10*365*24*time.Hour), func(c *Config, v time.Duration) { c.Server.FailedJobRetention = v }),
	opt(KindDuration, "shutdown-grace", server.Defaults.ShutdownGrace.String(), "How long a shutdown waits for requests in flight.", Serve,
		parseDuration(time.Second, time.Hour), func(c *Config, v time.Duration) { c.Server.ShutdownGrace = v }),
	opt(KindOptionalAddr, "metrics-addr", "", "Serve Prometheus /metrics on this host:port (keep it private); empty = no metrics listener.", Serve,
		parseHostPort(true), func(c *Config, v string) { c.Server.MetricsAddr = v }),
	secret(opt(KindToken, "metrics-token", "", "Also serve /metrics on the main listener to requests with Authorization: Bearer <token> (24+ characters; set it in the environment, not as a flag).", Serve,
		parseToken, func(c *Config, v string) { c.Server.MetricsToken = v })),
	opt(KindInt, "gc-percent", strconv.Itoa(DefaultGCPercent), "How far (in percent) Go's heap may grow past its live data before a collection, as GOGC: higher spends memory to save CPU (100 is Go's own default). Without this option a GOGC in the environment is obeyed; GOMEMLIMIT caps the memory either way.", Serve,
		parseInt(25, 10_000), func(c *Config, v int) { c.GCPercent = v }),
	opt(KindOptionalAddr, "debug-addr", "", "Serve net/http/pprof on this host:port (keep it on loopback); empty = off.", Serve,
		parseHostPort(true), func(c *Config, v string) { c.DebugAddr = v }),
	// Attachments in S3-compatible object storage: all of endpoint, bucket
	// and keys, or none (checkS3).
	opt(KindHost, "s3-endpoint", "", "S3-compatible endpoint host[:port] for attachments (empty: the database on PostgreSQL, the data directory on SQLite).", Serve,
		parseHost, func(c *Config, v string) { c.Server.S3.Endpoint = v }),
	opt(KindText, "s3-bucket", "", "S3 bucket for attachments (must exist).", Serve,
		parseText, func(c *Config, v string) { c.Server.S3.Bucket = v }),
	opt(KindText, "s3-access-key", "", "S3 access key.", Serve,
		parseText, func(c *Config, v string) { c.Server.S3.AccessKey = v }),
	secret(opt(KindText, "s3-secret-key", "", "S3 secret key (set it in the environment, not as a flag).", Serve,
		parseText, func(c *Config, v string) { c.Server.S3.SecretKey = v })),
	opt(KindText, "s3-region", "", "S3 region (empty: us-east-1).", Serve,
		parseText, func(c *Config, v string) { c.Server.S3.Region = v }),
	boolOpt("s3-use-ssl", server.Defaults.S3.UseSSL, "Talk to the S3 endpoint over HTTPS.", Serve,
		func(c *Config, v bool) { c.Server.S3.UseSSL = v }),
	// Inbound email (see the README's Email section).
	opt(KindOptionalAddr, "smtp-addr", "", "Run the SMTP receiver for the support addresses on this host:port (e.g. :25 behind your MX); empty = off.", Serve,
		parseHostPort(true), func(c *Config, v string) { c.Server.SMTPAddr = v }),
	opt(KindText, "smtp-tls-cert", "", "PEM certificate file for STARTTLS on the SMTP receiver (with --smtp-tls-key); empty = no STARTTLS.", Serve,
		parseText, func(c *Config, v string) { c.Server.SMTPCertFile = v }),
	opt(KindText, "smtp-tls-key", "", "PEM private key file for STARTTLS on the SMTP receiver.", Serve,
		parseText, func(c *Config, v string) { c.Server.SMTPKeyFile = v }),
	opt(KindSize, "mail-max-size", formatSize(server.Defaults.MailMaxBytes), "Largest inbound email (SMTP receiver and HTTP endpoint); larger mail is refused (552 / 413).", Serve,
		parseSize(64<<10, 1<<30), func(c *Config, v int64) { c.Server.MailMaxBytes = v }),
	secret(opt(KindToken, "inbound-secret", "", "Serve POST /inbound/email (raw MIME) to requests with Authorization: Bearer <secret> (24+ characters; set it in the environment); empty = not served.", Serve,
		parseToken, func(c *Config, v string) { c.Server.InboundSecret = v })),
	// The audit log's copy for a separate log system (see the README's
	// Audit log section).
	opt(KindAuditStream, "audit-stream", "", "Also copy every audit-log entry, one JSON line each, to file:PATH, syslog (local), syslog+udp://host:port or syslog+tcp://host:port; empty = off.", Serve,
		parseAuditStream, func(c *Config, v string) { c.Server.AuditStream = v }),
}

// checkS3 refuses a partial S3 configuration, and --s3-use-ssl without
// one (a sign of a forgotten setting). explicit says whether an option was
// given by a flag or the environment.
func checkS3(c *Config, explicit func(name string) bool) error {
	if !c.Server.S3.Enabled() {
		if explicit("s3-use-ssl") {
			return fmt.Errorf("--s3-use-ssl is set but no S3 storage is configured (set --s3-endpoint, --s3-bucket, --s3-access-key, --s3-secret-key)")
		}
		return nil
	}
	return c.Server.S3.Validate()
}

// Kind is the type of an option's value, which decides its parser.
type Kind string

// The kinds of option.
const (
	KindPath         Kind = "path"          // a non-empty path
	KindDatabaseURL  Kind = "database-url"  // "" or postgres://
	KindLevel        Kind = "level"         // debug, info, warn, error
	KindAddr         Kind = "addr"          // host:port
	KindOptionalAddr Kind = "optional-addr" // "" or host:port
	KindURL          Kind = "url"           // "" or an absolute http(s) site URL
	KindBool         Kind = "bool"
	KindSize         Kind = "size" // bytes, 10MB, 50MiB
	KindInt          Kind = "int"
	KindDuration     Kind = "duration"
	KindCIDRList     Kind = "cidr-list"    // "" or IPs/CIDR prefixes, comma-separated
	KindToken        Kind = "token"        // "" or a secret of httpx.MinBearerToken+ characters
	KindHost         Kind = "host"         // "" or host[:port], no scheme or path
	KindText         Kind = "text"         // one line of text
	KindAuditStream  Kind = "audit-stream" // "", file:PATH, syslog, syslog+udp://host:port, syslog+tcp://host:port
)

// opt builds a table entry from a typed parser and setter.
func opt[T any](kind Kind, name, def, usage string, scope Scope, parse func(string) (T, error), set func(*Config, T)) Option {
	return Option{Name: name, Kind: kind, Default: def, Usage: usage, Scope: scope, apply: func(c *Config, s string) error {
		v, err := parse(s)
		if err != nil {
			return err
		}
		set(c, v)
		return nil
	}}
}

func boolOpt(name string, def bool, usage string, scope Scope, set func(*Config, bool)) Option {
	o := opt(KindBool, name, strconv.FormatBool(def), usage, scope, parseBool, set)
	o.Bool = true
	return o
}

func secret(o Option) Option {
	o.Secret = true
	return o
}
