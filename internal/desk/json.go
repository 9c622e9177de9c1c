package desk

import (
	"encoding/json"
)

// The MarshalJSON methods below are the one serializer of a ticket, user and
// organization: every response that carries one (create, update, show,
// lists, show_many, search, sideloads, exports) encodes it through them, so
// the same record has the same keys and values wherever it appears. They
// fill what a code path may have left unset (a nil list, a nil map) with
// what a stored record reads back as; the url is filled by the API layer,
// which knows the request's base.

// DefaultBrandID is the id of Frontdesk's one brand (GET /api/v2/brands):
// every ticket belongs to it.
const DefaultBrandID int64 = 1

// TicketWire is a ticket in Zendesk's shape, ready for encoding/json. It has
// the same fields as Ticket and no MarshalJSON: encoding/json re-validates
// and compacts every byte a MarshalJSON method returns, which made that
// pass the largest cost of a ticket list (27 % of a list request's CPU).
// Responses that carry many tickets encode []TicketWire (WireTickets);
// Ticket.MarshalJSON encodes the same value, so the bytes are the same.
// AppendTicketJSON (wire_json.go) writes those bytes without reflection;
// the API's writeJSON uses it for every ticket in a response body.
type TicketWire Ticket

// MarshalJSON encodes t in Zendesk's ticket shape, with the hand encoder:
// bodies that nest tickets where writeJSON does not look (search results,
// exports, webhooks) would otherwise pay encoding/json's reflection over
// every field. FuzzTicketWireEncoding holds it to json.Marshal(t.Wire()).
func (t Ticket) MarshalJSON() ([]byte, error) {
	w := t.Wire()
	return AppendTicketJSON(make([]byte, 0, 1024), &w)
}

// WireTickets is ts in Zendesk's shape (see TicketWire).
func WireTickets(ts []Ticket) []TicketWire {
	out := make([]TicketWire, len(ts))
	for i := range ts {
		out[i] = ts[i].Wire()
	}
	return out
}

// Wire is t in Zendesk's ticket shape: the one place that fills what a code
// path may have left unset.
func (t Ticket) Wire() TicketWire {
	out := TicketWire(t)
	out.CollaboratorIDs = orEmpty(out.CollaboratorIDs)
	out.FollowerIDs = orEmpty(out.FollowerIDs)
	out.EmailCCIDs = orEmpty(out.EmailCCIDs)
	out.Tags = orEmpty(out.Tags)
	out.SharingAgreementIDs = orEmpty(out.SharingAgreementIDs)
	out.FollowupIDs = orEmpty(out.FollowupIDs)
	out.CustomFields = orEmpty(out.CustomFields)
	// fields is Zendesk's alias of custom_fields: always the same list.
	out.Fields = out.CustomFields
	if out.BrandID == nil {
		brand := DefaultBrandID
		out.BrandID = &brand
	}
	out.GeneratedTimestamp = 0
	if !t.UpdatedAt.IsZero() {
		out.GeneratedTimestamp = t.UpdatedAt.Unix()
	}
	if out.Via.Source.From == nil {
		out.Via.Source.From = map[string]any{}
	}
	if out.Via.Source.To == nil {
		out.Via.Source.To = map[string]any{}
	}
	return out
}

// UserWire is a user in Zendesk's shape, ready for encoding/json (see
// TicketWire for why it exists).
type UserWire User

// MarshalJSON encodes u in Zendesk's user shape, with the hand encoder
// (see Ticket.MarshalJSON; FuzzUserWireEncoding holds it to
// json.Marshal(u.Wire())).
func (u User) MarshalJSON() ([]byte, error) {
	w := u.Wire()
	return AppendUserJSON(make([]byte, 0, 1024), &w)
}

// WireUsers is us in Zendesk's shape (see UserWire).
func WireUsers(us []User) []UserWire {
	out := make([]UserWire, len(us))
	for i := range us {
		out[i] = us[i].Wire()
	}
	return out
}

// Wire is u in Zendesk's user shape.
func (u User) Wire() UserWire {
	out := UserWire(u)
	out.Tags = orEmpty(out.Tags)
	out.IanaTimeZone = u.TimeZone
	if out.UserFields == nil {
		out.UserFields = map[string]any{}
	}
	return out
}

type organizationJSON Organization

// MarshalJSON encodes o in Zendesk's organization shape.
func (o Organization) MarshalJSON() ([]byte, error) {
	out := organizationJSON(o)
	out.Tags = orEmpty(out.Tags)
	out.DomainNames = orEmpty(out.DomainNames)
	if out.Fields == nil {
		out.Fields = map[string]any{}
	}
	return json.Marshal(out)
}

// orEmpty returns s, or an empty (non-nil) slice for nil: JSON [] not null.
func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
