package httpx

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

func scrape(t *testing.T, h http.Handler) string {
	t.Helper()
	rr := httptest.NewRecorder()
	h.ServeHTTP(rr, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rr.Code != http.StatusOK {
		t.Fatalf("scrape status %d", rr.Code)
	}
	b, _ := io.ReadAll(rr.Body)
	return string(b)
}

func TestMetricsMiddleware(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v2/tickets/{id}", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("POST /api/v2/tickets", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusCreated)
	})
	mux.HandleFunc("GET /panic", func(w http.ResponseWriter, r *http.Request) { panic("boom") })
	mux.HandleFunc("/files/", func(w http.ResponseWriter, r *http.Request) {})

	tests := []struct {
		name     string
		method   string
		target   string
		wantLine string
	}{
		{"matched pattern", "GET", "/api/v2/tickets/17", `frontdesk_http_requests_total{code="200",method="GET",route="GET /api/v2/tickets/{id}"} 1`},
		{"created", "POST", "/api/v2/tickets", `frontdesk_http_requests_total{code="201",method="POST",route="POST /api/v2/tickets"} 1`},
		{"not found", "GET", "/no/such/thing", `frontdesk_http_requests_total{code="404",method="GET",route="unmatched"} 1`},
		{"method not allowed", "DELETE", "/api/v2/tickets/17", `frontdesk_http_requests_total{code="405",method="DELETE",route="unmatched"} 1`},
		{"unknown method folded", "FROBNICATE", "/api/v2/tickets/17", `frontdesk_http_requests_total{code="405",method="OTHER",route="unmatched"} 1`},
		{"panic counts as 500", "GET", "/panic", `frontdesk_http_requests_total{code="500",method="GET",route="GET /panic"} 1`},
		{"connect never trusts pattern", "CONNECT", "/files", `frontdesk_http_requests_total{code="307",method="CONNECT",route="unmatched"} 1`},
		{"trailing-slash redirect", "GET", "/files", `frontdesk_http_requests_total{code="307",method="GET",route="/files/"} 1`},
		{"histogram", "GET", "/api/v2/tickets/1", `frontdesk_http_request_duration_seconds_count{method="GET",route="GET /api/v2/tickets/{id}"} 1`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := prometheus.NewRegistry()
			m := NewMetrics(reg)
			h := m.Middleware(mux)
			req := httptest.NewRequest(tt.method, tt.target, nil)
			func() {
				defer func() { recover() }()
				h.ServeHTTP(httptest.NewRecorder(), req)
			}()
			out := scrape(t, m.Handler())
			if !strings.Contains(out, tt.wantLine+"\n") {
				t.Errorf("missing %s in:\n%s", tt.wantLine, out)
			}
		})
	}
}

// TestMetricsPatternHiddenByClone documents why Metrics must wrap the mux
// directly: a request copy made in between carries the pattern away.
func TestMetricsPatternHiddenByClone(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /x", func(w http.ResponseWriter, r *http.Request) {})
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)

	direct := m.Middleware(mux)
	viaClone := m.Middleware(LimitBody(10, mux))
	req := func() *http.Request { return httptest.NewRequest("GET", "/x", strings.NewReader("a")) }
	direct.ServeHTTP(httptest.NewRecorder(), req())
	viaClone.ServeHTTP(httptest.NewRecorder(), req())

	out := scrape(t, m.Handler())
	for _, want := range []string{
		`frontdesk_http_requests_total{code="200",method="GET",route="GET /x"} 1`,
		`frontdesk_http_requests_total{code="200",method="GET",route="unmatched"} 1`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %s in:\n%s", want, out)
		}
	}
}

func TestNewMetricsReusesRegistered(t *testing.T) {
	reg := prometheus.NewRegistry()
	a := NewMetrics(reg)
	b := NewMetrics(reg) // must not panic
	h := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	a.Middleware(h).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	b.Middleware(h).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	want := `frontdesk_http_requests_total{code="200",method="GET",route="unmatched"} 2`
	if out := scrape(t, a.Handler()); !strings.Contains(out, want) {
		t.Errorf("missing %s in:\n%s", want, out)
	}
}

func TestGaugeFunc(t *testing.T) {
	tests := []struct {
		name    string
		metric  string
		value   float64
		wantErr bool
		want    string
	}{
		{"queue depth", "frontdesk_job_queue_depth", 7, false, "frontdesk_job_queue_depth 7"},
		{"pool", "frontdesk_db_pool_idle", 2.5, false, "frontdesk_db_pool_idle 2.5"},
		{"duplicate", "frontdesk_job_queue_depth", 1, true, ""},
		{"empty name", "", 1, true, ""},
	}
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := tt.value
			err := GaugeFunc(reg, tt.metric, "help", func() float64 { return v })
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if tt.want != "" {
				if out := scrape(t, m.Handler()); !strings.Contains(out, tt.want+"\n") {
					t.Errorf("missing %s in:\n%s", tt.want, out)
				}
			}
		})
	}
}
