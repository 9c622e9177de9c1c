// Package sla owns business-hours schedules, SLA policies and the SLA
// timers of tickets (tables business_schedules, business_holidays,
// sla_policies, ticket_slas, sla_metric_events).
//
// A ticket's policy is chosen on every ticket change, inside that change's
// transaction, by a ticket hook (Service.Hook): the first policy by
// position whose filter matches the ticket. Its targets for the ticket's
// priority become timers, one per metric, which start, pause, resume and
// are achieved as the ticket's status and comments change (see timers.go).
// A recurring job (Service.CheckBreaches) records the timers that passed
// their breach time and those about to, and publishes events for triggers
// and notifications. The ticket row is never written here.
package sla

import (
	"context"
	"fmt"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/events"
	"github.com/frontdesk/frontdesk/internal/rules"
	"github.com/frontdesk/frontdesk/internal/store"
)

// Service implements business hours and SLAs. It is safe for concurrent use.
type Service struct {
	DB     *store.DB
	Events *events.Bus
	// Rules is the rules engine: policy filters are its conditions.
	Rules *rules.Registry
	// OnEvent, when set, is called inside the transaction of every SLA
	// event (approaching breach, breached) so rules and notifications can
	// enqueue their work with it.
	OnEvent func(ctx context.Context, tx *store.Tx, e Event) error

	// The decoded policies the hook chooses from, for the configuration
	// epoch they were read at (see cachedPolicies). Read-only once cached.
	policies store.Cached[[]*Policy]
}

// New returns a Service over db whose policy filters use the engine's
// registry reg.
func New(db *store.DB, bus *events.Bus, reg *rules.Registry) *Service {
	return &Service{DB: db, Events: bus, Rules: reg}
}

// wrapf adds context to an error leaving the service; a *desk.Error is
// returned as it is.
func wrapf(err error, format string, args ...any) error {
	if _, ok := err.(*desk.Error); ok || err == nil {
		return err
	}
	return fmt.Errorf(format+": %w", append(args, err)...)
}
