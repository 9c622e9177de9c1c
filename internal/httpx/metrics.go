package httpx

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// unmatchedRoute is the route label for requests that no ServeMux pattern
// matched (404s, 405s, CONNECT). Using the raw path instead would let any
// client create unbounded numbers of time series.
const unmatchedRoute = "unmatched"

// Metrics holds the HTTP request metrics and the registry they are exposed
// from.
type Metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	gatherer prometheus.Gatherer
}

// NewMetrics creates and registers
//
//	frontdesk_http_requests_total{route,method,code}
//	frontdesk_http_request_duration_seconds{route,method}
//
// on reg. If reg is nil a fresh prometheus.Registry is used. Handler serves
// reg if it is also a prometheus.Gatherer (as *prometheus.Registry is), and
// prometheus.DefaultGatherer otherwise.
//
// If the collectors are already registered on reg (a second NewMetrics on the
// same registry, common in tests), the existing ones are reused instead of
// panicking.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "frontdesk_http_requests_total",
		Help: "HTTP requests handled, by ServeMux route pattern, method and status code.",
	}, []string{"route", "method", "code"})
	duration := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "frontdesk_http_request_duration_seconds",
		Help:    "Time to handle HTTP requests, by ServeMux route pattern and method.",
		Buckets: prometheus.DefBuckets,
	}, []string{"route", "method"})

	m := &Metrics{
		requests: registerOrReuse(reg, requests),
		duration: registerOrReuse(reg, duration),
		gatherer: prometheus.DefaultGatherer,
	}
	if g, ok := reg.(prometheus.Gatherer); ok {
		m.gatherer = g
	}
	return m
}

// registerOrReuse registers c, or returns the identical collector that is
// already registered. Any other registration error is a programming error
// (conflicting metric definitions) and panics, as MustRegister would.
func registerOrReuse[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	err := reg.Register(c)
	if err == nil {
		return c
	}
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing
		}
	}
	panic(err)
}

// Middleware counts and times requests.
//
// The route label is r.Pattern, which http.ServeMux sets on the request it is
// given once it has routed it. It is therefore read after next returns, from
// the same *http.Request, and Middleware must wrap the mux directly (see the
// package documentation). Patterns are a fixed set chosen by us, which keeps
// label cardinality bounded; unmatched requests are labelled "unmatched".
// Unknown methods are likewise folded into "OTHER".
//
// A request whose handler panics is recorded with the status written before
// the panic, or 500 if none was: that is what Recover will send, and a panic
// is a server error either way.
func (m *Metrics) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := recordResponse(w)
		completed := false
		defer func() {
			code := rec.status
			if !rec.wroteHeader {
				code = http.StatusOK
				if !completed {
					code = http.StatusInternalServerError
				}
			}
			route := routeLabel(r)
			method := methodLabel(r.Method)
			m.requests.WithLabelValues(route, method, strconv.Itoa(code)).Inc()
			m.duration.WithLabelValues(route, method).Observe(time.Since(start).Seconds())
		}()
		next.ServeHTTP(rec, r)
		completed = true
	})
}

// Handler serves the registry in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.gatherer, promhttp.HandlerOpts{
		// A broken collector (say, a DB pool gauge) should not blank out
		// every other metric.
		ErrorHandling: promhttp.ContinueOnError,
	})
}

// GaugeFunc registers a gauge whose value is computed by f at scrape time,
// for state that lives elsewhere: job queue depth, DB pool statistics, and
// the like. f is called concurrently from scrapes and must be safe for that
// and fast.
//
// The error is non-nil if the name is invalid or already registered.
func GaugeFunc(reg prometheus.Registerer, name, help string, f func() float64) error {
	return reg.Register(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: name,
		Help: help,
	}, f))
}

func routeLabel(r *http.Request) string {
	// ServeMux reports the redirect target's raw path as the "pattern" for
	// CONNECT requests it redirects, which is client-controlled; Frontdesk
	// serves no CONNECT routes, so don't trust the pattern for them at all.
	if r.Pattern == "" || r.Method == http.MethodConnect {
		return unmatchedRoute
	}
	return r.Pattern
}

// methodLabel maps the request method onto a fixed set, because the method
// is an arbitrary client-chosen token.
func methodLabel(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut,
		http.MethodPatch, http.MethodDelete, http.MethodOptions,
		http.MethodConnect, http.MethodTrace:
		return method
	}
	return "OTHER"
}
