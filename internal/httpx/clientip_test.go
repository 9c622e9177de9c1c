package httpx

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestClientIP(t *testing.T) {
	tests := []struct {
		remote string
		xff    string
		want   string
	}{
		{"192.0.2.1:1234", "", "192.0.2.1"},
		{"192.0.2.1:1234", "203.0.113.9", "192.0.2.1"}, // XFF ignored
		{"[2001:db8::1]:443", "", "2001:db8::1"},
		{"[::ffff:192.0.2.1]:80", "", "192.0.2.1"}, // unmapped
		{"[fe80::1%eth0]:80", "", "fe80::1"},       // zone dropped
		{"192.0.2.1", "", "192.0.2.1"},             // no port
		{"@", "", "@"},                             // unix socket
		{"", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.remote, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.RemoteAddr = tt.remote
			if tt.xff != "" {
				r.Header.Set("X-Forwarded-For", tt.xff)
			}
			if got := ClientIP(r); got != tt.want {
				t.Errorf("ClientIP = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestIPResolver(t *testing.T) {
	res := IPResolver{TrustedProxies: []netip.Prefix{
		netip.MustParsePrefix("10.0.0.0/8"),
		netip.MustParsePrefix("fd00::/8"),
	}}
	tests := []struct {
		name   string
		remote string
		xff    []string
		want   string
	}{
		{"untrusted peer ignores XFF", "198.51.100.7:1", []string{"1.2.3.4"}, "198.51.100.7"},
		{"trusted peer without XFF", "10.0.0.2:1", nil, "10.0.0.2"},
		{"trusted peer, one hop", "10.0.0.2:1", []string{"203.0.113.5"}, "203.0.113.5"},
		{"right-most untrusted wins over spoofed left", "10.0.0.2:1", []string{"6.6.6.6, 203.0.113.5"}, "203.0.113.5"},
		{"skips trusted hops", "10.0.0.2:1", []string{"6.6.6.6, 203.0.113.5, 10.1.1.1, 10.2.2.2"}, "203.0.113.5"},
		{"multiple header lines", "10.0.0.2:1", []string{"6.6.6.6", "203.0.113.5, 10.1.1.1"}, "203.0.113.5"},
		{"all trusted gives left-most", "10.0.0.2:1", []string{"10.9.9.9, 10.1.1.1"}, "10.9.9.9"},
		{"spaces and empty elements", "10.0.0.2:1", []string{" 203.0.113.5 ,, "}, "203.0.113.5"},
		{"entry with port", "10.0.0.2:1", []string{"203.0.113.5:4711"}, "203.0.113.5"},
		{"ipv6 entry with port", "10.0.0.2:1", []string{"[2001:db8::5]:4711"}, "2001:db8::5"},
		{"bracketed ipv6 entry", "10.0.0.2:1", []string{"[2001:db8::5]"}, "2001:db8::5"},
		{"ipv6 trusted peer", "[fd00::1]:1", []string{"2001:db8::5"}, "2001:db8::5"},
		{"mapped trusted peer", "[::ffff:10.0.0.2]:1", []string{"203.0.113.5"}, "203.0.113.5"},
		{"garbage stops at last trusted hop", "10.0.0.2:1", []string{"203.0.113.5, garbage, 10.1.1.1"}, "10.1.1.1"},
		{"garbage right after peer", "10.0.0.2:1", []string{"unknown"}, "10.0.0.2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.RemoteAddr = tt.remote
			for _, v := range tt.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := res.IP(r); got != tt.want {
				t.Errorf("IP = %q, want %q", got, tt.want)
			}
		})
	}

	t.Run("zero value trusts nobody", func(t *testing.T) {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = "10.0.0.2:1"
		r.Header.Set("X-Forwarded-For", "203.0.113.5")
		if got := (IPResolver{}).IP(r); got != "10.0.0.2" {
			t.Errorf("IP = %q", got)
		}
	})
}

func TestIPKey(t *testing.T) {
	tests := []struct{ in, want string }{
		{"192.0.2.1", "192.0.2.1"},
		{"::ffff:192.0.2.1", "192.0.2.1"},
		{"2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"},
		{"2001:db8:1:2:ffff::1", "2001:db8:1:2::/64"},
		{"not-an-ip", "not-an-ip"},
	}
	for _, tt := range tests {
		if got := IPKey(tt.in); got != tt.want {
			t.Errorf("IPKey(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
