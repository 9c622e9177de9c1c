package erase_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/erase"
)

func TestMatcher(t *testing.T) {
	m := erase.New([]string{"Ann Lee", "ann.lee@example.test", "Ann", "Lee", "+1 555 0100", "", "  "})
	if got := m.String("Hi ANN LEE, mail ann.lee@EXAMPLE.test or call +1 555 0100. Leeds stays? "); strings.Contains(strings.ToLower(got), "ann") ||
		strings.Contains(got, "555") || !strings.Contains(got, "ds stays") {
		t.Errorf("String: %q", got)
	}
	if got := m.String("Ann &lt;ann.lee@example.test&gt;"); strings.Contains(got, "ann") {
		t.Errorf("HTML: %q", got)
	}
	doc := `{"subject":"For Ann Lee","n":12345678901234567890,"list":["ann.lee@example.test",1,true],"Ann":"key"}`
	out, err := m.JSON(doc)
	if err != nil || !json.Valid([]byte(out)) || strings.Contains(strings.ToLower(out), "ann") || !strings.Contains(out, "12345678901234567890") {
		t.Errorf("JSON: %s %v", out, err)
	}
	for _, doc := range []string{`{"x":"nothing here"}`, `{"x": "a \u003cb\u003e", "y": 1.50}`} {
		if same, _ := m.JSON(doc); same != doc {
			t.Errorf("untouched document changed: %s", same)
		}
	}
	if erase.New([]string{"Al", ""}) != nil {
		t.Error("a matcher of short terms only")
	}
	var none *erase.Matcher
	if none.String("Al") != "Al" || none.Match("Al") || len(none.Terms()) != 0 {
		t.Error("nil matcher")
	}
	if p := erase.LikePattern(`50%_a\b`); p != `%50\%\_a\\b%` {
		t.Errorf("LikePattern %q", p)
	}
}

// FuzzMatcherJSON: whatever the document (it comes from stored payloads
// and may be anything), a valid one stays valid and keeps no term.
func FuzzMatcherJSON(f *testing.F) {
	f.Add(`{"a":"Zed Quill <zed@q.test>"}`, "Zed Quill")
	f.Add(`["zed@q.test", {"zed@q.test": null}]`, "zed@q.test")
	f.Add(`"\u003czed\u003e"`, "<zed>")
	f.Fuzz(func(t *testing.T, doc, term string) {
		m := erase.New([]string{term})
		out, err := m.JSON(doc)
		if err != nil || m == nil || !json.Valid([]byte(doc)) {
			return
		}
		if !json.Valid([]byte(out)) {
			t.Fatalf("%q became invalid: %q", doc, out)
		}
		var v any
		if err := json.Unmarshal([]byte(out), &v); err != nil {
			t.Fatal(err)
		}
		var walk func(any)
		walk = func(x any) {
			switch x := x.(type) {
			case string:
				if m.Match(x) {
					t.Fatalf("term %q left in %q (from %q)", term, x, doc)
				}
			case []any:
				for _, y := range x {
					walk(y)
				}
			case map[string]any:
				for k, y := range x {
					walk(k)
					walk(y)
				}
			}
		}
		walk(v)
	})
}
