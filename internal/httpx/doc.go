// Package httpx holds the HTTP plumbing shared by Frontdesk's API and web UI:
// request IDs, access logging, Prometheus metrics, rate limiting, failed-auth
// throttling, body limits, client-IP resolution behind trusted proxies, the
// site's own address for absolute URLs (PublicBase), panic recovery and
// security headers.
//
// Everything here is plain net/http middleware so it composes with the
// standard library's ServeMux and with http.ResponseController (Server-Sent
// Events rely on flushing through every wrapper).
//
// A typical chain, outermost first:
//
//	RequestID → AccessLog → Recover → SecurityHeaders → LimitBody → Metrics.Middleware → *http.ServeMux
//
// Order matters in two places:
//
//   - RequestID must be outside AccessLog and Recover so that both can log the
//     request ID.
//   - Metrics.Middleware reads r.Pattern, which ServeMux writes into the
//     *http.Request it is handed. Any middleware that replaces the request
//     (r.WithContext, LimitBody, http.StripPrefix, ...) between Metrics and the
//     mux hides the pattern, so Metrics should wrap the mux directly.
package httpx
