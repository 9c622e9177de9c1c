package ticket

import (
	"context"
	"encoding/json"

	"github.com/frontdesk/frontdesk/internal/audit"
	"github.com/frontdesk/frontdesk/internal/desk"
)

// auditMetadata is Zendesk's metadata of the audit ctx's change makes (and
// of its comment): metadata.system holds the client (user agent) and IP
// address the HTTP adapter saw (audit.WithClient, set for every API and
// web request), with location, latitude and longitude null (Frontdesk has
// no GeoIP database); metadata.custom is empty. A change without a client
// (mail, jobs, the command line) has an empty system object.
func auditMetadata(ctx context.Context) map[string]any {
	system := map[string]any{}
	if ip, ua, ok := audit.ClientFrom(ctx); ok {
		system = map[string]any{"client": ua, "ip_address": ip, "location": nil, "latitude": nil, "longitude": nil}
	}
	return map[string]any{"system": system, "custom": map[string]any{}}
}

// emptyMetadata is metadata with nothing in it.
func emptyMetadata() map[string]any {
	return map[string]any{"system": map[string]any{}, "custom": map[string]any{}}
}

// decodeMetadata reads a stored metadata column (empty metadata when it
// does not parse).
func decodeMetadata(raw string) map[string]any {
	var m map[string]any
	if json.Unmarshal([]byte(raw), &m) != nil || m == nil {
		return emptyMetadata()
	}
	return m
}

// metadataFor is the metadata viewer p may see: everything for staff, as
// Zendesk shows metadata to agents; for end-users an empty system object,
// so no one learns another person's IP address or browser from a ticket.
func metadataFor(p *desk.Principal, m map[string]any) map[string]any {
	if p.IsStaff() {
		return m
	}
	out := emptyMetadata()
	if custom, ok := m["custom"]; ok {
		out["custom"] = custom
	}
	return out
}
