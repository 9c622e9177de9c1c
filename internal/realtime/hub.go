// Package realtime pushes ticket changes and agents' presence to open pages
// over Server-Sent Events.
//
// A Hub subscribes to the in-process events.Bus. Every event is queued (the
// bus calls subscribers synchronously after a commit, so the hub must never
// block it) and a worker fans it out to the connected clients. Before
// anything is sent, the worker asks the ticket service — with the
// subscriber's own principal — whether that subscriber may see the ticket, so
// a stream never tells anyone about a ticket the API would hide from them.
//
// Messages carry identifiers only (ticket id, event type, actor id); pages
// re-read what they display through the ordinary, authorized page handlers.
//
// Presence (who is viewing a ticket, who is typing) is global: each hub
// keeps its own viewers and sends every change with events.Bus.Broadcast,
// which reaches the other instances through the bus's relay (PostgreSQL
// LISTEN/NOTIFY); it re-announces its viewers every AnnounceEvery, and
// keeps other instances' viewers only while those announcements keep
// coming, so the viewers of an instance that died vanish after PresenceTTL.
//
// Ticket events may come from another instance without their in-process
// payload, and their ids are never trusted: every delivery is re-checked
// against the ticket service with the subscriber's principal — deleted
// tickets included, through the deleted-tickets check, so an agent outside
// a private group never hears that one of its tickets was deleted.
package realtime

import (
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/events"
)

// Defaults for presence expiry.
const (
	DefaultPresenceTTL = 30 * time.Second
	DefaultTypingTTL   = 6 * time.Second
	clientBuffer       = 64
	queueSize          = 4096
	checkTimeout       = 5 * time.Second
)

// TicketReader is the part of the ticket service the hub needs: Get and
// GetDeleted with the principal in the context, answering "not found" for
// tickets that principal may not see (live or in the deleted list).
type TicketReader interface {
	Get(ctx context.Context, id int64) (*desk.Ticket, error)
	GetDeleted(ctx context.Context, id int64) (*desk.Ticket, error)
}

// Message is one server-sent event.
type Message struct {
	Event string // SSE event name: "ticket" or "presence"
	Data  []byte // JSON
}

// TicketChange is the data of a "ticket" message.
type TicketChange struct {
	Type     string `json:"type"`
	TicketID int64  `json:"ticket_id"`
	ActorID  int64  `json:"actor_id"`
}

// Viewer is one agent on a ticket page.
type Viewer struct {
	UserID int64  `json:"id"`
	Name   string `json:"name"`
	Typing bool   `json:"typing"`
}

// Presence is the data of a "presence" message.
type Presence struct {
	TicketID int64    `json:"ticket_id"`
	Viewers  []Viewer `json:"viewers"`
}

type viewerState struct {
	name      string
	seen      time.Time
	typingTil time.Time
	streams   int // open streams of this user on this ticket (local viewers)
	// toldTyping is when typing was last announced to other instances.
	toldTyping time.Time
}

// viewerKey names a viewer on one instance: origin "" is this one, else the
// relay's id of the instance that announced the viewer.
type viewerKey struct {
	origin string
	user   int64
}

// Hub fans events out to SSE clients. Create it with New; it is safe for
// concurrent use.
type Hub struct {
	tickets     TicketReader
	bus         *events.Bus
	log         *slog.Logger
	now         func() time.Time
	presenceTTL time.Duration
	typingTTL   time.Duration
	announce    time.Duration

	unsubscribe func()
	queue       chan events.Event
	done        chan struct{}
	closeOnce   sync.Once
	wg          sync.WaitGroup

	mu       sync.Mutex
	clients  map[*Client]struct{}
	presence map[int64]map[viewerKey]*viewerState // ticket → viewer → state
}

// Options tune a hub; the zero value is fine.
type Options struct {
	Logger      *slog.Logger
	Now         func() time.Time
	PresenceTTL time.Duration
	TypingTTL   time.Duration
	// SweepEvery is how often expired presence is removed (default 2s).
	SweepEvery time.Duration
	// AnnounceEvery is how often this hub re-announces its viewers to the
	// other instances (default PresenceTTL/3).
	AnnounceEvery time.Duration
}

