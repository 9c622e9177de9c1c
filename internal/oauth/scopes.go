package oauth

import (
	"net/http"
	"slices"
	"strings"

	"github.com/frontdesk/frontdesk/internal/desk"
)

// Global scopes as Zendesk names them: read reaches every GET endpoint,
// write every POST, PUT and DELETE endpoint; impersonate lets an admin's
// token act for an end-user (X-On-Behalf-Of).
const (
	ScopeRead        = "read"
	ScopeWrite       = "write"
	ScopeImpersonate = "impersonate"
)

// Resources that have scopes of their own ("tickets:read",
// "users:write" …), as Zendesk lists them.
var Resources = []string{
	"tickets", "users", "auditlogs", "organizations", "hc", "apps", "triggers", "automations",
	"targets", "webhooks", "macros", "requests", "satisfaction_ratings", "dynamic_content",
	"any_channel", "web_widget", "zis",
}

// routeResources maps the first segment of an API path under /api/v2/ to
// the resource whose scope covers it. A path not listed here is reached
// only with the global read or write scope (deny by default).
var routeResources = map[string]string{
	"tickets": "tickets", "ticket_audits": "tickets", "deleted_tickets": "tickets", "uploads": "tickets",
	"ticket_fields": "tickets", "ticket_forms": "tickets", "attachments": "tickets",
	"users": "users", "deleted_users": "users", "user_fields": "users", "identities": "users",
	"organizations": "organizations", "organization_memberships": "organizations", "organization_fields": "organizations",
	"requests": "requests", "audit_logs": "auditlogs", "macros": "macros", "triggers": "triggers",
	"automations": "automations", "targets": "targets", "webhooks": "webhooks",
	"satisfaction_ratings": "satisfaction_ratings", "dynamic_content": "dynamic_content",
	"help_center": "hc", // p10-hc: Zendesk's hc:read / hc:write scopes
}

// incrementalResources maps /api/v2/incremental/{x} to its resource.
var incrementalResources = map[string]string{
	"tickets": "tickets", "ticket_events": "tickets", "users": "users", "organizations": "organizations",
}

// ResourceOf returns the scope resource of an API route pattern or path
// ("GET /api/v2/tickets/{id}" → "tickets"), or "" when only the global
// scopes reach it.
func ResourceOf(pattern string) string {
	if _, path, ok := strings.Cut(pattern, " "); ok {
		pattern = path
	}
	rest, ok := strings.CutPrefix(pattern, "/api/v2/")
	if !ok {
		return ""
	}
	segs := strings.Split(rest, "/")
	if segs[0] == "incremental" && len(segs) > 1 {
		return incrementalResources[strings.TrimSuffix(segs[1], ".json")]
	}
	return routeResources[strings.TrimSuffix(segs[0], ".json")]
}

// IsWrite reports whether an HTTP method changes something.
func IsWrite(method string) bool {
	return method != http.MethodGet && method != http.MethodHead && method != http.MethodOptions
}

// ParseScopes reads a space-separated scope list (a JSON array joined by
// spaces works too), refusing unknown scopes, and returns it sorted and
// without duplicates.
func ParseScopes(s string) ([]string, error) {
	fields := strings.Fields(strings.ReplaceAll(s, ",", " "))
	if len(fields) == 0 {
		return nil, desk.Invalid("scopes", "must name at least one scope")
	}
	if len(fields) > 40 {
		return nil, desk.Invalid("scopes", "lists too many scopes")
	}
	out := make([]string, 0, len(fields))
	for _, f := range fields {
		if !validScope(f) {
			return nil, desk.Invalid("scopes", "has an unknown scope: "+f)
		}
		out = append(out, f)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

func validScope(s string) bool {
	switch s {
	case ScopeRead, ScopeWrite, ScopeImpersonate:
		return true
	}
	res, access, ok := strings.Cut(s, ":")
	return ok && (access == "read" || access == "write") && slices.Contains(Resources, res)
}

// Allows reports whether scopes reach resource ("" = none of its own) for
// reading or writing: the global scope of that access, or the resource's.
func Allows(scopes []string, resource string, write bool) bool {
	access := ScopeRead
	if write {
		access = ScopeWrite
	}
	if slices.Contains(scopes, access) {
		return true
	}
	return resource != "" && slices.Contains(scopes, resource+":"+access)
}

// selfService are the routes every access token reaches whatever its
// scopes: reading and revoking itself.
var selfService = map[string]bool{
	"GET /api/v2/oauth/tokens/current":    true,
	"DELETE /api/v2/oauth/tokens/current": true,
}

// Authorize is the one place OAuth scopes are enforced: every API request
// made with an OAuth access token passes here with its route pattern and
// method before any handler runs. Principals from other credentials pass.
func Authorize(p *desk.Principal, pattern, method string) error {
	if p == nil || p.OAuth == nil {
		return nil
	}
	if selfService[pattern] {
		return nil
	}
	if !Allows(p.OAuth.Scopes, ResourceOf(pattern), IsWrite(method)) {
		return desk.Forbidden("The access token's scopes do not cover this request")
	}
	return nil
}
