package httpx

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
)

// RequestIDHeader is the header used to accept and return request IDs.
// Zendesk clients and common proxies (nginx, Heroku router, ...) already send
// X-Request-Id, so honouring it lets one ID follow a request across hops.
const RequestIDHeader = "X-Request-Id"

// maxRequestIDLen bounds client-supplied IDs: they end up in every log line
// for the request, so an unbounded value would let clients bloat logs.
const maxRequestIDLen = 64

type requestIDKey struct{}

// RequestID assigns every request an ID, stores it in the request context
// (see RequestIDFrom) and echoes it in the X-Request-Id response header so a
// user reporting an error can quote it and we can find the matching log line.
//
// An incoming X-Request-Id is reused only if it is 1–64 characters of
// [A-Za-z0-9._-]. Anything else is replaced: request IDs are copied into logs
// and headers, so arbitrary client bytes (newlines, quotes, huge strings) must
// never get that far.
func RequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(RequestIDHeader)
		if !validRequestID(id) {
			id = newRequestID()
		}
		w.Header().Set(RequestIDHeader, id)
		next.ServeHTTP(w, r.WithContext(ContextWithRequestID(r.Context(), id)))
	})
}

// RequestIDFrom returns the request ID stored by RequestID, or "" if there is
// none (for example in a background job not started from a request).
func RequestIDFrom(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// ContextWithRequestID returns a copy of ctx carrying id. RequestID uses it;
// it is exported so background work spawned by a request (emails, webhooks)
// can keep the originating ID in its logs.
func ContextWithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

func validRequestID(id string) bool {
	if len(id) == 0 || len(id) > maxRequestIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			c == '.', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}

// newRequestID returns 16 random bytes as 32 hex characters. crypto/rand is
// used rather than a counter so IDs do not leak request volume and cannot be
// guessed to correlate other users' requests.
func newRequestID() string {
	var b [16]byte
	rand.Read(b[:]) // never returns an error since Go 1.24; it crashes instead.
	return hex.EncodeToString(b[:])
}
