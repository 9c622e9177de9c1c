package httpx

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestAccessLog(t *testing.T) {
	tests := []struct {
		name       string
		target     string
		handler    http.HandlerFunc
		wantStatus float64
		wantBytes  float64
		wantPath   string
		wantPanic  bool
	}{
		{
			name:   "implicit 200 with body",
			target: "/api/v2/tickets.json",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Write([]byte("hello"))
			},
			wantStatus: 200, wantBytes: 5, wantPath: "/api/v2/tickets.json",
		},
		{
			name:       "no write at all",
			target:     "/empty",
			handler:    func(w http.ResponseWriter, r *http.Request) {},
			wantStatus: 200, wantBytes: 0, wantPath: "/empty",
		},
		{
			name:   "explicit status",
			target: "/missing",
			handler: func(w http.ResponseWriter, r *http.Request) {
				http.NotFound(w, r)
			},
			wantStatus: 404, wantBytes: float64(len("404 page not found\n")), wantPath: "/missing",
		},
		{
			name:   "query string not logged",
			target: "/attachments/1?token=s3cret&x=1",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusNoContent)
			},
			wantStatus: 204, wantBytes: 0, wantPath: "/attachments/1",
		},
		{
			name:   "panic still logged",
			target: "/boom",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusAccepted)
				panic(http.ErrAbortHandler)
			},
			wantStatus: 202, wantBytes: 0, wantPath: "/boom", wantPanic: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logger, buf := newTestLogger()
			h := RequestID(AccessLog(logger, tt.handler))
			req := httptest.NewRequest(http.MethodPost, tt.target, nil)
			req.RemoteAddr = "192.0.2.10:5555"
			req.Header.Set(RequestIDHeader, "req-1")
			func() {
				defer func() {
					if p := recover(); (p != nil) != tt.wantPanic {
						t.Errorf("panic = %v, want panic %v", p, tt.wantPanic)
					}
				}()
				h.ServeHTTP(httptest.NewRecorder(), req)
			}()

			recs := buf.records(t)
			if len(recs) != 1 {
				t.Fatalf("got %d log lines, want 1", len(recs))
			}
			got := recs[0]
			want := map[string]any{
				"msg":        "http request",
				"method":     "POST",
				"path":       tt.wantPath,
				"status":     tt.wantStatus,
				"bytes":      tt.wantBytes,
				"request_id": "req-1",
				"remote_ip":  "192.0.2.10",
			}
			for k, v := range want {
				if got[k] != v {
					t.Errorf("%s = %v, want %v", k, got[k], v)
				}
			}
			if _, ok := got["duration"]; !ok {
				t.Error("duration missing")
			}
			if p, _ := got["panicked"].(bool); p != tt.wantPanic {
				t.Errorf("panicked = %v, want %v", got["panicked"], tt.wantPanic)
			}
			for k, v := range got {
				if s, ok := v.(string); ok && strings.Contains(s, "s3cret") {
					t.Errorf("%s leaks query token: %q", k, s)
				}
			}
		})
	}
}
