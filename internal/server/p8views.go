package server

import (
	"github.com/frontdesk/frontdesk/internal/macros"
	"github.com/frontdesk/frontdesk/internal/rules"
	"github.com/frontdesk/frontdesk/internal/views"
)

// openViewsMacros builds views and macros on the process's one rules
// registry (which every business-rule package extends).
func (a *App) openViewsMacros() {
	if a.RuleRegistry == nil {
		a.RuleRegistry = rules.NewRegistry()
	}
	a.Views = views.New(a.DB, a.Tickets, a.RuleRegistry, a.Events)
	a.Macros = &macros.Service{DB: a.DB, Tickets: a.Tickets, Rules: a.RuleRegistry, BaseURL: a.Config.PublicURL}
}
