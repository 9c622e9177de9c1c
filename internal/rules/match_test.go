package rules

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
)

func ptr[T any](v T) *T { return &v }

func baseTicket() *desk.Ticket {
	return &desk.Ticket{ID: 7, Subject: "Printer on fire", Status: desk.StatusOpen, Priority: ptr("normal"), Type: ptr("incident"),
		RequesterID: 10, AssigneeID: ptr(int64(20)), GroupID: ptr(int64(3)), OrganizationID: ptr(int64(4)),
		Tags: []string{"vip", "printer"}, CustomFields: []desk.CustomFieldValue{{ID: 55, Value: "blue"}, {ID: 56, Value: true}},
		Via: desk.NewVia("email"), CreatedAt: desk.Time{Time: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)},
		UpdatedAt: desk.Time{Time: time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)}}
}

// subject builds an update: before → after (after := before with mod).
func subject(mod func(t *desk.Ticket), comment *desk.Comment, actor *desk.Principal) *Subject {
	before := baseTicket()
	after := baseTicket()
	if mod != nil {
		mod(after)
	}
	if actor == nil {
		actor = &desk.Principal{UserID: 20, Role: desk.RoleAgent}
	}
	return &Subject{Change: &desk.TicketChange{Kind: desk.ChangeUpdate, Before: before, After: after, Comment: comment, Via: "web"},
		Actor: actor, Now: time.Date(2026, 1, 1, 12, 30, 0, 0, time.UTC), RequesterLocale: func() string { return "pl-PL" }}
}

