package config_test

import (
	"bytes"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/config"
	"github.com/frontdesk/frontdesk/internal/server"
)

// badValues are values every option of a kind must refuse.
var badValues = map[config.Kind][]string{
	config.KindPath:         {"", "   ", "a\nb"},
	config.KindDatabaseURL:  {"mysql://u@h/db", "sqlite:///tmp/x.db", "postgres://", "postgres:/just-a-path", "not a url", "://x"},
	config.KindLevel:        {"", "verbose", "info+2", "3"},
	config.KindAddr:         {"", "8080", "localhost", "127.0.0.1:http", "127.0.0.1:70000", "127.0.0.1:-1", "a b:80"},
	config.KindOptionalAddr: {"6060", "localhost", "127.0.0.1:99999", "[::1]"},
	config.KindURL: {"help.example.com", "ftp://help.example.com", "https://", "https://help.example.com/help",
		"https://help.example.com?x=1", "https://help.example.com/#top", "https://user:pw@help.example.com",
		"/relative", "https://help.example.com:99999", "javascript:alert(1)"},
	config.KindBool:     {"", "yes", "on", "enabled", "2", "truee"},
	config.KindSize:     {"", "10XB", "10 M", "-5", "1.5MB", "MB", "0", "1", "100TB", "99999999999999999999", "10MiBs"},
	config.KindInt:      {"", "ten", "1.5", "-1", "99999999999", "0x10"},
	config.KindDuration: {"", "30", "soon", "-5s", "0s", "2h", "500ms"},
	config.KindCIDRList: {"nonsense", "10.0.0.0/33", "10.0.0.1/8x", "::1/129"},
	config.KindToken:    {"short", "a token with spaces in it, long enough"},
	config.KindHost:     {"https://s3.example.com", "s3.example.com/bucket", "a b", "s3.example.com:99999", "user@s3.example.com"},
	config.KindText:     {"a\nb", "tab\there"},
}

// Per-option additions: values only some options of a kind refuse.
var extraBad = map[string][]string{
	"job-workers": {"0", "257"},
	// A window smaller than the paging depth would cut off reachable pages.
	"search-window":      {"0", "999", "1000001"},
	"gc-percent":         {"24", "10001"},
	"database-max-conns": {"1001"},
}

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

// Every bad value of every option stops start-up with an error that names
// the option and shows the value, whether it came from the environment or
// a flag.
func TestEveryOptionRefusesBadValues(t *testing.T) {
	for _, o := range config.Options() {
		bad, ok := badValues[o.Kind]
		if !ok || len(bad) == 0 {
			t.Errorf("%s: no bad values for kind %q", o.Name, o.Kind)
			continue
		}
		bad = append(append([]string(nil), bad...), extraBad[o.Name]...)
		for _, v := range bad {
			t.Run(o.Name+"/env/"+v, func(t *testing.T) {
				_, err := config.NewLoader("serve", config.Store|config.Serve, env(map[string]string{o.Env(): v})).Parse(nil, nil)
				if err == nil {
					t.Fatalf("%s=%q accepted", o.Env(), v)
				}
				msg := err.Error()
				if !strings.Contains(msg, o.Env()) || !strings.Contains(msg, "--"+o.Name) || !strings.Contains(msg, "must") {
					t.Fatalf("error does not name the option and the rule: %s", msg)
				}
				if !o.Secret && !strings.Contains(msg, strings.Trim(quote(v), `"`)) {
					t.Fatalf("error does not show the value %q: %s", v, msg)
				}
			})
			t.Run(o.Name+"/flag/"+v, func(t *testing.T) {
				_, err := config.NewLoader("serve", config.Store|config.Serve, env(nil)).Parse([]string{"--" + o.Name + "=" + v}, nil)
				if err == nil {
					t.Fatalf("--%s=%q accepted", o.Name, v)
				}
				if msg := err.Error(); !strings.Contains(msg, o.Name) || !strings.Contains(msg, "must") {
					t.Fatalf("error does not name the option and the rule: %s", msg)
				}
			})
		}
	}
}

func quote(s string) string { return strings.Trim(strconv.Quote(s), `"`) }

// Every bad environment value is reported at once, not one per restart.
func TestAllBadEnvironmentValuesReported(t *testing.T) {
	_, err := config.NewLoader("serve", config.Store|config.Serve, env(map[string]string{
		"FRONTDESK_MAX_UPLOAD": "10XB", "FRONTDESK_JOB_WORKERS": "many",
	})).Parse(nil, nil)
	if err == nil || !strings.Contains(err.Error(), "FRONTDESK_MAX_UPLOAD") || !strings.Contains(err.Error(), "FRONTDESK_JOB_WORKERS") {
		t.Fatalf("err %v", err)
	}
}

