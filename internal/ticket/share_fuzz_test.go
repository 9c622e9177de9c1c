package ticket

import (
	"encoding/base64"
	"strings"
	"testing"
)

// FuzzShareToken: the /shared/{token} path segment is anyone's to send.
// Only strings that decode as 32 bytes of unpadded base64url pass the
// check (so nothing else reaches the database), and every token this
// package makes passes it; the hash is always 64 hex characters.
func FuzzShareToken(f *testing.F) {
	for _, s := range []string{"", "x", strings.Repeat("A", 43), strings.Repeat("A", 44), "' OR 1=1 --", "../../etc/passwd", strings.Repeat("_-", 21) + "A", "é" + strings.Repeat("a", 41)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if wellFormedShareToken(s) {
			b, err := base64.RawURLEncoding.DecodeString(s)
			if err != nil || len(b) != shareTokenBytes {
				t.Fatalf("%q accepted but decodes to %d bytes, %v", s, len(b), err)
			}
		}
		if h := hashShareToken(s); len(h) != 64 || strings.Trim(h, "0123456789abcdef") != "" {
			t.Fatalf("hash %q", h)
		}
		made := base64.RawURLEncoding.EncodeToString([]byte((s + strings.Repeat("\x00", shareTokenBytes))[:shareTokenBytes]))
		if !wellFormedShareToken(made) {
			t.Fatalf("a made token %q is refused", made)
		}
	})
}
