package realtime

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/events"
)

// fakeTickets lets staff see everything and end-users only their own.
type fakeTickets struct {
	mu      sync.Mutex
	owner   map[int64]int64
	deleted map[int64]bool // in the deleted list: staff only
	lookups int
}

func (f *fakeTickets) GetDeleted(ctx context.Context, id int64) (*desk.Ticket, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lookups++
	if p := desk.PrincipalFrom(ctx); !f.deleted[id] || !p.IsStaff() {
		return nil, desk.NotFound()
	}
	return &desk.Ticket{ID: id}, nil
}

func (f *fakeTickets) Get(ctx context.Context, id int64) (*desk.Ticket, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lookups++
	p := desk.PrincipalFrom(ctx)
	if p == nil {
		return nil, desk.NotFound()
	}
	o, ok := f.owner[id]
	if !ok || (!p.IsStaff() && o != p.UserID) {
		return nil, desk.NotFound()
	}
	return &desk.Ticket{ID: id, RequesterID: o}, nil
}

func recv(t *testing.T, c *Client, want string) Message {
	t.Helper()
	for {
		select {
		case m := <-c.C():
			if m.Event == want {
				return m
			}
		case <-time.After(3 * time.Second):
			t.Fatalf("no %s message", want)
		}
	}
}

func none(t *testing.T, c *Client, event string) {
	t.Helper()
	for {
		select {
		case m := <-c.C():
			if m.Event == event {
				t.Fatalf("unexpected %s: %s", m.Event, m.Data)
			}
		case <-time.After(200 * time.Millisecond):
			return
		}
	}
}

func TestFanOutRespectsVisibility(t *testing.T) {
	bus := events.New()
	ft := &fakeTickets{owner: map[int64]int64{1: 10, 2: 20}}
	h := New(bus, ft, Options{})
	defer h.Close()

	agent := h.Subscribe(&desk.Principal{UserID: 1, Role: desk.RoleAgent}, "Agent", 0)
	defer agent.Close()
	cust := h.Subscribe(&desk.Principal{UserID: 10, Role: desk.RoleEndUser}, "Cust", 0)
	defer cust.Close()
	page := h.Subscribe(&desk.Principal{UserID: 1, Role: desk.RoleAgent}, "Agent", 2)
	defer page.Close()

	bus.Publish(events.Event{Type: events.TicketCreated, TicketID: 2, ActorID: 20})
	m := recv(t, agent, "ticket")
	var tc TicketChange
	if err := json.Unmarshal(m.Data, &tc); err != nil || tc.TicketID != 2 || tc.Type != events.TicketCreated {
		t.Fatalf("bad message %s", m.Data)
	}
	recv(t, page, "ticket")
	none(t, cust, "ticket") // ticket 2 is someone else's

	bus.Publish(events.Event{Type: events.TicketUpdated, TicketID: 1})
	recv(t, cust, "ticket")
	recv(t, agent, "ticket")
	none(t, page, "ticket") // the page watches ticket 2 only

	bus.Publish(events.Event{Type: events.UserCreated, UserID: 5})
	none(t, agent, "ticket")
}

func TestPresenceAndTyping(t *testing.T) {
	ft := &fakeTickets{owner: map[int64]int64{7: 10}}
	h := New(nil, ft, Options{TypingTTL: 300 * time.Millisecond, PresenceTTL: 500 * time.Millisecond, SweepEvery: 50 * time.Millisecond})
	defer h.Close()
	a := h.Subscribe(&desk.Principal{UserID: 1, Role: desk.RoleAgent}, "Ada", 7)
	m := recv(t, a, "presence")
	var pr Presence
	_ = json.Unmarshal(m.Data, &pr)
	if len(pr.Viewers) != 1 || pr.Viewers[0].Name != "Ada" {
		t.Fatalf("presence %s", m.Data)
	}
	b := h.Subscribe(&desk.Principal{UserID: 2, Role: desk.RoleAgent}, "Bob", 7)
	m = recv(t, a, "presence")
	_ = json.Unmarshal(m.Data, &pr)
	if len(pr.Viewers) != 2 {
		t.Fatalf("presence %s", m.Data)
	}
	h.Touch(7, 2, "Bob", true)
	m = recv(t, a, "presence")
	if !strings.Contains(string(m.Data), `"name":"Bob","typing":true`) {
		t.Fatalf("typing not shown: %s", m.Data)
	}
	// Typing expires on its own.
	deadline := time.Now().Add(3 * time.Second)
	for {
		m = recv(t, a, "presence")
		if !strings.Contains(string(m.Data), `"typing":true`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("typing never expired")
		}
	}
	b.Close()
	m = recv(t, a, "presence")
	if strings.Contains(string(m.Data), "Bob") {
		t.Fatalf("Bob still present: %s", m.Data)
	}
	// A ping without a stream expires after the TTL.
	h.Touch(7, 3, "Cy", false)
	recv(t, a, "presence")
	if len(h.Viewers(7)) != 2 {
		t.Fatalf("viewers %v", h.Viewers(7))
	}
	time.Sleep(800 * time.Millisecond)
	if v := h.Viewers(7); len(v) != 1 || v[0].Name != "Ada" {
		t.Fatalf("viewers after expiry %v", v)
	}
	a.Close()
	if v := h.Viewers(7); len(v) != 0 {
		t.Fatalf("viewers after close %v", v)
	}
}

func TestStreamWritesEventsAndEndsOnClose(t *testing.T) {
	bus := events.New()
	ft := &fakeTickets{owner: map[int64]int64{3: 10}}
	h := New(bus, ft, Options{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := h.Subscribe(&desk.Principal{UserID: 1, Role: desk.RoleAgent}, "A", 0)
		h.Stream(w, r, c, &Message{Event: "hello", Data: []byte("{\"a\":1}\n{\"b\":2}")})
	}))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		t.Fatalf("content type %q", ct)
	}
	br := bufio.NewReader(resp.Body)
	readUntil := func(substr string) {
		t.Helper()
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				t.Fatalf("stream ended before %q: %v", substr, err)
			}
			if strings.Contains(line, substr) {
				return
			}
		}
	}
	readUntil("event: hello")
	readUntil(`data: {"b":2}`)
	// Wait for the subscription, then publish.
	for i := 0; ; i++ {
		h.mu.Lock()
		n := len(h.clients)
		h.mu.Unlock()
		if n == 1 {
			break
		}
		if i > 100 {
			t.Fatal("no subscriber")
		}
		time.Sleep(10 * time.Millisecond)
	}
	bus.Publish(events.Event{Type: events.CommentAdded, TicketID: 3, ActorID: 9})
	readUntil("event: ticket")
	readUntil(`"ticket_id":3`)
	done := make(chan struct{})
	go func() {
		_, _ = br.ReadString(0)
		close(done)
	}()
	h.Close()
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		t.Fatal("stream did not end when the hub closed")
	}
}

func TestDeletedTicketsReachStaffOnly(t *testing.T) {
	bus := events.New()
	ft := &fakeTickets{owner: map[int64]int64{}, deleted: map[int64]bool{9: true}}
	h := New(bus, ft, Options{})
	defer h.Close()
	agent := h.Subscribe(&desk.Principal{UserID: 1, Role: desk.RoleAgent}, "A", 0)
	cust := h.Subscribe(&desk.Principal{UserID: 10, Role: desk.RoleEndUser}, "C", 0)
	bus.Publish(events.Event{Type: events.TicketDeleted, TicketID: 9})
	recv(t, agent, "ticket")
	none(t, cust, "ticket")
}
