package desk

import "encoding/json"

// OrganizationMembership puts a user in an organization. A user may belong
// to several; one of them is the default (mirrored in User.OrganizationID).
type OrganizationMembership struct {
	ID               int64  `json:"id"`
	URL              string `json:"url"`
	UserID           int64  `json:"user_id"`
	OrganizationID   int64  `json:"organization_id"`
	Default          bool   `json:"default"`
	OrganizationName string `json:"organization_name"`
	// ViewTickets: whether the user sees the organization's tickets (staff
	// always; end-users when the organization shares its tickets).
	ViewTickets bool `json:"view_tickets"`
	CreatedAt   Time `json:"created_at"`
	UpdatedAt   Time `json:"updated_at"`
}

// MarshalJSON writes Zendesk's shape, where "default" is true or null.
func (m OrganizationMembership) MarshalJSON() ([]byte, error) {
	type plain OrganizationMembership
	var def *bool
	if m.Default {
		def = &m.Default
	}
	return json.Marshal(struct {
		plain
		Default *bool `json:"default"`
	}{plain(m), def})
}
