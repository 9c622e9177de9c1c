package httpx

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

var generatedID = regexp.MustCompile(`^[0-9a-f]{32}$`)

func TestRequestID(t *testing.T) {
	tests := []struct {
		name     string
		incoming []string // nil: header absent
		want     string   // "" means a generated ID is expected
	}{
		{name: "absent", incoming: nil},
		{name: "empty", incoming: []string{""}},
		{name: "valid", incoming: []string{"abc-DEF_123.x"}, want: "abc-DEF_123.x"},
		{name: "single char", incoming: []string{"a"}, want: "a"},
		{name: "max length", incoming: []string{strings.Repeat("a", 64)}, want: strings.Repeat("a", 64)},
		{name: "too long", incoming: []string{strings.Repeat("a", 65)}},
		{name: "space", incoming: []string{"abc def"}},
		{name: "newline", incoming: []string{"abc\ndef"}},
		{name: "slash", incoming: []string{"abc/def"}},
		{name: "non-ascii", incoming: []string{"abcé"}},
		{name: "uuid", incoming: []string{"0b9e2c1e-8f1a-4d2b-9c3e-2f6a7b8c9d0e"}, want: "0b9e2c1e-8f1a-4d2b-9c3e-2f6a7b8c9d0e"},
		{name: "first of several", incoming: []string{"first", "second"}, want: "first"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var seen string
			h := RequestID(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				seen = RequestIDFrom(r.Context())
			}))
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			for _, v := range tt.incoming {
				req.Header.Add(RequestIDHeader, v)
			}
			rr := httptest.NewRecorder()
			h.ServeHTTP(rr, req)

			got := rr.Header().Get(RequestIDHeader)
			if got != seen {
				t.Errorf("header %q != context %q", got, seen)
			}
			if tt.want != "" {
				if got != tt.want {
					t.Errorf("got %q, want %q", got, tt.want)
				}
			} else if !generatedID.MatchString(got) {
				t.Errorf("got %q, want generated 32-hex ID", got)
			}
		})
	}
}

func TestRequestIDGeneratedUnique(t *testing.T) {
	h := RequestID(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	seen := map[string]bool{}
	for range 100 {
		rr := httptest.NewRecorder()
		h.ServeHTTP(rr, httptest.NewRequest(http.MethodGet, "/", nil))
		id := rr.Header().Get(RequestIDHeader)
		if seen[id] {
			t.Fatalf("duplicate ID %q", id)
		}
		seen[id] = true
	}
}

func TestRequestIDFromEmpty(t *testing.T) {
	if got := RequestIDFrom(context.Background()); got != "" {
		t.Errorf("got %q, want empty", got)
	}
	if got := RequestIDFrom(ContextWithRequestID(context.Background(), "x")); got != "x" {
		t.Errorf("got %q, want x", got)
	}
}