func TestGoodValues(t *testing.T) {
	cases := []struct {
		env   map[string]string
		args  []string
		check func(c *config.Config) bool
	}{
		{map[string]string{"FRONTDESK_MAX_UPLOAD": "10MB"}, nil, func(c *config.Config) bool { return c.Server.MaxUpload == 10_000_000 }},
		{map[string]string{"FRONTDESK_MAX_UPLOAD": "10MiB"}, nil, func(c *config.Config) bool { return c.Server.MaxUpload == 10<<20 }},
		{map[string]string{"FRONTDESK_MAX_UPLOAD": "512 kib"}, nil, func(c *config.Config) bool { return c.Server.MaxUpload == 512<<10 }},
		{map[string]string{"FRONTDESK_MAX_UPLOAD": "52428800"}, nil, func(c *config.Config) bool { return c.Server.MaxUpload == 52428800 }},
		{nil, []string{"--max-upload", "2GiB"}, func(c *config.Config) bool { return c.Server.MaxUpload == 2<<30 }},
		{nil, nil, func(c *config.Config) bool { return c.Server.SearchWindow == 5000 }},
		{map[string]string{"FRONTDESK_SEARCH_WINDOW": "1000"}, nil, func(c *config.Config) bool { return c.Server.SearchWindow == 1000 }},
		{map[string]string{"FRONTDESK_TRUSTED_PROXIES": "10.0.0.0/8, 192.0.2.7"}, nil, func(c *config.Config) bool { return len(c.Server.TrustedProxies) == 2 }},
		{map[string]string{"FRONTDESK_METRICS_ADDR": "127.0.0.1:9090"}, nil, func(c *config.Config) bool { return c.Server.MetricsAddr == "127.0.0.1:9090" }},
		{map[string]string{"FRONTDESK_METRICS_TOKEN": "0123456789abcdef01234567"}, nil, func(c *config.Config) bool { return c.Server.MetricsToken == "0123456789abcdef01234567" }},
		// Flags win over the environment.
		{map[string]string{"FRONTDESK_METRICS_ADDR": "127.0.0.1:9090"}, []string{"--metrics-addr", "127.0.0.1:9091"},
			func(c *config.Config) bool { return c.Server.MetricsAddr == "127.0.0.1:9091" }},
		{map[string]string{"FRONTDESK_ADDR": ":9000"}, []string{"--addr", "0.0.0.0:9001"}, func(c *config.Config) bool { return c.Server.Addr == "0.0.0.0:9001" }},
		{map[string]string{"FRONTDESK_PUBLIC_URL": "https://help.example.com/"}, nil,
			func(c *config.Config) bool { return c.Server.PublicURL == "https://help.example.com" }},
		{map[string]string{"FRONTDESK_PUBLIC_URL": "http://127.0.0.1:8080"}, nil,
			func(c *config.Config) bool { return c.Server.PublicURL == "http://127.0.0.1:8080" }},
		{map[string]string{"FRONTDESK_DATABASE_URL": "postgresql://fd:pw@db:5432/fd?sslmode=disable"}, nil,
			func(c *config.Config) bool { return strings.HasPrefix(c.Server.DatabaseURL, "postgresql://fd:pw@db") }},
		{map[string]string{"FRONTDESK_DATABASE_URL": "postgres:///fd?host=/run/postgresql"}, nil,
			func(c *config.Config) bool { return c.Server.DatabaseURL != "" }},
		{nil, nil, func(c *config.Config) bool { return c.Server.DatabaseMaxConns == 0 }},
		{map[string]string{"FRONTDESK_DATABASE_MAX_CONNS": "16"}, nil, func(c *config.Config) bool { return c.Server.DatabaseMaxConns == 16 }},
		{map[string]string{"FRONTDESK_WEB_FORM_RATE_LIMIT": "0"}, nil, func(c *config.Config) bool { return c.Server.WebFormRateLimit < 0 }},
		{map[string]string{"FRONTDESK_API_RATE_LIMIT": "0"}, nil, func(c *config.Config) bool { return c.Server.APIRateLimit == 0 }},
		{map[string]string{"FRONTDESK_SHUTDOWN_GRACE": "1m30s"}, nil, func(c *config.Config) bool { return c.Server.ShutdownGrace == 90*time.Second }},
		{map[string]string{"FRONTDESK_LOG_LEVEL": "DEBUG"}, nil, func(c *config.Config) bool { return c.LogLevel == slog.LevelDebug }},
		{map[string]string{"FRONTDESK_DEBUG_ADDR": "127.0.0.1:6060"}, nil, func(c *config.Config) bool { return c.DebugAddr == "127.0.0.1:6060" }},
		// The collector's target: the option, else GOGC as the runtime read it, else the default.
		{nil, nil, func(c *config.Config) bool { return c.GCPercent == config.DefaultGCPercent }},
		{map[string]string{"FRONTDESK_GC_PERCENT": "400"}, nil, func(c *config.Config) bool { return c.GCPercent == 400 }},
		{map[string]string{"GOGC": "50"}, nil, func(c *config.Config) bool { return c.GCPercent == 0 }},
		{map[string]string{"GOGC": "50", "FRONTDESK_GC_PERCENT": "300"}, nil, func(c *config.Config) bool { return c.GCPercent == 300 }},
		{map[string]string{"GOGC": "off"}, []string{"--gc-percent", "150"}, func(c *config.Config) bool { return c.GCPercent == 150 }},
	}
	for i, tc := range cases {
		c, err := config.NewLoader("serve", config.Store|config.Serve, env(tc.env)).Parse(tc.args, nil)
		if err != nil || !tc.check(c) {
			t.Errorf("case %d (%v %v): %+v %v", i, tc.env, tc.args, c, err)
		}
	}
}

