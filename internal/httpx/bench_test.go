package httpx

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

func BenchmarkLimiterAllow(b *testing.B) {
	l := NewLimiter(1_000_000, nil)
	keys := make([]string, 4096)
	for i := range keys {
		keys[i] = "192.0.2." + strconv.Itoa(i)
	}
	var next atomic.Uint64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := next.Add(1) * 7919
		for pb.Next() {
			l.Allow(keys[i%uint64(len(keys))])
			i++
		}
	})
}

func BenchmarkMiddlewareChain(b *testing.B) {
	logger := slog.New(slog.DiscardHandler)
	m := NewMetrics(prometheus.NewRegistry())
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v2/tickets/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"ticket":{}}`))
	})
	h := RequestID(AccessLog(logger, Recover(logger, nil)(SecurityHeaders(LimitBody(1<<20, m.Middleware(mux))))))
	req := httptest.NewRequest(http.MethodGet, "/api/v2/tickets/42", nil)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
}
