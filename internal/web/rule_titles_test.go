package web_test

import (
	"encoding/json"
	"html"
	"os"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/rules"
)

var ruleKinds = []rules.Kind{rules.KindTrigger, rules.KindAutomation, rules.KindView, rules.KindMacro, rules.KindSLAPolicy}

// Every field and operator the wired registry defines has a title in each
// language of the locale catalogue (shared by the builders and the API).
func TestRuleFieldTitlesInCatalogues(t *testing.T) {
	e := newEnv(t, "")
	for _, lang := range []string{"en", "pl"} {
		b, err := os.ReadFile("../locale/catalog/" + lang + ".json")
		if err != nil {
			t.Fatal(err)
		}
		cat := map[string]any{}
		if err := json.Unmarshal(b, &cat); err != nil {
			t.Fatal(err)
		}
		for _, k := range ruleKinds {
			conds, acts := e.app.RuleRegistry.Definitions(k)
			for _, d := range conds {
				if cat["rules.cond."+d.Subject] == nil {
					t.Errorf("%s: no rules.cond.%s", lang, d.Subject)
				}
				for _, o := range d.Operators {
					if cat["rules.op_"+o.Value] == nil {
						t.Errorf("%s: no rules.op_%s", lang, o.Value)
					}
				}
			}
			for _, d := range acts {
				if cat["rules.act."+d.Subject] == nil {
					t.Errorf("%s: no rules.act.%s", lang, d.Subject)
				}
			}
		}
	}
}

// The condition and action builders on Polish pages show no English field
// or operator titles (the registry's titles are English).
func TestPolishBuildersHaveNoEnglishTitles(t *testing.T) {
	e := newEnv(t, "")
	b, err := os.ReadFile("../locale/catalog/pl.json")
	if err != nil {
		t.Fatal(err)
	}
	polish := map[string]any{}
	if err := json.Unmarshal(b, &polish); err != nil {
		t.Fatal(err)
	}
	// English titles, leaving out words Polish spells the same ("Status").
	english := map[string]bool{}
	add := func(title, key string) {
		if polish[key] != title {
			english[title] = true
		}
	}
	for _, k := range ruleKinds {
		conds, acts := e.app.RuleRegistry.Definitions(k)
		for _, d := range conds {
			add(d.Title, "rules.cond."+d.Subject)
			for _, o := range d.Operators {
				add(o.Title, "rules.op_"+o.Value)
			}
		}
		for _, d := range acts {
			add(d.Title, "rules.act."+d.Subject)
		}
	}
	ad := e.client()
	ad.signIn("/agent/signin", e.admin.Email)
	for _, page := range []string{"/agent/admin/triggers/new", "/agent/admin/automations/new", "/agent/manage/views/new", "/agent/manage/macros/new", "/agent/admin/slas/new"} {
		en := html.UnescapeString(ad.get(page).Body)
		r := ad.get(page, "Accept-Language", "pl")
		if r.Status != 200 {
			t.Fatalf("%s: %d", page, r.Status)
		}
		pl := html.UnescapeString(r.Body)
		shown := 0
		for title := range english {
			for _, form := range []string{">" + title + "</option>", `label="` + title + `"`} {
				if strings.Contains(en, form) {
					shown++
				}
				if strings.Contains(pl, form) {
					t.Errorf("%s (pl) shows the English title %q", page, title)
				}
			}
		}
		if shown == 0 {
			t.Errorf("%s (en) shows no field titles at all", page)
		}
	}
}
