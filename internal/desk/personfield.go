package desk

// FieldScope says whose custom fields a PersonField defines.
type FieldScope string

// The two kinds of people fields: Zendesk's user fields and organization
// fields.
const (
	ScopeUser         FieldScope = "user"
	ScopeOrganization FieldScope = "organization"
)

// Valid reports whether s is a known scope.
func (s FieldScope) Valid() bool { return s == ScopeUser || s == ScopeOrganization }

// PersonField is a custom field on users or organizations, in the shape of
// Zendesk's user_field and organization_field. Values live in the record's
// user_fields / organization_fields object under Key.
type PersonField struct {
	ID                  int64         `json:"id"`
	URL                 string        `json:"url,omitempty"`
	Key                 string        `json:"key"`
	Type                string        `json:"type"`
	Title               string        `json:"title"`
	RawTitle            string        `json:"raw_title"`
	Description         string        `json:"description"`
	RawDescription      string        `json:"raw_description"`
	Position            int           `json:"position"`
	Active              bool          `json:"active"`
	System              bool          `json:"system"`
	RegexpForValidation *string       `json:"regexp_for_validation"`
	Tag                 *string       `json:"tag"`
	CustomFieldOptions  []FieldOption `json:"custom_field_options,omitempty"`
	CreatedAt           Time          `json:"created_at"`
	UpdatedAt           Time          `json:"updated_at"`
}