// The defaults are written once, in server.Defaults, and the table and
// server.Open agree.
func TestDefaults(t *testing.T) {
	c, err := config.NewLoader("serve", config.Store|config.Serve, env(nil)).Parse(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c.Server, server.Defaults) || c.LogLevel != slog.LevelInfo || c.DebugAddr != "" {
		t.Fatalf("defaults %+v, want %+v", c.Server, server.Defaults)
	}
	if d := config.Defaults(); !reflect.DeepEqual(d.Server, server.Defaults) {
		t.Fatalf("Defaults() %+v", d.Server)
	}
}

// A command reads only its options: the store commands ignore (and do not
// validate) serve's.
func TestScope(t *testing.T) {
	l := config.NewLoader("migrate", config.Store, env(map[string]string{"FRONTDESK_MAX_UPLOAD": "bad", "FRONTDESK_DATA": "/srv/fd"}))
	c, err := l.Parse(nil, nil)
	if err != nil || c.Server.DataDir != "/srv/fd" {
		t.Fatalf("%+v %v", c, err)
	}
	if _, err := l.Parse([]string{"--max-upload", "1MB"}, nil); err == nil {
		t.Fatal("migrate accepted --max-upload")
	}
	if _, err := config.NewLoader("migrate", config.Store, env(nil)).Parse([]string{"stray"}, nil); err == nil {
		t.Fatal("stray argument accepted")
	}
}

// A bad database URL never shows its password.
func TestSecretsRedacted(t *testing.T) {
	const pw = "s3cr3t-pass"
	for _, args := range [][]string{nil, {"--database-url", "mysql://fd:" + pw + "@db/fd"}} {
		e := map[string]string{}
		if args == nil {
			e["FRONTDESK_DATABASE_URL"] = "mysql://fd:" + pw + "@db/fd"
		}
		_, err := config.NewLoader("serve", config.Store|config.Serve, env(e)).Parse(args, nil)
		if err == nil || strings.Contains(err.Error(), pw) {
			t.Fatalf("err %v", err)
		}
	}
}

func TestHelpListsEveryOption(t *testing.T) {
	var b bytes.Buffer
	l := config.NewLoader("serve", config.Store|config.Serve, env(nil))
	if _, err := l.Parse([]string{"--help"}, &b); !errors.Is(err, config.ErrHelp) {
		t.Fatalf("err %v", err)
	}
	for _, o := range config.Options() {
		line := ""
		for _, l := range strings.Split(b.String(), "\n") {
			if strings.Contains(l, "--"+o.Name+" ") {
				line = l
			}
		}
		if line == "" || !strings.Contains(line, o.Env()) || (o.Default != "" && !strings.Contains(line, o.Default)) {
			t.Errorf("help for %s: %q", o.Name, line)
		}
	}
}

// README.md's table is config.Markdown(), so it cannot drift from the code.
func TestREADMETable(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	const begin, end = "<!-- options:begin (generated from internal/config; see TestREADMETable) -->\n", "<!-- options:end -->"
	s := string(b)
	i, j := strings.Index(s, begin), strings.Index(s, end)
	if i < 0 || j < i {
		t.Fatalf("README.md has no options table between %q and %q", begin, end)
	}
	if got, want := s[i+len(begin):j], config.Markdown(); got != want {
		t.Fatalf("README.md's options table is out of date; replace it with:\n%s", want)
	}
}
