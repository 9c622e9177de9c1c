package rules_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/rules"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// A trigger or automation naming a user or group that does not exist is
// refused when saved (422 with details), not only when it fires; the
// same rule naming existing ones is saved.
func TestSaveRefusesMissingReferences(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		const missing = "987654"
		cond := rules.Condition{Field: "status", Operator: "is", Value: "open"}
		for _, c := range []struct {
			name   string
			cond   rules.Condition
			action rules.Action
			want   string
			key    string
		}{
			{"group action", cond, rules.Action{Field: "group_id", Value: missing}, "names no group " + missing, "actions"},
			{"assignee action", cond, rules.Action{Field: "assignee_id", Value: missing}, "names no user " + missing, "actions"},
			{"follower action", cond, rules.Action{Field: "follower", Value: missing}, "names no user " + missing, "actions"},
			{"email a user", cond, rules.Action{Field: "notification_user", Value: []any{missing, "Hi", "Body"}}, "names no user " + missing, "actions"},
			{"email a group", cond, rules.Action{Field: "notification_group", Value: []any{missing, "Hi", "Body"}}, "names no group " + missing, "actions"},
			{"group condition", rules.Condition{Field: "group_id", Operator: "is", Value: missing}, rules.Action{Field: "priority", Value: "high"}, "names no group " + missing, "conditions"},
			{"assignee condition", rules.Condition{Field: "assignee_id", Operator: "is_not", Value: missing}, rules.Action{Field: "priority", Value: "high"}, "names no user " + missing, "conditions"},
		} {
			_, err := f.svc.CreateTrigger(as(f.admin), rules.TriggerInput{Title: str(c.name), Conditions: conds(c.cond), Actions: acts(c.action)})
			var de *desk.Error
			if !errors.As(err, &de) || de.Code != desk.EINVALID || len(de.Details[c.key]) != 1 || !strings.Contains(de.Details[c.key][0].Description, c.want) {
				t.Errorf("%s: %v %+v, want %q under %s", c.name, err, de, c.want, c.key)
			}
		}
		// Automations are checked the same way, on create and on update.
		timed := &rules.Conditions{All: []rules.Condition{{Field: "status", Operator: "is", Value: "pending"}, {Field: "hours_since_pending", Operator: "greater_than", Value: "24"}}}
		_, err := f.svc.CreateAutomation(as(f.admin), rules.AutomationInput{Title: str("bad"), Conditions: timed,
			Actions: acts(rules.Action{Field: "status", Value: "solved"}, rules.Action{Field: "group_id", Value: missing})})
		if desk.ErrorCode(err) != desk.EINVALID || !strings.Contains(failureDetails(err), "names no group "+missing) {
			t.Errorf("automation with a missing group: %v", err)
		}
		au, err := f.svc.CreateAutomation(as(f.admin), rules.AutomationInput{Title: str("good"), Conditions: timed,
			Actions: acts(rules.Action{Field: "status", Value: "solved"}, rules.Action{Field: "group_id", Value: itoa(f.support)})})
		if err != nil {
			t.Fatalf("automation with an existing group: %v", err)
		}
		if _, err := f.svc.UpdateAutomation(as(f.admin), au.ID, rules.AutomationInput{
			Actions: acts(rules.Action{Field: "status", Value: "solved"}, rules.Action{Field: "notification_user", Value: []any{missing, "Hi", "Body"}})}); desk.ErrorCode(err) != desk.EINVALID {
			t.Errorf("automation updated to a missing user: %v", err)
		}
		// Existing ones are fine.
		if _, err := f.svc.CreateTrigger(as(f.admin), rules.TriggerInput{Title: str("ok"), Conditions: conds(rules.Condition{Field: "group_id", Operator: "is", Value: itoa(f.support)}),
			Actions: acts(rules.Action{Field: "assignee_id", Value: itoa(f.agent.UserID)}, rules.Action{Field: "notification_group", Value: []any{itoa(f.support), "Hi", "Body"}})}); err != nil {
			t.Fatalf("a trigger naming an existing group and agent: %v", err)
		}
	})
}

func failureDetails(err error) string {
	var de *desk.Error
	if !errors.As(err, &de) {
		return ""
	}
	var b strings.Builder
	for _, list := range de.Details {
		for _, fe := range list {
			b.WriteString(fe.Description + "; ")
		}
	}
	return b.String()
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
