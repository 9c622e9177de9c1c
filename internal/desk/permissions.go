package desk

import (
	"encoding/json"
	"strings"
)

// Ticket access scopes of a role: which tickets its agents see at all.
// Private groups narrow every scope further (members and the account owner
// only).
const (
	TicketAccessAll      = "all"      // every ticket
	TicketAccessGroups   = "groups"   // tickets in the agent's groups, or assigned to them
	TicketAccessAssigned = "assigned" // tickets assigned to or requested by the agent
)

// Zendesk's role_type values for users and custom roles.
const (
	RoleTypeCustom     = 0
	RoleTypeLightAgent = 1
	RoleTypeAdmin      = 4
)

// SettingOwner is the settings key holding the account owner's user ID.
// There is exactly one owner once an admin exists: the first admin created,
// until they hand ownership to another admin.
const SettingOwner = "account.owner_id"

// Permissions are what a staff member may do beyond seeing their own
// profile. They are granular and deny by default: the zero value allows
// nothing, and a custom role grants only what it names. Admins hold every
// permission; agents without a custom role hold AgentPermissions.
type Permissions struct {
	// TicketAccess is one of the TicketAccess… scopes; "" sees no ticket.
	TicketAccess         string `json:"ticket_access"`
	EditTicketProperties bool   `json:"edit_ticket_properties"`
	// PublicComments allows public replies; without it every comment the
	// agent adds is an internal note (Zendesk's light agents).
	PublicComments      bool `json:"public_comments"`
	DeleteTickets       bool `json:"delete_tickets"`
	MergeTickets        bool `json:"merge_tickets"`
	ViewEndUsers        bool `json:"view_end_users"`
	EditEndUsers        bool `json:"edit_end_users"`
	ManageGroupsOrgs    bool `json:"manage_groups_orgs"`
	ManageTicketFields  bool `json:"manage_ticket_fields"`
	ManageBusinessRules bool `json:"manage_business_rules"`
	ViewReports         bool `json:"view_reports"`
	ManageHelpCenter    bool `json:"manage_help_center"`
	ManageChannels      bool `json:"manage_channels"`
	AccessBilling       bool `json:"access_billing"`
	IssueRefunds        bool `json:"issue_refunds"`
	ManageSecurity      bool `json:"manage_security"`
	ManageAPITokens     bool `json:"manage_api_tokens"`
	ExportData          bool `json:"export_data"`
}

// AllPermissions is the admins' (and the system's) set.
func AllPermissions() Permissions {
	return Permissions{
		TicketAccess: TicketAccessAll, EditTicketProperties: true, PublicComments: true, DeleteTickets: true,
		MergeTickets: true, ViewEndUsers: true, EditEndUsers: true, ManageGroupsOrgs: true, ManageTicketFields: true,
		ManageBusinessRules: true, ViewReports: true, ManageHelpCenter: true, ManageChannels: true, AccessBilling: true,
		IssueRefunds: true, ManageSecurity: true, ManageAPITokens: true, ExportData: true,
	}
}

// AgentPermissions is the set of an agent without a custom role: work every
// ticket, see and edit end-users, and keep what agents could always do
// (their own API tokens, the incremental export of what they can see).
func AgentPermissions() Permissions {
	return Permissions{
		TicketAccess: TicketAccessAll, EditTicketProperties: true, PublicComments: true, DeleteTickets: true,
		MergeTickets: true, ViewEndUsers: true, EditEndUsers: true, ManageAPITokens: true, ExportData: true,
	}
}

// LightAgentPermissions is Zendesk's light agent: sees every ticket (and
// the end-users on them), adds internal notes only, changes nothing else.
func LightAgentPermissions() Permissions {
	return Permissions{TicketAccess: TicketAccessAll, ViewEndUsers: true}
}

// RolePermissions returns the built-in set of a role (end-users: none).
func RolePermissions(r Role) Permissions {
	switch r {
	case RoleAdmin:
		return AllPermissions()
	case RoleAgent:
		return AgentPermissions()
	}
	return Permissions{}
}

// NormalizeTicketAccess maps Zendesk's spellings ("within-groups",
// "assigned-only") onto ours and reports whether s names a scope.
func NormalizeTicketAccess(s string) (string, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case TicketAccessAll:
		return TicketAccessAll, true
	case TicketAccessGroups, "within-groups", "within_groups", "within-groups-and-public-groups":
		return TicketAccessGroups, true
	case TicketAccessAssigned, "assigned-only", "assigned_only":
		return TicketAccessAssigned, true
	}
	return "", false
}

// ParsePermissions decodes a stored permission set; anything unreadable
// grants nothing.
func ParsePermissions(s string) Permissions {
	var p Permissions
	if json.Unmarshal([]byte(s), &p) != nil {
		return Permissions{}
	}
	if v, ok := NormalizeTicketAccess(p.TicketAccess); ok {
		p.TicketAccess = v
	} else {
		p.TicketAccess = ""
	}
	return p
}

// String is the stored (JSON) form.
func (p Permissions) String() string {
	b, _ := json.Marshal(p)
	return string(b)
}

// CustomRole is a named permission set for agents (Zendesk's custom agent
// roles). The built-in light-agent role has RoleType 1 and cannot change.
type CustomRole struct {
	ID              int64       `json:"id"`
	URL             string      `json:"url,omitempty"`
	Name            string      `json:"name"`
	Description     string      `json:"description"`
	RoleType        int         `json:"role_type"`
	Configuration   Permissions `json:"configuration"`
	TeamMemberCount int         `json:"team_member_count"`
	CreatedAt       Time        `json:"created_at"`
	UpdatedAt       Time        `json:"updated_at"`
}

// BuiltIn reports whether the role ships with Frontdesk (read-only).
func (r *CustomRole) BuiltIn() bool { return r.RoleType != RoleTypeCustom }
