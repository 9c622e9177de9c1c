package people

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/frontdesk/frontdesk/internal/desk"
)

// Zendesk's custom-role configuration keys
// (developer.zendesk.com/api-reference/ticketing/account-configuration/custom_roles/#configuration).
// A role's configuration accepts Frontdesk's permission names and Zendesk's
// keys; a Zendesk key that corresponds to a Frontdesk permission sets it,
// one that has no counterpart (chat, voice, macros, views…) is accepted and
// not stored, and any other name is refused. Where Zendesk's value is finer
// than Frontdesk's permission, the narrower reading wins (never a grant the
// client did not ask for). Configurations are returned with both sets of
// keys, ticket_access in Zendesk's spelling.

// zendeskAlias maps a Zendesk key's value onto Frontdesk permissions.
type zendeskAlias struct {
	// values maps each allowed string value to the permissions it sets;
	// nil for a boolean key, which sets perm.
	values map[string]map[string]bool
	perm   string
}

var zendeskAliases = map[string]zendeskAlias{
	"ticket_editing":                 {perm: "edit_ticket_properties"},
	"ticket_deletion":                {perm: "delete_tickets"},
	"ticket_merge":                   {perm: "merge_tickets"},
	"manage_groups":                  {perm: "manage_groups_orgs"},
	"manage_organizations":           {perm: "manage_groups_orgs"},
	"manage_group_memberships":       {perm: "manage_groups_orgs"},
	"manage_extensions_and_channels": {perm: "manage_channels"},
	"ticket_comment_access": {values: map[string]map[string]bool{
		"public": {"public_comments": true}, "none": {"public_comments": false}, "private": {"public_comments": false},
	}},
	"report_access": {values: map[string]map[string]bool{
		"none": {"view_reports": false}, "readonly": {"view_reports": true}, "full": {"view_reports": true},
	}},
	"forum_access": {values: map[string]map[string]bool{
		"readonly": {"manage_help_center": false}, "edit-topics": {"manage_help_center": false}, "full": {"manage_help_center": true},
	}},
	// edit-within-org is narrower than Frontdesk's edit_end_users: read only.
	"end_user_profile_access": {values: map[string]map[string]bool{
		"none":            {"view_end_users": false, "edit_end_users": false},
		"readonly":        {"view_end_users": true, "edit_end_users": false},
		"edit-within-org": {"view_end_users": true, "edit_end_users": false},
		"edit":            {"view_end_users": true, "edit_end_users": true},
		"full":            {"view_end_users": true, "edit_end_users": true},
	}},
}

// zendeskIgnored are Zendesk's documented keys with no Frontdesk
// counterpart: accepted so Zendesk's own request bodies work, not stored.
var zendeskIgnored = map[string]bool{
	"assign_tickets_to_any_group": true, "chat_access": true, "custom_objects": true, "end_user_list_access": true,
	"explore_access": true, "forum_access_restricted_content": true, "group_access": true, "light_agent": true,
	"macro_access": true, "manage_automations": true, "manage_contextual_workspaces": true, "manage_dynamic_content": true,
	"manage_facebook": true, "manage_organization_fields": true, "manage_roles": true, "manage_skills": true,
	"manage_slas": true, "manage_suspended_tickets": true, "manage_team_members": true, "manage_ticket_forms": true,
	"manage_triggers": true, "manage_user_fields": true, "moderate_forums": true, "organization_editing": true,
	"organization_notes_editing": true, "side_conversation_create": true, "ticket_redaction": true,
	"ticket_tag_editing": true, "twitter_search_access": true, "user_view_access": true, "view_access": true,
	"view_deleted_tickets": true, "voice_access": true, "voice_dashboard_access": true,
}

// zendeskTicketAccess is Zendesk's spelling of each ticket_access scope.
// Zendesk's within-groups-and-public-groups is read as within-groups.
var zendeskTicketAccess = map[string]string{
	desk.TicketAccessAll:      "all",
	desk.TicketAccessGroups:   "within-groups",
	desk.TicketAccessAssigned: "assigned-only",
}

// decodeZendeskKey returns the permissions Zendesk key k with value raw
// sets, or a reason when the value is not one Zendesk allows.
func decodeZendeskKey(k string, raw json.RawMessage) (map[string]bool, string) {
	a := zendeskAliases[k]
	if a.values == nil {
		var b bool
		if json.Unmarshal(raw, &b) != nil {
			return nil, fmt.Sprintf("%s must be true or false", k)
		}
		return map[string]bool{a.perm: b}, ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		if m, ok := a.values[strings.ToLower(strings.TrimSpace(s))]; ok {
			return m, ""
		}
	}
	allowed := make([]string, 0, len(a.values))
	for v := range a.values {
		allowed = append(allowed, v)
	}
	sort.Strings(allowed)
	return nil, fmt.Sprintf("%s must be one of %s", k, strings.Join(allowed, ", "))
}

// ZendeskConfiguration is a role's configuration as the API returns it:
// Frontdesk's permissions, ticket_access in Zendesk's spelling, and the
// Zendesk keys that correspond to them.
func ZendeskConfiguration(p desk.Permissions) map[string]any {
	var m map[string]any
	_ = json.Unmarshal([]byte(p.String()), &m)
	if v, ok := zendeskTicketAccess[p.TicketAccess]; ok {
		m["ticket_access"] = v
	}
	for k, a := range zendeskAliases {
		if a.values == nil {
			m[k] = m[a.perm]
		}
	}
	m["ticket_comment_access"] = map[bool]string{true: "public", false: "none"}[p.PublicComments]
	m["report_access"] = map[bool]string{true: "full", false: "none"}[p.ViewReports]
	m["forum_access"] = map[bool]string{true: "full", false: "readonly"}[p.ManageHelpCenter]
	switch {
	case p.EditEndUsers && p.ViewEndUsers:
		m["end_user_profile_access"] = "edit"
	case p.ViewEndUsers:
		m["end_user_profile_access"] = "readonly"
	default:
		m["end_user_profile_access"] = "none"
	}
	return m
}