// New starts a hub subscribed to bus. Call Close to stop it.
func New(bus *events.Bus, tickets TicketReader, o Options) *Hub {
	h := &Hub{
		tickets: tickets, bus: bus, log: o.Logger, now: o.Now,
		presenceTTL: o.PresenceTTL, typingTTL: o.TypingTTL,
		queue:    make(chan events.Event, queueSize),
		done:     make(chan struct{}),
		clients:  map[*Client]struct{}{},
		presence: map[int64]map[viewerKey]*viewerState{},
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.now == nil {
		h.now = time.Now
	}
	if h.presenceTTL <= 0 {
		h.presenceTTL = DefaultPresenceTTL
	}
	if h.typingTTL <= 0 {
		h.typingTTL = DefaultTypingTTL
	}
	h.announce = o.AnnounceEvery
	if h.announce <= 0 {
		h.announce = h.presenceTTL / 3
	}
	sweep := o.SweepEvery
	if sweep <= 0 {
		sweep = 2 * time.Second
	}
	if bus != nil {
		h.unsubscribe = bus.Subscribe(h.enqueue)
	}
	h.wg.Add(2)
	go h.work()
	go h.sweeper(sweep)
	return h
}

// Close unsubscribes from the bus and ends every stream.
func (h *Hub) Close() {
	h.closeOnce.Do(func() {
		if h.unsubscribe != nil {
			h.unsubscribe()
		}
		close(h.done)
		h.wg.Wait()
	})
}

// Done is closed when the hub is closed.
func (h *Hub) Done() <-chan struct{} { return h.done }

// enqueue is the bus subscriber: it never blocks the publisher.
func (h *Hub) enqueue(e events.Event) {
	switch e.Type {
	case events.TicketCreated, events.TicketUpdated, events.TicketDeleted, events.TicketRestored, events.CommentAdded:
	case events.Presence, events.Typing:
		if e.Origin == "" || e.TicketID == 0 || e.UserID == 0 {
			return // our own announcement (already applied), or malformed
		}
	default:
		return
	}
	select {
	case h.queue <- e:
	default:
		h.log.Warn("realtime: event queue full; dropping event", "type", e.Type, "ticket_id", e.TicketID)
	}
}

func (h *Hub) work() {
	defer h.wg.Done()
	for {
		select {
		case <-h.done:
			return
		case e := <-h.queue:
			if e.Type == events.Presence || e.Type == events.Typing {
				h.applyRemote(e)
				continue
			}
			h.dispatch(e)
		}
	}
}

// dispatch sends e to every interested client that may see the ticket.
func (h *Hub) dispatch(e events.Event) {
	h.mu.Lock()
	var targets []*Client
	for c := range h.clients {
		if c.TicketID == 0 || c.TicketID == e.TicketID {
			targets = append(targets, c)
		}
	}
	h.mu.Unlock()
	if len(targets) == 0 {
		return
	}
	data, _ := json.Marshal(TicketChange{Type: e.Type, TicketID: e.TicketID, ActorID: e.ActorID})
	msg := Message{Event: "ticket", Data: data}
	// One visibility check per distinct principal.
	visible := map[principalKey]bool{}
	for _, c := range targets {
		k := keyOf(c.Principal)
		ok, checked := visible[k]
		if !checked {
			ok = h.maysee(c.Principal, e.TicketID, e.Type == events.TicketDeleted)
			visible[k] = ok
		}
		if ok {
			c.send(msg)
		}
	}
}

type principalKey struct {
	user   int64
	role   desk.Role
	org    int64
	system bool
}

func keyOf(p *desk.Principal) principalKey {
	return principalKey{p.UserID, p.Role, p.OrgID, p.System}
}

// maysee asks the ticket service whether p may see the ticket now; the
// event itself (its group, its origin) is never trusted. A deleted ticket is
// checked in the deleted list, which applies the same visibility (private
// groups, role access) and shows nothing to end-users.
func (h *Hub) maysee(p *desk.Principal, ticketID int64, deleted bool) bool {
	ctx, cancel := context.WithTimeout(desk.WithPrincipal(context.Background(), p), checkTimeout)
	defer cancel()
	var err error
	if deleted {
		_, err = h.tickets.GetDeleted(ctx, ticketID)
	} else {
		_, err = h.tickets.Get(ctx, ticketID)
	}
	return err == nil
}

// Client is one open stream.
type Client struct {
	Principal *desk.Principal
	// TicketID is the ticket page the stream serves; 0 for views, which
	// hear about every visible ticket.
	TicketID int64
	Name     string

	hub    *Hub
	c      chan Message
	closed chan struct{}
	once   sync.Once
}

// Subscribe registers a stream for p. The caller must have checked that p may
// see ticketID (when non-zero) and must Close the client when done. A
// ticket stream counts as viewing the ticket until it closes.
func (h *Hub) Subscribe(p *desk.Principal, name string, ticketID int64) *Client {
	c := &Client{Principal: p, TicketID: ticketID, Name: name, hub: h, c: make(chan Message, clientBuffer), closed: make(chan struct{})}
	h.mu.Lock()
	h.clients[c] = struct{}{}
	h.mu.Unlock()
	if ticketID != 0 {
		h.touch(ticketID, p.UserID, name, false, true)
	}
	return c
}

// C delivers the client's messages.
func (c *Client) C() <-chan Message { return c.c }

// Closed is closed when the client is closed (or dropped for lagging).
func (c *Client) Closed() <-chan struct{} { return c.closed }

// Close unregisters the client.
func (c *Client) Close() {
	c.once.Do(func() {
		h := c.hub
		h.mu.Lock()
		delete(h.clients, c)
		h.mu.Unlock()
		close(c.closed)
		if c.TicketID != 0 {
			h.release(c.TicketID, c.Principal.UserID)
		}
	})
}

// send delivers m without blocking; a client too slow to keep up is closed
// (its browser reconnects and re-reads the page state).
func (c *Client) send(m Message) {
	select {
	case <-c.closed:
		return
	default:
	}
	select {
	case c.c <- m:
	default:
		go c.Close()
	}
}

// Touch records that userID is on ticketID's page (and typing when typing
// is true). Callers must have checked that the user may see the ticket.
func (h *Hub) Touch(ticketID, userID int64, name string, typing bool) {
	h.touch(ticketID, userID, name, typing, false)
}

func (h *Hub) touch(ticketID, userID int64, name string, typing, stream bool) {
	now := h.now()
	h.mu.Lock()
	m := h.presence[ticketID]
	if m == nil {
		m = map[viewerKey]*viewerState{}
		h.presence[ticketID] = m
	}
	k := viewerKey{user: userID}
	v := m[k]
	changed, arrived := false, false
	if v == nil {
		v = &viewerState{name: name}
		m[k] = v
		changed, arrived = true, true
	}
	v.seen = now
	if stream {
		v.streams++
	}
	wasTyping := now.Before(v.typingTil)
	tellTyping := false
	if typing {
		v.typingTil = now.Add(h.typingTTL)
		if !wasTyping {
			changed = true
		}
		// Other instances expire typing on their own after TypingTTL:
		// keep telling them while it goes on, but not on every ping.
		if !wasTyping || now.Sub(v.toldTyping) >= h.typingTTL/2 {
			v.toldTyping, tellTyping = now, true
		}
	}
	h.mu.Unlock()
	if changed {
		h.broadcastPresence(ticketID)
	}
	if tellTyping {
		h.tell(events.Typing, ticketID, userID, name)
	} else if arrived {
		h.tell(events.Presence, ticketID, userID, name)
	}
}

// stateLeave marks a Presence event that removes a viewer.
const stateLeave = "leave"

// tell sends a presence change of a local viewer to the other instances
// (and, harmlessly, to this process's bus, where the hub ignores it).
func (h *Hub) tell(typ string, ticketID, userID int64, name string) {
	if h.bus == nil {
		return
	}
	data := map[string]string{"name": name}
	if name == "" {
		data = map[string]string{"state": stateLeave}
	}
	ctx, cancel := context.WithTimeout(context.Background(), checkTimeout)
	defer cancel()
	if err := h.bus.Broadcast(ctx, events.Event{Type: typ, TicketID: ticketID, UserID: userID, Data: data}); err != nil {
		h.log.Warn("realtime: presence not relayed", "ticket_id", ticketID, "err", err)
	}
}

// applyRemote records another instance's viewer change and shows it to
// this instance's streams on that ticket.
func (h *Hub) applyRemote(e events.Event) {
	now := h.now()
	k := viewerKey{origin: e.Origin, user: e.UserID}
	changed := false
	h.mu.Lock()
	m := h.presence[e.TicketID]
	if e.Data["state"] == stateLeave {
		if _, ok := m[k]; ok {
			delete(m, k)
			if len(m) == 0 {
				delete(h.presence, e.TicketID)
			}
			changed = true
		}
	} else {
		if m == nil {
			m = map[viewerKey]*viewerState{}
			h.presence[e.TicketID] = m
		}
		v := m[k]
		if v == nil {
			v = &viewerState{}
			m[k] = v
			changed = true
		}
		if name := e.Data["name"]; name != "" && name != v.name {
			v.name = name
			changed = true
		}
		v.seen = now
		if e.Type == events.Typing {
			if !now.Before(v.typingTil) {
				changed = true
			}
			v.typingTil = now.Add(h.typingTTL)
		}
	}
	h.mu.Unlock()
	if changed {
		h.broadcastPresence(e.TicketID)
	}
}

// Leave removes userID from ticketID's viewers (the page was closed).
func (h *Hub) Leave(ticketID, userID int64) {
	k := viewerKey{user: userID}
	h.mu.Lock()
	m := h.presence[ticketID]
	_, ok := m[k]
	if ok {
		delete(m, k)
		if len(m) == 0 {
			delete(h.presence, ticketID)
		}
	}
	h.mu.Unlock()
	if ok {
		h.broadcastPresence(ticketID)
		h.tell(events.Presence, ticketID, userID, "")
	}
}

// release is called when a ticket stream closes: the viewer goes away when
// it was their last stream on the ticket.
func (h *Hub) release(ticketID, userID int64) {
	k := viewerKey{user: userID}
	h.mu.Lock()
	v := h.presence[ticketID][k]
	gone := false
	if v != nil {
		v.streams--
		if v.streams <= 0 {
			delete(h.presence[ticketID], k)
			if len(h.presence[ticketID]) == 0 {
				delete(h.presence, ticketID)
			}
			gone = true
		}
	}
	h.mu.Unlock()
	if gone {
		h.broadcastPresence(ticketID)
		h.tell(events.Presence, ticketID, userID, "")
	}
}

// Viewers lists who is on ticketID's page on any instance, by name; a user
// on several instances is listed once (typing if typing on any).
func (h *Hub) Viewers(ticketID int64) []Viewer {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.viewersLocked(ticketID)
}

func (h *Hub) viewersLocked(ticketID int64) []Viewer {
	now := h.now()
	out := []Viewer{}
	at := map[int64]int{} // user → index in out
	for k, v := range h.presence[ticketID] {
		typing := now.Before(v.typingTil)
		if i, ok := at[k.user]; ok {
			out[i].Typing = out[i].Typing || typing
			if k.origin == "" {
				out[i].Name = v.name // prefer the name this instance knows
			}
			continue
		}
		at[k.user] = len(out)
		out = append(out, Viewer{UserID: k.user, Name: v.name, Typing: typing})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].UserID < out[j].UserID
	})
	return out
}

