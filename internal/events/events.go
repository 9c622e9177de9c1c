// Package events fans out domain events after the change that caused them
// has committed. Subscribers (real-time pushes, caches) must be quick and must
// not block: durable side effects are jobs enqueued in the same transaction,
// not event handlers.
//
// Services publish with PublishTx inside their transaction. Local
// subscribers receive the event (with its in-process payload) right after
// commit. When a Relay is set (PostgreSQL with several instances), the event
// also travels to every other instance — queued inside the transaction so it
// is delivered only if the change commits — where it is republished locally
// without the in-process payload.
package events

import (
	"context"
	"sync"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
)

// Event types published by the services.
const (
	TicketCreated  = "ticket.created"
	TicketUpdated  = "ticket.updated"
	TicketDeleted  = "ticket.deleted"
	TicketRestored = "ticket.restored"
	CommentAdded   = "comment.added"
	UserCreated    = "user.created"
	UserUpdated    = "user.updated"
	// People events: the people service publishes one per change of a
	// user, organization, group or group membership.
	UserDeleted            = "user.deleted"
	OrganizationCreated    = "organization.created"
	OrganizationUpdated    = "organization.updated"
	OrganizationDeleted    = "organization.deleted"
	GroupCreated           = "group.created"
	GroupUpdated           = "group.updated"
	GroupDeleted           = "group.deleted"
	GroupMembershipCreated = "group_membership.created"
	GroupMembershipDeleted = "group_membership.deleted"
	// SettingsChanged tells every instance to drop cached settings.
	SettingsChanged = "settings.changed"
	// AccessChanged tells every instance to drop what it cached about API
	// tokens: one was revoked, or a custom role's permissions changed.
	// Changes to users and organizations say so by their own events.
	AccessChanged = "access.changed"
	// Presence and Typing carry the real-time hub's viewer and typing
	// signals between instances; they are not tied to a transaction.
	Presence = "presence"
	Typing   = "typing"
)

// Event says what changed. The ids travel between instances; Change does not
// (it is nil on events received from another instance), so subscribers that
// need more than the ids re-read the record.
type Event struct {
	Type     string `json:"type"`
	TicketID int64  `json:"ticket_id,omitempty"`
	UserID   int64  `json:"user_id,omitempty"` // the record for user events, or the actor
	ActorID  int64  `json:"actor_id,omitempty"`
	// GroupID lets subscribers filter by visibility without a lookup.
	GroupID int64     `json:"group_id,omitempty"`
	At      time.Time `json:"at"`
	// Data is a small, JSON-encodable payload for events that are not about
	// a stored record (presence, typing, which setting changed).
	Data map[string]string `json:"data,omitempty"`
	// Origin names the instance that published the event ("" = this one).
	Origin string `json:"origin,omitempty"`
	// Change is the typed ticket change, for subscribers in the process that
	// made it. It never crosses instances.
	Change *desk.TicketChange `json:"-"`
	// Payload is the event already encoded for the process's connections
	// (a chat message as the widget receives it), made once by the
	// publisher so that a change seen by many connections is encoded once,
	// not once per connection. Subscribers share it and must not modify
	// it. Like Change it never crosses instances: there it is nil and
	// subscribers re-read the record.
	Payload []byte `json:"-"`

	// OrganizationID names the record of organization events.
	OrganizationID int64 `json:"organization_id,omitempty"`
}

// Relay carries events to the other instances sharing the store.
type Relay interface {
	// NotifyTx queues e inside tx; it must reach other instances only if
	// tx commits.
	NotifyTx(ctx context.Context, tx *store.Tx, e Event) error
	// Notify sends e to other instances now (presence, typing).
	Notify(ctx context.Context, e Event) error
}

// Bus is a synchronous publish/subscribe hub for one process, optionally
// joined to other instances through a Relay.
type Bus struct {
	mu    sync.RWMutex
	next  int
	subs  map[int]func(Event)
	relay Relay
}

// New returns an empty bus.
func New() *Bus { return &Bus{subs: map[int]func(Event){}} }

// SetRelay joins the bus to other instances. Call it before serving.
func (b *Bus) SetRelay(r Relay) {
	b.mu.Lock()
	b.relay = r
	b.mu.Unlock()
}

func (b *Bus) getRelay() Relay {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.relay
}

// Subscribe registers f and returns a function that removes it.
func (b *Bus) Subscribe(f func(Event)) (unsubscribe func()) {
	b.mu.Lock()
	id := b.next
	b.next++
	b.subs[id] = f
	b.mu.Unlock()
	return func() {
		b.mu.Lock()
		delete(b.subs, id)
		b.mu.Unlock()
	}
}

// PublishTx delivers e to local subscribers once tx commits and, through the
// relay, to every other instance. It is the call services use. A nil bus
// drops events, which keeps tests and tools that do not care simple.
func (b *Bus) PublishTx(ctx context.Context, tx *store.Tx, e Event) error {
	if b == nil {
		return nil
	}
	if e.At.IsZero() {
		e.At = time.Now()
	}
	if r := b.getRelay(); r != nil {
		if err := r.NotifyTx(ctx, tx, e); err != nil {
			return err
		}
	}
	tx.AfterCommit(func() { b.Publish(e) })
	return nil
}

// Broadcast delivers e locally and to every other instance now. It is for
// signals that belong to no transaction (presence, typing); a relay failure
// is returned after the local delivery.
func (b *Bus) Broadcast(ctx context.Context, e Event) error {
	if b == nil {
		return nil
	}
	if e.At.IsZero() {
		e.At = time.Now()
	}
	b.Publish(e)
	if r := b.getRelay(); r != nil {
		return r.Notify(ctx, e)
	}
	return nil
}

// Publish delivers e to this process's subscribers only. Relays call it for
// events from other instances; services use PublishTx.
func (b *Bus) Publish(e Event) {
	if b == nil {
		return
	}
	if e.At.IsZero() {
		e.At = time.Now()
	}
	b.mu.RLock()
	defer b.mu.RUnlock()
	for _, f := range b.subs {
		f(e)
	}
}
