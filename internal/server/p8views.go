package server

import (
	"github.com/frontdesk/frontdesk/internal/macros"
	"github.com/frontdesk/frontdesk/internal/rules"
	"github.com/frontdesk/frontdesk/internal/views"
)

// openViewsMacros builds views and macros on the rules registry (made here
// when no other wiring made it first: there is one registry per process,
// which every business-rule package extends).
func (a *App) openViewsMacros() {
	if a.Rules == nil {
		a.Rules = rules.NewRegistry()
	}
	a.Views = views.New(a.DB, a.Tickets, a.Rules, a.Events)
	a.Macros = &macros.Service{DB: a.DB, Tickets: a.Tickets, Rules: a.Rules, BaseURL: a.Config.PublicURL}
}
