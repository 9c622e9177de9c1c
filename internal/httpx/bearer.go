package httpx

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"
)

// MinBearerToken is the shortest token BearerOnly accepts as configuration.
const MinBearerToken = 24

// BearerOnly serves next only to requests that carry
// "Authorization: Bearer TOKEN" with exactly token; everyone else gets 401
// and nothing from next. The comparison is constant-time (over hashes, so
// not even the length leaks). An empty token refuses every request.
//
// It guards endpoints such as /metrics when they must be reachable on the
// public listener.
func BearerOnly(token string, next http.Handler) http.Handler {
	want := sha256.Sum256([]byte(token))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := r.Header.Get("Authorization")
		ok := false
		if token != "" && len(h) > 7 && strings.EqualFold(h[:7], "Bearer ") {
			got := sha256.Sum256([]byte(strings.TrimSpace(h[7:])))
			ok = subtle.ConstantTimeCompare(got[:], want[:]) == 1
		}
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}
