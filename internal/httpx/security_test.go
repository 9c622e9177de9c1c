package httpx

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestSecurityHeaders(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
		want    map[string]string
	}{
		{
			name:    "defaults",
			handler: func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("{}")) },
			want: map[string]string{
				"X-Content-Type-Options": "nosniff",
				"Referrer-Policy":        "same-origin",
				"X-Frame-Options":        "DENY",
			},
		},
		{
			name: "handler may override",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("X-Frame-Options", "SAMEORIGIN")
			},
			want: map[string]string{
				"X-Content-Type-Options": "nosniff",
				"Referrer-Policy":        "same-origin",
				"X-Frame-Options":        "SAMEORIGIN",
			},
		},
		{
			name:    "set on errors too",
			handler: func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) },
			want: map[string]string{
				"X-Content-Type-Options": "nosniff",
				"X-Frame-Options":        "DENY",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rr := httptest.NewRecorder()
			SecurityHeaders(tt.handler).ServeHTTP(rr, httptest.NewRequest(http.MethodGet, "/", nil))
			for k, v := range tt.want {
				if got := rr.Header().Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
		})
	}
}
