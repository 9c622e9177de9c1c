// Package events fans out domain events inside one process after the change
// that caused them has committed. Subscribers (real-time pushes, metrics,
// later triggers) must be quick and must not block: durable side effects are
// jobs enqueued in the same transaction, not event handlers.
package events

import (
	"sync"
	"time"
)

// Event types published by the services.
const (
	TicketCreated = "ticket.created"
	TicketUpdated = "ticket.updated"
	TicketDeleted = "ticket.deleted"
	CommentAdded  = "comment.added"
	UserCreated   = "user.created"
)

// Event says what changed; subscribers re-read the record if they need more.
type Event struct {
	Type     string
	TicketID int64
	UserID   int64 // the record for user events, or the actor
	ActorID  int64
	// GroupID lets subscribers filter by visibility without a lookup.
	GroupID int64
	At      time.Time
}

// Bus is a synchronous, in-process publish/subscribe hub.
type Bus struct {
	mu   sync.RWMutex
	next int
	subs map[int]func(Event)
}

// New returns an empty bus.
func New() *Bus { return &Bus{subs: map[int]func(Event){}} }

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

// Publish delivers e to every subscriber. A nil bus drops events, which keeps
// tests and tools that do not care about events simple.
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