func TestEveryOperatorMatches(t *testing.T) {
	r := NewRegistry()
	solve := func(t *desk.Ticket) { t.Status = desk.StatusSolved }
	reassign := func(t *desk.Ticket) { t.AssigneeID = ptr(int64(21)) }
	unassign := func(t *desk.Ticket) { t.AssigneeID = nil }
	urgent := func(t *desk.Ticket) { t.Priority = ptr("urgent") }
	blueToRed := func(t *desk.Ticket) { t.CustomFields[0].Value = "red" }
	pub := &desk.Comment{Body: "Hello, the PRINTER is burning!", Public: true}
	note := &desk.Comment{Body: "internal note", Public: false}
	endUser := &desk.Principal{UserID: 10, Role: desk.RoleEndUser}
	cases := []struct {
		name    string
		field   string
		op      string
		value   any
		mod     func(*desk.Ticket)
		comment *desk.Comment
		actor   *desk.Principal
		want    bool
	}{
		{"status is", "status", OpIs, "open", nil, nil, nil, true},
		{"status is other", "status", OpIs, "pending", nil, nil, nil, false},
		{"status is_not", "status", OpIsNot, "pending", nil, nil, nil, true},
		{"status less_than", "status", OpLessThan, "solved", nil, nil, nil, true},
		{"status less_than false", "status", OpLessThan, "new", nil, nil, nil, false},
		{"status greater_than", "status", OpGreaterThan, "new", nil, nil, nil, true},
		{"status greater_than false", "status", OpGreaterThan, "solved", nil, nil, nil, false},
		{"status changed", "status", OpChanged, nil, solve, nil, nil, true},
		{"status changed no", "status", OpChanged, nil, nil, nil, nil, false},
		{"status not_changed", "status", OpNotChanged, nil, nil, nil, nil, true},
		{"status not_changed no", "status", OpNotChanged, nil, solve, nil, nil, false},
		{"status changed to", "status", OpValue, "solved", solve, nil, nil, true},
		{"status changed to other", "status", OpValue, "pending", solve, nil, nil, false},
		{"status changed from", "status", OpValuePrevious, "open", solve, nil, nil, true},
		{"status changed from other", "status", OpValuePrevious, "new", solve, nil, nil, false},
		{"status not changed to", "status", OpNotValue, "pending", solve, nil, nil, true},
		{"status not changed from", "status", OpNotValuePrev, "open", solve, nil, nil, false},
		{"priority less_than", "priority", OpLessThan, "high", nil, nil, nil, true},
		{"priority greater_than after change", "priority", OpGreaterThan, "high", urgent, nil, nil, true},
		{"priority present", "priority", OpPresent, nil, nil, nil, nil, true},
		{"priority not_present", "priority", OpNotPresent, nil, nil, nil, nil, false},
		{"type is", "type", OpIs, "incident", nil, nil, nil, true},
		{"group is", "group_id", OpIs, int64(3), nil, nil, nil, true},
		{"group is string", "group_id", OpIs, "3", nil, nil, nil, true},
		{"assignee is current_user", "assignee_id", OpIs, "current_user", nil, nil, nil, true},
		{"assignee changed", "assignee_id", OpChanged, nil, reassign, nil, nil, true},
		{"assignee changed from", "assignee_id", OpValuePrevious, int64(20), reassign, nil, nil, true},
		{"assignee is none", "assignee_id", OpIs, "", unassign, nil, nil, true},
		{"assignee not_present", "assignee_id", OpNotPresent, nil, unassign, nil, nil, true},
		{"requester is", "requester_id", OpIs, int64(10), nil, nil, nil, true},
		{"organization is_not", "organization_id", OpIsNot, int64(4), nil, nil, nil, false},
		{"tags includes", "current_tags", OpIncludes, "foo vip", nil, nil, nil, true},
		{"tags includes none", "current_tags", OpIncludes, "foo bar", nil, nil, nil, false},
		{"tags not_includes", "current_tags", OpNotIncludes, "foo bar", nil, nil, nil, true},
		{"tags not_includes hit", "current_tags", OpNotIncludes, "printer", nil, nil, nil, false},
		{"custom is", "custom_fields_55", OpIs, "blue", nil, nil, nil, true},
		{"custom bool is", "custom_fields_56", OpIs, true, nil, nil, nil, true},
		{"custom changed to", "custom_fields_55", OpValue, "red", blueToRed, nil, nil, true},
		{"custom present", "custom_fields_57", OpPresent, nil, nil, nil, nil, false},
		{"custom not_present", "custom_fields_57", OpNotPresent, nil, nil, nil, nil, true},
		{"comment public", "comment_is_public", OpIs, "true", nil, pub, nil, true},
		{"comment public on note", "comment_is_public", OpIs, "true", nil, note, nil, false},
		{"comment private", "comment_is_public", OpIs, "false", nil, note, nil, true},
		{"comment not relevant", "comment_is_public", OpIs, "not_relevant", nil, nil, nil, true},
		{"comment includes word", "comment_includes_word", OpIncludes, "fire printer", nil, pub, nil, true},
		{"comment includes no word", "comment_includes_word", OpIncludes, "fire smoke", nil, pub, nil, false},
		{"comment not_includes", "comment_includes_word", OpNotIncludes, "smoke", nil, pub, nil, true},
		{"comment is string", "comment_includes_word", OpIs, "printer is burning", nil, pub, nil, true},
		{"comment is_not string", "comment_includes_word", OpIsNot, "printer is burning", nil, pub, nil, false},
		{"subject includes", "subject_includes_word", OpIncludes, "fire", nil, nil, nil, true},
		{"via is web", "via_id", OpIs, "web", nil, nil, nil, true},
		{"via is numeric email", "via_id", OpIs, int64(4), nil, nil, nil, false},
		{"via is_not", "via_id", OpIsNot, "api", nil, nil, nil, true},
		{"update type change", "update_type", OpIs, "Change", nil, nil, nil, true},
		{"update type create", "update_type", OpIs, "Create", nil, nil, nil, false},
		{"role agent", "role", OpIs, "agent", nil, nil, nil, true},
		{"role end user", "role", OpIs, "end_user", nil, nil, endUser, true},
		{"role is_not end user", "role", OpIsNot, "end_user", nil, nil, endUser, false},
		{"locale pl", "locale_id", OpIs, "pl", nil, nil, nil, true},
		{"locale en", "locale_id", OpIs, "en", nil, nil, nil, false},
		{"locale is_not en", "locale_id", OpIsNot, "en", nil, nil, nil, true},
		{"hours since created >", "hours_since_created", OpGreaterThan, int64(12), nil, nil, nil, true},
		{"hours since created <", "hours_since_created", OpLessThan, int64(12), nil, nil, nil, false},
		{"hours since created is", "hours_since_created", OpIs, int64(12), nil, nil, nil, true},
		{"hours since update >", "hours_since_update", OpGreaterThan, int64(3), nil, nil, nil, false},
		{"hours since update is", "hours_since_update", OpIs, int64(2), nil, nil, nil, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := subject(c.mod, c.comment, c.actor)
			cond := Conditions{All: []Condition{{Field: c.field, Operator: c.op, Value: c.value}}}
			if err := r.Validate(context.Background(), KindTrigger, cond, []Action{{Field: "status", Value: "open"}}); err != nil {
				t.Fatalf("valid trigger condition refused: %v", err)
			}
			if got := r.Match(s, cond); got != c.want {
				t.Errorf("%s %s %v = %v, want %v", c.field, c.op, c.value, got, c.want)
			}
		})
	}
}

func TestAllAndAny(t *testing.T) {
	r := NewRegistry()
	s := subject(nil, nil, nil)
	yes := Condition{Field: "status", Operator: OpIs, Value: "open"}
	no := Condition{Field: "status", Operator: OpIs, Value: "closed"}
	for _, c := range []struct {
		c    Conditions
		want bool
	}{
		{Conditions{}, true},
		{Conditions{All: []Condition{yes, yes}}, true},
		{Conditions{All: []Condition{yes, no}}, false},
		{Conditions{Any: []Condition{no, yes}}, true},
		{Conditions{Any: []Condition{no, no}}, false},
		{Conditions{All: []Condition{yes}, Any: []Condition{no}}, false},
		{Conditions{All: []Condition{yes}, Any: []Condition{no, yes}}, true},
		{Conditions{All: []Condition{{Field: "nonsense", Operator: OpIs, Value: "x"}}}, false},
	} {
		if got := r.Match(s, c.c); got != c.want {
			b, _ := json.Marshal(c.c)
			t.Errorf("%s = %v, want %v", b, got, c.want)
		}
	}
}
