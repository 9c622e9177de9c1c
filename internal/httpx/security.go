package httpx

import "net/http"

// SecurityHeaders sets conservative defaults suitable for API responses:
//
//   - X-Content-Type-Options: nosniff stops browsers from reinterpreting a
//     JSON body or a user-uploaded attachment as HTML or script.
//   - Referrer-Policy: same-origin keeps ticket URLs (which can reveal
//     customer names and IDs) out of the Referer sent to external links.
//   - X-Frame-Options: DENY prevents clickjacking by framing.
//
// The headers are set before next runs, so a handler may still override them
// (the web UI will add a Content-Security-Policy with frame-ancestors).
func SecurityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}
