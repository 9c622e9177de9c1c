package httpx

import (
	"net/http"
)

// LimitBody caps request bodies at max bytes so a client cannot make a
// handler buffer (or a JSON decoder chew through) an arbitrarily large body.
// Reads beyond the limit fail with *http.MaxBytesError, which handlers should
// map to 413 in their own error format, and net/http closes the connection
// afterwards rather than draining the rest.
//
// Like http.MaxBytesHandler, it passes a shallow copy of the request to next
// instead of modifying the caller's request, so it must not sit between
// Metrics.Middleware and the mux. Routes that accept large uploads can wrap
// their own handler in a larger LimitBody inside the mux; the innermost
// limit that is reached first wins, so an outer limit caps everything.
func LimitBody(max int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody {
			next.ServeHTTP(w, r)
			return
		}
		r2 := *r
		r2.Body = http.MaxBytesReader(w, r.Body, max)
		next.ServeHTTP(w, &r2)
	})
}