func (h *Hub) broadcastPresence(ticketID int64) {
	h.mu.Lock()
	data, _ := json.Marshal(Presence{TicketID: ticketID, Viewers: h.viewersLocked(ticketID)})
	var targets []*Client
	for c := range h.clients {
		if c.TicketID == ticketID {
			targets = append(targets, c)
		}
	}
	h.mu.Unlock()
	for _, c := range targets {
		c.send(Message{Event: "presence", Data: data})
	}
}

// sweeper expires viewers whose pings (or, for other instances' viewers,
// announcements) stopped and typing that ended, and re-announces this
// instance's viewers to the others every AnnounceEvery.
func (h *Hub) sweeper(every time.Duration) {
	defer h.wg.Done()
	t := time.NewTicker(min(every, h.announce))
	defer t.Stop()
	typing := map[int64][]int64{} // ticket → users typing at the last sweep
	lastAnnounce := h.now()
	type told struct {
		ticket, user int64
		name         string
	}
	for {
		select {
		case <-h.done:
			return
		case <-t.C:
		}
		now := h.now()
		var changed []int64
		var left, here []told
		reannounce := now.Sub(lastAnnounce) >= h.announce
		if reannounce {
			lastAnnounce = now
		}
		nowTyping := map[int64][]int64{}
		h.mu.Lock()
		for tid, m := range h.presence {
			dirty := false
			for k, v := range m {
				if v.streams <= 0 && now.Sub(v.seen) > h.presenceTTL {
					delete(m, k)
					dirty = true
					if k.origin == "" {
						left = append(left, told{tid, k.user, ""})
					}
					continue
				}
				if k.origin == "" && reannounce {
					here = append(here, told{tid, k.user, v.name})
				}
				if now.Before(v.typingTil) {
					nowTyping[tid] = append(nowTyping[tid], k.user)
				}
			}
			if len(m) == 0 {
				delete(h.presence, tid)
			}
			slices.Sort(nowTyping[tid])
			nowTyping[tid] = slices.Compact(nowTyping[tid])
			if dirty || !slices.Equal(nowTyping[tid], typing[tid]) {
				changed = append(changed, tid)
			}
		}
		for tid := range typing {
			if _, ok := h.presence[tid]; !ok && !slices.Contains(changed, tid) {
				changed = append(changed, tid)
			}
		}
		h.mu.Unlock()
		typing = nowTyping
		for _, tid := range changed {
			h.broadcastPresence(tid)
		}
		for _, v := range left {
			h.tell(events.Presence, v.ticket, v.user, "")
		}
		for _, v := range here {
			// Skip a viewer who left since the sweep looked, lest the
			// announcement bring them back elsewhere until the TTL.
			h.mu.Lock()
			_, still := h.presence[v.ticket][viewerKey{user: v.user}]
			h.mu.Unlock()
			if still {
				h.tell(events.Presence, v.ticket, v.user, v.name)
			}
		}
	}
}
