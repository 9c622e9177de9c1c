package web

import "github.com/frontdesk/frontdesk/internal/rules"

// Rule builder titles in the page's language. The rules registry carries
// English titles (what /api/v2/*/definitions answer, as Zendesk's English
// definitions do); the builders show the catalogue's title of each field
// ("rules.cond.<field>", "rules.act.<field>") and operator
// ("rules.op_<op>"). A field some package registers without catalogue
// keys falls back to its English title (TestRuleFieldTitlesInCatalogues
// keeps the shipped fields covered).

func ruleTitle(rc *reqCtx, key, english string) string {
	if out := rc.T(key); out != "⟦"+key+"⟧" {
		return out
	}
	return english
}

// localDefs returns copies of definitions with field and operator titles
// localized (prefix: "rules.cond." or "rules.act.").
func localDefs(rc *reqCtx, prefix string, defs []rules.Definition) []rules.Definition {
	out := make([]rules.Definition, len(defs))
	for i, d := range defs {
		d.Title = ruleTitle(rc, prefix+d.Subject, d.Title)
		ops := make([]rules.DefOp, len(d.Operators))
		for j, o := range d.Operators {
			o.Title = ruleTitle(rc, "rules.op_"+o.Value, o.Title)
			ops[j] = o
		}
		d.Operators = ops
		out[i] = d
	}
	return out
}
