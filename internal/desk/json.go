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

type ticketJSON Ticket

// MarshalJSON encodes t in Zendesk's ticket shape.
func (t Ticket) MarshalJSON() ([]byte, error) {
	out := ticketJSON(t)
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
	return json.Marshal(out)
}

type userJSON User

// MarshalJSON encodes u in Zendesk's user shape.
func (u User) MarshalJSON() ([]byte, error) {
	out := userJSON(u)
	out.Tags = orEmpty(out.Tags)
	out.IanaTimeZone = u.TimeZone
	if out.UserFields == nil {
		out.UserFields = map[string]any{}
	}
	return json.Marshal(out)
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
