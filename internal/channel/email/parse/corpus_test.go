package parse

import (
	"encoding/json"
	"html"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"
)

// TestRealCorpus runs the shared real-world corpus (not in the repository:
// see scripts/mailcorpus) when FRONTDESK_MAILCORPUS points at it.
func TestRealCorpus(t *testing.T) {
	dir := os.Getenv("FRONTDESK_MAILCORPUS")
	if dir == "" {
		t.Skip("FRONTDESK_MAILCORPUS not set")
	}
	raw, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var manifest struct {
		Samples []struct {
			File             string  `json:"file"`
			Kind             string  `json:"kind"`
			Subject          string  `json:"subject"`
			SubjectMinPrefix int     `json:"subject_min_prefix"`
			From             string  `json:"from"`
			BodySnippet      *string `json:"body_snippet"`
		} `json:"samples"`
	}
	if err := json.Unmarshal(raw, &manifest); err != nil {
		t.Fatal(err)
	}
	if len(manifest.Samples) == 0 {
		t.Fatal("manifest lists no samples")
	}
	for _, s := range manifest.Samples {
		t.Run(strings.TrimSuffix(filepath.Base(s.File), ".eml"), func(t *testing.T) {
			f, err := os.Open(filepath.Join(dir, s.File))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			m, err := Parse(f, Options{})
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			t.Logf("kind=%v subject=%q from=%q attachments=%d reply=%q", m.Kind, m.Subject, m.From.Address, len(m.Attachments), truncate(m.Reply, 100))
			if m.Bounce != nil {
				t.Logf("bounce: %+v", m.Bounce.Recipients)
			}
			if want := map[string]Kind{"ticket": KindNormal, "autoreply": KindAutoReply}[s.Kind]; s.Kind != "bounce" && m.Kind != want {
				t.Errorf("kind = %v, want %s", m.Kind, s.Kind)
			}
			if s.Kind == "bounce" && m.Kind != KindBounce && m.Kind != KindDisposition {
				t.Errorf("kind = %v, want bounce or disposition", m.Kind)
			}
			if s.Kind != "ticket" {
				return
			}
			got, want := normalize(m.Subject), normalize(s.Subject)
			if got != want && (s.SubjectMinPrefix == 0 || len([]rune(got)) < s.SubjectMinPrefix || !strings.HasPrefix(want, got)) {
				t.Errorf("subject = %q, want %q", got, want)
			}
			if !strings.EqualFold(m.From.Address, s.From) {
				t.Errorf("from = %q, want %q", m.From.Address, s.From)
			}
			if s.BodySnippet != nil {
				snippet := normalize(*s.BodySnippet)
				if !strings.Contains(normalize(m.Text), snippet) {
					t.Errorf("text lacks %q:\n%s", snippet, m.Text)
				}
				// talon's expectations are the exact reply without history.
				if strings.HasPrefix(filepath.Base(s.File), "talon--") && normalize(m.Reply) != snippet {
					t.Errorf("reply = %q, want %q", m.Reply, snippet)
				}
			}
		})
	}
}

// normalize mirrors the corpus checker: entities decoded, NBSP and runs of
// whitespace folded, NFC.
func normalize(s string) string {
	s = html.UnescapeString(s)
	s = strings.ReplaceAll(s, "\u00a0", " ")
	return norm.NFC.String(strings.Join(strings.Fields(s), " "))
}

func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
