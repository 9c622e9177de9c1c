package httpx

import (
	"log/slog"
	"net/http"
	"time"
)

// AccessLog writes one structured log line per request with method, path,
// status, bytes, duration, request_id and remote_ip.
//
// The path is logged without the query string on purpose: Zendesk-style
// clients sometimes pass credentials or signed tokens as query parameters
// (attachment links, unsubscribe links), and access logs are widely readable.
//
// The line is written from a deferred call so that requests whose handler
// panics (and is aborted rather than recovered) are still logged; such lines
// carry panicked=true and the status written before the panic, or 0.
//
// remote_ip is ClientIP(r), the direct peer. Behind a reverse proxy that is
// the proxy's address; the proxy's own log has the client.
func AccessLog(logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := recordResponse(w)
		completed := false
		defer func() {
			attrs := make([]slog.Attr, 0, 8)
			attrs = append(attrs,
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
				slog.Int("status", rec.status),
				slog.Int64("bytes", rec.bytes),
				slog.Duration("duration", time.Since(start)),
				slog.String("request_id", RequestIDFrom(r.Context())),
				slog.String("remote_ip", ClientIP(r)),
			)
			if !completed {
				attrs = append(attrs, slog.Bool("panicked", true))
			}
			logger.LogAttrs(r.Context(), slog.LevelInfo, "http request", attrs...)
		}()
		next.ServeHTTP(rec, r)
		if !rec.wroteHeader {
			// A handler that writes nothing gets an implicit 200 from net/http.
			rec.status = http.StatusOK
		}
		completed = true
	})
}
