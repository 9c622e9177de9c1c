package desk

// User is anyone who raises or works tickets. Field names follow Zendesk's
// Users API so existing clients read them unchanged.
type User struct {
	ID             int64          `json:"id"`
	URL            string         `json:"url,omitempty"`
	Name           string         `json:"name"`
	Email          string         `json:"email"`
	Role           Role           `json:"role"`
	RoleType       *int           `json:"role_type"`
	CustomRoleID   *int64         `json:"custom_role_id"`
	OrganizationID *int64         `json:"organization_id"`
	DefaultGroupID *int64         `json:"default_group_id"`
	Phone          string         `json:"phone"`
	Locale         string         `json:"locale"`
	TimeZone       string         `json:"time_zone"`
	Tags           []string       `json:"tags"`
	Notes          string         `json:"notes"`
	Details        string         `json:"details"`
	ExternalID     *string        `json:"external_id"`
	Active         bool           `json:"active"`
	Suspended      bool           `json:"suspended"`
	Verified       bool           `json:"verified"`
	Moderator      bool           `json:"moderator"`
	OnlyPrivate    bool           `json:"only_private_comments"`
	Restriction    *string        `json:"ticket_restriction"`
	UserFields     map[string]any `json:"user_fields"`
	LastLoginAt    Time           `json:"last_login_at"`
	CreatedAt      Time           `json:"created_at"`
	UpdatedAt      Time           `json:"updated_at"`
	// IsOwner marks the account owner (Frontdesk's addition: exactly one
	// admin, who alone can hand the account over).
	IsOwner bool `json:"is_owner"`
	// Zendesk's keys: locale_id (the id GET /api/v2/locales gives the
	// user's language; the API layer fills it, as it fills url),
	// iana_time_zone (the serializer copies time_zone, already an IANA
	// name); photo and signature are null and shared false, as Frontdesk has
	// no photos, signatures or sharing.
	LocaleID     int     `json:"locale_id"`
	IanaTimeZone string  `json:"iana_time_zone"`
	Photo        any     `json:"photo"`
	Shared       bool    `json:"shared"`
	Signature    *string `json:"signature"`
	// TwoFactor is whether the user has TOTP on; TwoFactorAuthEnabled
	// shows it only to those allowed to know (the user and admins; null
	// for everyone else), filled by the people package.
	TwoFactor bool `json:"-"`
	// Purged marks a permanently deleted user: a row kept for the tickets
	// that name it, with its personal data erased.
	Purged               bool  `json:"-"`
	TwoFactorAuthEnabled *bool `json:"two_factor_auth_enabled"`
}

// Identity is one way to reach a user; a user may have several emails.
type Identity struct {
	ID        int64  `json:"id"`
	UserID    int64  `json:"user_id"`
	Type      string `json:"type"`
	Value     string `json:"value"`
	Primary   bool   `json:"primary"`
	Verified  bool   `json:"verified"`
	CreatedAt Time   `json:"created_at"`
	UpdatedAt Time   `json:"updated_at"`
}

// Organization groups end-users; its domain names put new requesters into it.
type Organization struct {
	ID             int64          `json:"id"`
	URL            string         `json:"url,omitempty"`
	Name           string         `json:"name"`
	DomainNames    []string       `json:"domain_names"`
	Details        string         `json:"details"`
	Notes          string         `json:"notes"`
	GroupID        *int64         `json:"group_id"`
	SharedTickets  bool           `json:"shared_tickets"`
	SharedComments bool           `json:"shared_comments"`
	ExternalID     *string        `json:"external_id"`
	Tags           []string       `json:"tags"`
	Fields         map[string]any `json:"organization_fields"`
	CreatedAt      Time           `json:"created_at"`
	UpdatedAt      Time           `json:"updated_at"`
}

// Group is a team of agents that tickets are routed to.
type Group struct {
	ID          int64  `json:"id"`
	URL         string `json:"url,omitempty"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Default     bool   `json:"default"`
	IsPublic    bool   `json:"is_public"`
	Deleted     bool   `json:"deleted"`
	CreatedAt   Time   `json:"created_at"`
	UpdatedAt   Time   `json:"updated_at"`
}

// GroupMembership puts an agent in a group.
type GroupMembership struct {
	ID        int64  `json:"id"`
	URL       string `json:"url,omitempty"`
	UserID    int64  `json:"user_id"`
	GroupID   int64  `json:"group_id"`
	Default   bool   `json:"default"`
	CreatedAt Time   `json:"created_at"`
	UpdatedAt Time   `json:"updated_at"`
}

// APIToken is listed without its secret: only a hash is stored.
type APIToken struct {
	ID     int64  `json:"id"`
	URL    string `json:"url,omitempty"`
	UserID int64  `json:"user_id"`
	Name   string `json:"description"`
	Token  string `json:"token,omitempty"` // only in the response that creates it
	Scope  string `json:"scope"`           // "read" or "read-write"
	// Account marks an account token: it acts as whichever user the
	// request names (Basic email/token:TOKEN); UserID is who created it.
	// StaffOnly limits it to acting as agents and admins.
	Account    bool   `json:"account"`
	StaffOnly  bool   `json:"staff_only"`
	ExpiresAt  Time   `json:"expires_at"` // null: never
	LastUsedAt Time   `json:"last_used_at"`
	LastUsedIP string `json:"last_used_ip"`
	CreatedAt  Time   `json:"created_at"`
	UpdatedAt  Time   `json:"updated_at"`
}
