package chat

import (
	"sync"

	"github.com/frontdesk/frontdesk/internal/events"
)

// Hub hands chat signals from the event bus (this instance's and, through
// the relay, every other instance's) to the connections of this instance:
// a visitor's connection listens to its conversation, an agent's console
// to every conversation (it forwards only what the agent may see). The bus
// calls subscribers synchronously, so a listener's buffer that is full
// drops the signal and marks the listener Lagged: the connection re-reads
// everything it shows instead.
type Hub struct {
	unsubscribe func()

	mu     sync.Mutex
	convs  map[int64]map[*Listener]struct{}
	agents map[*Listener]struct{}
}

// Listener receives signals on C (or, made by SubscribeConversation,
// through its function).
type Listener struct {
	C      chan Signal
	conv   int64
	fn     func(Signal)
	mu     sync.Mutex
	lagged bool
}

// Lagged reports (and clears) whether signals were dropped.
func (l *Listener) Lagged() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	v := l.lagged
	l.lagged = false
	return v
}

func (l *Listener) send(sg Signal) {
	if l.fn != nil {
		l.fn(sg)
		return
	}
	select {
	case l.C <- sg:
	default:
		l.mu.Lock()
		l.lagged = true
		l.mu.Unlock()
	}
}

// NewHub subscribes a hub to bus.
func NewHub(bus *events.Bus) *Hub {
	h := &Hub{convs: map[int64]map[*Listener]struct{}{}, agents: map[*Listener]struct{}{}}
	if bus != nil {
		h.unsubscribe = bus.Subscribe(h.deliver)
	}
	return h
}

// Close unsubscribes the hub.
func (h *Hub) Close() {
	if h.unsubscribe != nil {
		h.unsubscribe()
	}
}

func (h *Hub) deliver(e events.Event) {
	sg, ok := signalOf(e)
	if !ok {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for l := range h.convs[sg.ConvID] {
		l.send(sg)
	}
	for l := range h.agents {
		l.send(sg)
	}
}

const listenerBuffer = 64

// ListenConversation returns a listener for conversation id's signals and
// the function that removes it.
func (h *Hub) ListenConversation(id int64) (*Listener, func()) {
	return h.listen(&Listener{C: make(chan Signal, listenerBuffer), conv: id})
}

// SubscribeConversation calls f with each of conversation id's signals
// until the returned function is called. f runs on the publisher's
// goroutine with the hub locked, so it must only take note (queue the
// signal, start a writer) and never block or call the hub. It is for
// connections that hold no goroutine or buffer while nothing happens: an
// idle widget socket costs its reader and nothing else.
func (h *Hub) SubscribeConversation(id int64, f func(Signal)) (stop func()) {
	_, stop = h.listen(&Listener{conv: id, fn: f})
	return stop
}

func (h *Hub) listen(l *Listener) (*Listener, func()) {
	id := l.conv
	h.mu.Lock()
	if h.convs[id] == nil {
		h.convs[id] = map[*Listener]struct{}{}
	}
	h.convs[id][l] = struct{}{}
	h.mu.Unlock()
	return l, func() {
		h.mu.Lock()
		delete(h.convs[id], l)
		if len(h.convs[id]) == 0 {
			delete(h.convs, id)
		}
		h.mu.Unlock()
	}
}

// ListenAgents returns a listener for every conversation's signals.
func (h *Hub) ListenAgents() (*Listener, func()) {
	l := &Listener{C: make(chan Signal, 4*listenerBuffer)}
	h.mu.Lock()
	h.agents[l] = struct{}{}
	h.mu.Unlock()
	return l, func() {
		h.mu.Lock()
		delete(h.agents, l)
		h.mu.Unlock()
	}
}

// Counts reports the listeners (for the load tool and tests).
func (h *Hub) Counts() (visitors, agents int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, m := range h.convs {
		visitors += len(m)
	}
	return visitors, len(h.agents)
}
