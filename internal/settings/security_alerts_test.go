package settings_test

import (
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/settings"
)

func TestSecurityContactValidation(t *testing.T) {
	for v, ok := range map[string]bool{
		"":                                        true,
		"security@example.com":                    true,
		"sec.team+alerts@mail.example.org":        true,
		"Security <sec@example.com>":              false,
		"a@example.com, b@example.com":            false,
		"a@example.com;b@example.com":             false,
		" sec@example.com":                        false,
		"sec@localhost":                           false,
		"not an address":                          false,
		"sec@example.com\r\nBcc: x@example.com":   false,
		strings.Repeat("a", 250) + "@example.com": false,
	} {
		err := settings.SecurityContact.Validate(v)
		if (err == nil) != ok {
			t.Errorf("Validate(%q) = %v, want ok=%v", v, err, ok)
		}
	}
}
