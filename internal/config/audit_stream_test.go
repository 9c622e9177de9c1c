package config_test

import (
	"testing"

	"github.com/frontdesk/frontdesk/internal/config"
)

func init() {
	badValues[config.KindAuditStream] = []string{"file:", "/var/log/audit.jsonl", "syslog:", "syslog+http://h:514",
		"syslog+udp://host", "syslog+udp://:514", "syslog+tcp://h:514/x", "SYSLOG", "file:a\nb"}
}

func TestAuditStreamOption(t *testing.T) {
	for _, ok := range []string{"", "file:/var/log/frontdesk/audit.jsonl", "file:audit.jsonl", "syslog", "syslog+udp://127.0.0.1:514", "syslog+tcp://logs.example.com:6514"} {
		c, err := config.NewLoader("serve", config.Store|config.Serve, func(string) (string, bool) { return "", false }).Parse([]string{"--audit-stream", ok}, nil)
		if err != nil || c.Server.AuditStream != ok {
			t.Errorf("%q: %v %q", ok, err, c.Server.AuditStream)
		}
	}
}
