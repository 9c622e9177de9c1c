package parse

import (
	"strings"
	"testing"
)

// TestDeliveryStatusEmptyFields: a delivery-status part with an empty
// Status (found by FuzzIngest) parses instead of panicking.
func TestDeliveryStatusEmptyFields(t *testing.T) {
	for _, raw := range []string{
		"Content-Type: message/delivery-status\n\nStatus:",
		"Content-Type: message/delivery-status\n\nFinal-Recipient: rfc822; a@b.example\nAction: failed\nStatus:   \n\n",
	} {
		m, err := Parse(strings.NewReader(raw), Options{})
		if err != nil {
			t.Fatalf("%q: %v", raw, err)
		}
		if m.Bounce != nil {
			for _, r := range m.Bounce.Recipients {
				if r.Status != "" {
					t.Errorf("status %q from an empty field", r.Status)
				}
			}
		}
	}
}
