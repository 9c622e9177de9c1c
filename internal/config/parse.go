package config

import (
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/frontdesk/frontdesk/internal/audit"
	"github.com/frontdesk/frontdesk/internal/httpx"
)

// Strict parsers: each accepts only well-formed values and says what it
// wanted. None of them falls back to a default.

func parseString(nonEmpty bool) func(string) (string, error) {
	return func(s string) (string, error) {
		if nonEmpty && strings.TrimSpace(s) == "" {
			return "", fmt.Errorf("must not be empty")
		}
		if strings.ContainsAny(s, "\x00\r\n") {
			return "", fmt.Errorf("must be one line")
		}
		return s, nil
	}
}

// parseBool accepts strconv.ParseBool's set (1, t, T, TRUE, true, True, 0,
// f, F, FALSE, false, False) and nothing else.
func parseBool(s string) (bool, error) {
	b, err := strconv.ParseBool(s)
	if err != nil {
		return false, fmt.Errorf("must be true or false")
	}
	return b, nil
}

func parseInt(lo, hi int64) func(string) (int, error) {
	return func(s string) (int, error) {
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil || n < lo || n > hi || n > math.MaxInt || n < math.MinInt {
			return 0, fmt.Errorf("must be a whole number from %d to %d", lo, hi)
		}
		return int(n), nil
	}
}

func parseDuration(lo, hi time.Duration) func(string) (time.Duration, error) {
	return func(s string) (time.Duration, error) {
		d, err := time.ParseDuration(strings.TrimSpace(s))
		if err != nil || d < lo || d > hi {
			return 0, fmt.Errorf("must be a duration such as 30s or 2m, from %s to %s", lo, hi)
		}
		return d, nil
	}
}

// Size units: decimal (kB = 1000) and binary (KiB = 1024), case-insensitive.
var sizeUnits = map[string]int64{
	"": 1, "b": 1,
	"kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12,
	"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40,
}

// parseSize accepts a whole number of bytes, optionally followed by a unit:
// 52428800, 10MB (10,000,000), 50MiB (52,428,800), 512 KiB.
func parseSize(lo, hi int64) func(string) (int64, error) {
	return func(s string) (int64, error) {
		bad := fmt.Errorf("must be a size such as 52428800, 10MB or 50MiB, from %s to %s", formatSize(lo), formatSize(hi))
		t := strings.TrimSpace(s)
		i := 0
		for i < len(t) && t[i] >= '0' && t[i] <= '9' {
			i++
		}
		if i == 0 {
			return 0, bad
		}
		n, err := strconv.ParseInt(t[:i], 10, 64)
		if err != nil {
			return 0, bad
		}
		mul, ok := sizeUnits[strings.ToLower(strings.TrimSpace(t[i:]))]
		if !ok || n > math.MaxInt64/mul {
			return 0, bad
		}
		n *= mul
		if n < lo || n > hi {
			return 0, bad
		}
		return n, nil
	}
}

// formatSize writes n in the largest binary unit that divides it exactly.
func formatSize(n int64) string {
	for _, u := range []struct {
		name string
		size int64
	}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n >= u.size && n%u.size == 0 {
			return strconv.FormatInt(n/u.size, 10) + u.name
		}
	}
	return strconv.FormatInt(n, 10)
}

// parseHostPort accepts host:port (host may be empty: every interface;
// port 0 picks a free one). optional allows "" (off).
func parseHostPort(optional bool) func(string) (string, error) {
	return func(s string) (string, error) {
		if s == "" && optional {
			return "", nil
		}
		host, port, err := net.SplitHostPort(s)
		if err != nil {
			return "", fmt.Errorf("must be host:port, such as 127.0.0.1:8080")
		}
		if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
			return "", fmt.Errorf("must be host:port with a port from 0 to 65535")
		}
		if strings.ContainsAny(host, " /\\@") {
			return "", fmt.Errorf("must be host:port, such as 127.0.0.1:8080")
		}
		return s, nil
	}
}

// parsePublicURL accepts an absolute http(s) URL of a site root: no user
// information, path (beyond "/"), query or fragment. The trailing "/" is
// dropped. "" means not set.
func parsePublicURL(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	bad := fmt.Errorf("must be the site's address, such as https://help.example.com (http or https, no path, query or fragment)")
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Hostname() == "" || u.User != nil ||
		(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || u.Opaque != "" ||
		strings.ContainsAny(s, " \t\r\n\\") {
		return "", bad
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return "", bad
		}
	}
	return u.Scheme + "://" + u.Host, nil
}

// parseDatabaseURL accepts "" (embedded SQLite) or a postgres:// or
// postgresql:// URL.
func parseDatabaseURL(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Opaque != "" {
		return "", fmt.Errorf("must be a postgres:// URL, or empty for the embedded SQLite database")
	}
	if u.Host == "" && u.Query().Get("host") == "" {
		return "", fmt.Errorf("must name a host (postgres://user@host:5432/db)")
	}
	return s, nil
}

func parseLogLevel(s string) (slog.Level, error) {
	switch strings.ToLower(s) {
	case "debug":
		return slog.LevelDebug, nil
	case "info":
		return slog.LevelInfo, nil
	case "warn":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("must be debug, info, warn or error")
}

// redactURL hides a password in a URL for error messages.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		if i := strings.Index(s, "@"); i > 0 {
			if j := strings.Index(s, "://"); j > 0 && j < i {
				return s[:j+3] + "…" + s[i:]
			}
		}
		return s
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

func parseTrustedProxies(s string) ([]netip.Prefix, error) {
	p, err := httpx.ParseTrustedProxies(s)
	if err != nil {
		return nil, fmt.Errorf("must be IP addresses or CIDR prefixes separated by commas, such as 10.0.0.0/8,192.0.2.7 (%v)", err)
	}
	return p, nil
}

func parseToken(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	if len(s) < httpx.MinBearerToken || strings.ContainsAny(s, " \t\r\n") {
		return "", fmt.Errorf("must be at least %d characters without spaces", httpx.MinBearerToken)
	}
	return s, nil
}

// parseText accepts one line of printable text (keys, names).
func parseText(s string) (string, error) {
	if strings.IndexFunc(s, unicode.IsControl) >= 0 {
		return "", fmt.Errorf("must be one line of text without control characters")
	}
	return s, nil
}

// parseHost accepts "" or host[:port] without a scheme, path or spaces.
func parseHost(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	bad := fmt.Errorf("must be host or host:port, such as s3.example.com or 127.0.0.1:9000 (no scheme or path)")
	if strings.Contains(s, "://") || strings.ContainsAny(s, "/\\ @?#") || strings.IndexFunc(s, unicode.IsControl) >= 0 {
		return "", bad
	}
	if _, port, err := net.SplitHostPort(s); err == nil {
		if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 {
			return "", bad
		}
	} else if strings.Contains(s, ":") && !strings.HasPrefix(s, "[") {
		return "", bad
	}
	return s, nil
}

// parseAuditStream checks an audit stream destination (audit.ParseStreamSpec).
func parseAuditStream(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	if _, err := audit.ParseStreamSpec(s); err != nil {
		return "", err
	}
	return s, nil
}
