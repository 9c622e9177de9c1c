package chatweb_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/frontdesk/frontdesk/internal/chat"
	"github.com/frontdesk/frontdesk/internal/events"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// TestConfigFormAndStartEnforced: /chat/config carries the key's pre-chat
// form with its groups and their availability; /chat/start holds the form
// whatever the widget sends (a group not offered, a blank required field
// are 422; a hidden name is ignored).
func TestConfigFormAndStartEnforced(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		in := newInstance(t, db, events.New())
		in.makeKey(t)
		var groups []int64
		for _, n := range []string{"Support", "Sales", "Secret"} {
			g, err := in.ppl.CreateGroup(in.sys, people.GroupInput{Name: &n})
			if err != nil {
				t.Fatal(err)
			}
			groups = append(groups, g.ID)
		}
		p := in.agent(t, "sales@desk.test")
		if _, err := in.ppl.AddMembership(in.sys, p.UserID, groups[1], true); err != nil {
			t.Fatal(err)
		}
		keys, _ := in.svc.Keys(in.sys)
		hidden, optional, offered := chat.FieldHidden, chat.FieldOptional, groups[:2]
		if _, err := in.svc.UpdateKey(in.sys, keys[0].ID, chat.KeyInput{Form: &chat.FormInput{Name: &hidden, Question: &optional, Groups: &offered}}); err != nil {
			t.Fatal(err)
		}
		res, cfg := in.post(t, "config", in.keyK, origin, "", "{}")
		if res.StatusCode != http.StatusOK {
			t.Fatalf("config: %d %v", res.StatusCode, cfg)
		}
		form, _ := cfg["form"].(map[string]any)
		gs, _ := form["groups"].([]any)
		if cfg["online"] != true || form["name"] != "hidden" || form["question"] != "optional" || form["email"] != "required" || len(gs) != 2 {
			t.Fatalf("config: %v", cfg)
		}
		if g0, g1 := gs[0].(map[string]any), gs[1].(map[string]any); g0["name"] != "Support" || g0["online"] != false || g1["name"] != "Sales" || g1["online"] != true {
			t.Fatalf("config groups: %v", gs)
		}
		for _, body := range []string{
			`{"email":"v@example.com"}`,
			fmt.Sprintf(`{"email":"v@example.com","group_id":%d}`, groups[2]),
			`{"email":"v@example.com","group_id":"1"}`,
			fmt.Sprintf(`{"group_id":%d}`, groups[1]),
			`{"email":"v@example.com","group_id":`,
		} {
			res, out := in.post(t, "start", in.keyK, origin, "", body)
			if res.StatusCode != http.StatusUnprocessableEntity {
				t.Errorf("start %s: %d %v", body, res.StatusCode, out)
			}
		}
		res, out := in.post(t, "start", in.keyK, origin, "", fmt.Sprintf(`{"name":"Forged","email":"v@example.com","group_id":%d}`, groups[1]))
		if res.StatusCode != http.StatusOK {
			t.Fatalf("start: %d %v", res.StatusCode, out)
		}
		c := out["conversation"].(map[string]any)
		if c["visitor_name"] != "v@example.com" || int64(c["group_id"].(float64)) != groups[1] {
			t.Fatalf("conversation: %v", c)
		}
	})
}
