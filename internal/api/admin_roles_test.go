package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"testing"

	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// TestCustomRolesZendeskConfiguration: Zendesk's documented custom-role
// body (testdata/custom_roles) is accepted as is; its keys set the
// Frontdesk permissions they correspond to, the rest are accepted and not
// stored; answers carry ticket_access in Zendesk's spelling and the Zendesk
// keys beside Frontdesk's; Frontdesk's own values keep working (p6-firstrun).
func TestCustomRolesZendeskConfiguration(t *testing.T) {
	fixture, err := os.ReadFile("testdata/custom_roles/create_request.json")
	if err != nil {
		t.Fatal(err)
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		code, body := a.do(t, a.Admin, "POST", "/api/v2/custom_roles.json", json.RawMessage(fixture))
		pStatus(t, "create from Zendesk's body", code, body, http.StatusCreated)
		role := pObj(t, body, "custom_role")
		id := pID(t, role)
		want := map[string]any{
			// Zendesk's keys, as sent.
			"ticket_access": "within-groups", "ticket_editing": true, "ticket_deletion": false, "ticket_merge": false,
			"ticket_comment_access": "none", "end_user_profile_access": "readonly", "manage_business_rules": true,
			"manage_extensions_and_channels": true, "report_access": "none", "forum_access": "readonly",
			"manage_ticket_fields": false,
			// The Frontdesk permissions they set.
			"edit_ticket_properties": true, "delete_tickets": false, "merge_tickets": false, "public_comments": false,
			"view_end_users": true, "edit_end_users": false, "manage_channels": true, "view_reports": false,
			"manage_help_center": false, "manage_groups_orgs": false,
		}
		check := func(what string, conf map[string]any, want map[string]any) {
			t.Helper()
			for k, v := range want {
				if conf[k] != v {
					t.Errorf("%s: configuration.%s = %v, want %v", what, k, conf[k], v)
				}
			}
			for _, k := range []string{"chat_access", "voice_access", "macro_access", "view_access"} {
				if _, ok := conf[k]; ok {
					t.Errorf("%s: %s has no Frontdesk counterpart and is returned", what, k)
				}
			}
		}
		check("create", pObj(t, role, "configuration"), want)
		code, body = a.do(t, a.Admin, "GET", fmt.Sprintf("/api/v2/custom_roles/%d.json", id), nil)
		pStatus(t, "show", code, body, http.StatusOK)
		shown := pObj(t, pObj(t, body, "custom_role"), "configuration")
		check("show", shown, want)
		// What a client read, it can send back unchanged.
		code, body = a.do(t, a.Admin, "PUT", fmt.Sprintf("/api/v2/custom_roles/%d.json", id),
			map[string]any{"custom_role": map[string]any{"configuration": shown}})
		pStatus(t, "round trip", code, body, http.StatusOK)
		check("round trip", pObj(t, pObj(t, body, "custom_role"), "configuration"), want)

		for _, tc := range []struct {
			conf map[string]any
			want map[string]any
		}{
			{map[string]any{"ticket_access": "assigned-only"}, map[string]any{"ticket_access": "assigned-only"}},
			{map[string]any{"ticket_access": "all"}, map[string]any{"ticket_access": "all"}},
			// Narrowed to the agent's own groups: never more than asked.
			{map[string]any{"ticket_access": "within-groups-and-public-groups"}, map[string]any{"ticket_access": "within-groups"}},
			// Frontdesk's own spellings still work, and are answered in Zendesk's.
			{map[string]any{"ticket_access": "groups"}, map[string]any{"ticket_access": "within-groups"}},
			{map[string]any{"ticket_access": "assigned"}, map[string]any{"ticket_access": "assigned-only"}},
			{map[string]any{"end_user_profile_access": "edit"}, map[string]any{"view_end_users": true, "edit_end_users": true, "end_user_profile_access": "edit"}},
			{map[string]any{"end_user_profile_access": "edit-within-org"}, map[string]any{"edit_end_users": false, "end_user_profile_access": "readonly"}},
			{map[string]any{"ticket_comment_access": "public", "report_access": "full", "forum_access": "full"},
				map[string]any{"public_comments": true, "view_reports": true, "manage_help_center": true, "report_access": "full"}},
			{map[string]any{"manage_groups": true, "manage_organizations": true}, map[string]any{"manage_groups_orgs": true, "manage_group_memberships": true}},
		} {
			code, body = a.do(t, a.Admin, "PUT", fmt.Sprintf("/api/v2/custom_roles/%d", id),
				map[string]any{"custom_role": map[string]any{"configuration": tc.conf}})
			pStatus(t, fmt.Sprint(tc.conf), code, body, http.StatusOK)
			check(fmt.Sprint(tc.conf), pObj(t, pObj(t, body, "custom_role"), "configuration"), tc.want)
		}
		for name, conf := range map[string]map[string]any{
			"unknown key":            {"root": true},
			"bad ticket_access":      {"ticket_access": "within-reason"},
			"bad enum":               {"report_access": "some"},
			"bool as string":         {"ticket_merge": "yes"},
			"aliases disagree":       {"ticket_editing": true, "edit_ticket_properties": false},
			"group aliases disagree": {"manage_groups": true, "manage_organizations": false},
		} {
			code, body = a.do(t, a.Admin, "PUT", fmt.Sprintf("/api/v2/custom_roles/%d", id),
				map[string]any{"custom_role": map[string]any{"configuration": conf}})
			pInvalid(t, name, code, body, "configuration")
		}
	})
}
