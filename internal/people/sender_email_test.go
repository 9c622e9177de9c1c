package people_test

import (
	"testing"

	"github.com/frontdesk/frontdesk/internal/people"
)

// TestNormalizeSenderEmail: mail senders may sit on a single-label host;
// everything else follows NormalizeEmail, which keeps refusing them.
func TestNormalizeSenderEmail(t *testing.T) {
	for in, want := range map[string]string{
		"root@localhost":       "root@localhost",
		" Cron@InTraNet ":      "cron@intranet",
		"bob@example.com":      "bob@example.com",
		"mail-daemon@host-01":  "mail-daemon@host-01",
		"zofia@klient.example": "zofia@klient.example",
	} {
		got, err := people.NormalizeSenderEmail(in)
		if err != nil || got != want {
			t.Errorf("NormalizeSenderEmail(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "root@", "@localhost", "root@127", "root@-host", "root@host-", "root@ho st", "ro ot@localhost",
		"<root@localhost>", "Root <root@localhost>", "root@localhost\r\nBcc: x@y.example", "root@@localhost", "root@local_host"} {
		if got, err := people.NormalizeSenderEmail(in); err == nil {
			t.Errorf("NormalizeSenderEmail(%q) = %q, want an error", in, got)
		}
	}
	if _, err := people.NormalizeEmail("root@localhost"); err == nil {
		t.Error("NormalizeEmail accepts a single-label host")
	}
}

func FuzzNormalizeSenderEmail(f *testing.F) {
	for _, s := range []string{"root@localhost", "bob@example.com", "a@b", "x@1", "é@host"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := people.NormalizeSenderEmail(s)
		if err != nil {
			return
		}
		if again, err := people.NormalizeSenderEmail(e); err != nil || again != e {
			t.Fatalf("not stable: %q -> %q -> %q %v", s, e, again, err)
		}
		if _, strict := people.NormalizeEmail(e); strict != nil && !people.IsLocalHostAddress(e) {
			t.Fatalf("%q accepted by neither rule", e)
		}
	})
}
