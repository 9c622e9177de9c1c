package httpx

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestLimitBody(t *testing.T) {
	tests := []struct {
		name     string
		max      int64
		body     io.Reader
		wantBody string
		wantErr  bool
	}{
		{"under limit", 10, strings.NewReader("hello"), "hello", false},
		{"exactly at limit", 5, strings.NewReader("hello"), "hello", false},
		{"over limit", 4, strings.NewReader("hello"), "hell", true},
		{"no body", 4, nil, "", false},
		{"zero limit rejects any body", 0, strings.NewReader("x"), "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []byte
			var err error
			h := LimitBody(tt.max, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				got, err = io.ReadAll(r.Body)
			}))
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/", tt.body))
			var mbe *http.MaxBytesError
			if tt.wantErr != errors.As(err, &mbe) {
				t.Errorf("err = %v, want MaxBytesError: %v", err, tt.wantErr)
			}
			if string(got) != tt.wantBody {
				t.Errorf("body = %q, want %q", got, tt.wantBody)
			}
		})
	}
}

func TestLimitBodyDoesNotMutateCallerRequest(t *testing.T) {
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader("hello"))
	orig := req.Body
	LimitBody(1, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})).ServeHTTP(httptest.NewRecorder(), req)
	if req.Body != orig {
		t.Error("caller's request body was replaced")
	}
}
