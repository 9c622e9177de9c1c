package server

import (
	"context"
	"encoding/json"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/sla"
)

// openSLA wires business hours and SLAs (p8-sla): the service over the
// rules registry (policy filters are rule conditions, and the SLA
// conditions join the registry), the ticket hook that runs the timers in
// each change's transaction, and the recurring breach check.
func (a *App) openSLA() {
	a.SLA = sla.New(a.DB, a.Events, a.RuleRegistry)
	a.SLA.RegisterRules(a.RuleRegistry)
	a.Tickets.AddHook("sla", a.SLA.Hook)
	// Breaches and approaching breaches run the triggers that test them.
	a.SLA.OnEvent = sla.TriggerHandler(a.Rules)
	a.Jobs.Handle(sla.JobCheckBreaches, func(ctx context.Context, _ json.RawMessage) error {
		b, w, err := a.SLA.CheckBreaches(desk.SystemContext(ctx), time.Now(), sla.DefaultApproach)
		if err == nil && b+w > 0 {
			a.Logger.Info("recorded SLA breaches", "breached", b, "approaching", w)
		}
		return err
	})
	a.Schedules.Every("sla.check_breaches", sla.CheckInterval, sla.JobCheckBreaches)
}
