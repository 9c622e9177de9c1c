package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/chat"
)

// TestChatAdminPreChatForm: the admin chat page sets a key's pre-chat
// form (name and question required/optional/hidden, the teams offered),
// shows it back selected, refuses a bad setting or a forged group with a
// 422 that changes nothing.
func TestChatAdminPreChatForm(t *testing.T) {
	e := newEnv(t, "")
	sales := e.mustGroup("Sales")
	ad := e.client()
	ad.signIn("/agent/signin", e.admin.Email)
	r := ad.get("/agent/admin/chat")
	for _, want := range []string{`id="nk-fname"`, `id="nk-fquestion"`, fmt.Sprintf(`id="nk-fg-%d"`, sales.ID), "Pre-chat form"} {
		if !strings.Contains(r.Body, want) {
			t.Fatalf("the new-key form lacks %s", want)
		}
	}
	r = ad.post("/agent/admin/chat", url.Values{"name": {"Shop"}, "origins": {"https://shop.example.com"}, "enabled": {"1"},
		"form_name": {"hidden"}, "form_question": {"optional"}, "form_groups_sent": {"1"}, "form_groups": {id(sales.ID), id(e.group.ID)}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	keys, err := e.app.Chat.Keys(e.sys)
	if err != nil || len(keys) != 1 {
		t.Fatalf("keys: %v %v", keys, err)
	}
	k := keys[0]
	if k.Form.Name != chat.FieldHidden || k.Form.Question != chat.FieldOptional || !slices.Equal(k.Form.Groups, []int64{sales.ID, e.group.ID}) {
		t.Fatalf("form saved as %+v", k.Form)
	}
	r = ad.get("/agent/admin/chat")
	for _, want := range []string{
		`<option value="hidden" selected>`, `<option value="optional" selected>`,
		fmt.Sprintf(`id="ck-%d-fg-%d" name="form_groups" value="%d" checked`, k.ID, sales.ID, sales.ID),
	} {
		if !strings.Contains(r.Body, want) {
			t.Fatalf("the key's form lacks %s", want)
		}
	}
	path := fmt.Sprintf("/agent/admin/chat/%d", k.ID)
	base := url.Values{"name": {"Shop"}, "origins": {"https://shop.example.com"}, "enabled": {"1"}, "form_groups_sent": {"1"}}
	for _, bad := range []url.Values{
		{"form_name": {"sometimes"}},
		{"form_question": {"<script>"}},
		{"form_groups": {"999999"}},
		{"form_groups": {"x"}},
	} {
		v := url.Values{}
		for kk, vv := range base {
			v[kk] = vv
		}
		for kk, vv := range bad {
			v[kk] = vv
		}
		if r := ad.post(path, v); r.Status != http.StatusUnprocessableEntity || strings.Contains(r.Body, "<script>") {
			t.Errorf("bad form %v: %d", bad, r.Status)
		}
	}
	// No team ticked: the choice is off.
	v := url.Values{"name": {"Shop"}, "origins": {"https://shop.example.com"}, "enabled": {"1"}, "form_name": {"required"}, "form_question": {"required"}, "form_groups_sent": {"1"}}
	if r := ad.post(path, v); r.Status != http.StatusSeeOther {
		t.Fatalf("update: %d", r.Status)
	}
	if k, _ = e.app.Chat.Key(e.sys, k.ID); k.Form.Name != chat.FieldRequired || len(k.Form.Groups) != 0 {
		t.Fatalf("updated form: %+v", k.Form)
	}
}
