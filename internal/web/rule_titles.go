package web

import "github.com/frontdesk/frontdesk/internal/rules"

// Rule builder titles in the page's language come from the one catalogue
// the API's definitions use too (rules.LocalizeDefinitions: the locale
// catalogue's "rules.cond.<field>", "rules.act.<field>" and
// "rules.op_<op>"); TestRuleFieldTitlesInCatalogues keeps the shipped
// fields covered.

// localDefs returns copies of definitions with field and operator titles
// localized (prefix: rules.CondTitlePrefix or rules.ActionTitlePrefix).
func localDefs(rc *reqCtx, prefix string, defs []rules.Definition) []rules.Definition {
	return rules.LocalizeDefinitions(defs, prefix, rc.T)
}
