package community_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/community"
)

// FuzzParseRef: whatever a URL segment holds, ParseRef either refuses it or
// returns a positive id and a slug of ASCII letters, digits and dashes that
// rebuild the segment exactly.
func FuzzParseRef(f *testing.F) {
	for _, s := range []string{"1", "12-abc", "0", "-", "12-", "12-%2e%2e", "12-a/b", "9223372036854775807-x", "1-ąę"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, ref string) {
		id, slug, ok := community.ParseRef(ref)
		if !ok {
			return
		}
		if id <= 0 {
			t.Fatalf("id %d from %q", id, ref)
		}
		if strings.Trim(slug, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" {
			t.Fatalf("slug %q from %q", slug, ref)
		}
		back := strconv.FormatInt(id, 10)
		if strings.Contains(ref, "-") {
			back += "-" + slug
		}
		if back != ref {
			t.Fatalf("%q parsed as %d %q", ref, id, slug)
		}
	})
}

// FuzzSlug: a slug is never empty and only ever URL-safe.
func FuzzSlug(f *testing.F) {
	for _, s := range []string{"Jak zresetować hasło", "<script>", "", "a\x00b", "../../etc"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, title string) {
		s := community.Slug(title)
		if s == "" || len(s) > 80 || strings.Trim(s, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" || strings.HasPrefix(s, "-") || strings.HasSuffix(s, "-") {
			t.Fatalf("Slug(%q) = %q", title, s)
		}
		if _, _, ok := community.ParseRef("1-" + s); !ok {
			t.Fatalf("slug %q does not parse back", s)
		}
	})
}
