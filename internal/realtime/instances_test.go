package realtime

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/events"
	"github.com/frontdesk/frontdesk/internal/store"
)

// link carries one bus's relayed events to another, as the PostgreSQL
// relay does between instances (stamping the sender's origin), until cut.
type link struct {
	mu     sync.Mutex
	to     *events.Bus
	origin string
	cut    bool
}

func (l *link) NotifyTx(ctx context.Context, tx *store.Tx, e events.Event) error {
	tx.AfterCommit(func() { l.Notify(ctx, e) })
	return nil
}

func (l *link) Notify(_ context.Context, e events.Event) error {
	l.mu.Lock()
	cut := l.cut
	l.mu.Unlock()
	if !cut {
		e.Origin = l.origin
		l.to.Publish(e)
	}
	return nil
}

// waitPresence reads c's presence messages until one satisfies ok.
func waitPresence(t *testing.T, c *Client, what string, ok func(data string) bool) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case m := <-c.C():
			if m.Event == "presence" && ok(string(m.Data)) {
				return
			}
		case <-deadline:
			t.Fatalf("presence never showed %s", what)
		}
	}
}

// TestPresenceAcrossInstances: viewers and typing on instance A show on
// instance B's ticket page; leaving removes them; and the viewers of an
// instance that died (no more announcements) vanish after the TTL.
func TestPresenceAcrossInstances(t *testing.T) {
	busA, busB := events.New(), events.New()
	ab := &link{to: busB, origin: "A"}
	busA.SetRelay(ab)
	busB.SetRelay(&link{to: busA, origin: "B"})
	ft := &fakeTickets{owner: map[int64]int64{7: 10}}
	var mu sync.Mutex
	clockB := time.Now()
	nowB := func() time.Time { mu.Lock(); defer mu.Unlock(); return clockB }
	a := New(busA, ft, Options{})
	defer a.Close()
	b := New(busB, ft, Options{Now: nowB, PresenceTTL: time.Minute, SweepEvery: 20 * time.Millisecond})
	defer b.Close()

	bea := b.Subscribe(&desk.Principal{UserID: 2, Role: desk.RoleAgent}, "Bea", 7)
	defer bea.Close()
	ada := a.Subscribe(&desk.Principal{UserID: 1, Role: desk.RoleAgent}, "Ada", 7)
	waitPresence(t, bea, "Ada on B", func(d string) bool { return strings.Contains(d, `"name":"Ada"`) })
	a.Touch(7, 1, "Ada", true)
	waitPresence(t, bea, "Ada typing on B", func(d string) bool { return strings.Contains(d, `"name":"Ada","typing":true`) })
	// B's viewer reaches A too.
	waitPresence(t, ada, "Bea on A", func(d string) bool { return strings.Contains(d, `"name":"Bea"`) })
	ada.Close()
	waitPresence(t, bea, "Ada leaving", func(d string) bool { return !strings.Contains(d, "Ada") })

	// Cy views on A; then A dies without a word (the link is cut).
	a.Touch(7, 3, "Cy", false)
	waitPresence(t, bea, "Cy on B", func(d string) bool { return strings.Contains(d, `"name":"Cy"`) })
	ab.mu.Lock()
	ab.cut = true
	ab.mu.Unlock()
	if v := b.Viewers(7); len(v) != 2 {
		t.Fatalf("viewers on B %+v", v)
	}
	mu.Lock()
	clockB = clockB.Add(2 * time.Minute)
	mu.Unlock()
	waitPresence(t, bea, "Cy expiring", func(d string) bool { return !strings.Contains(d, "Cy") })
	if v := b.Viewers(7); len(v) != 1 || v[0].Name != "Bea" {
		t.Fatalf("viewers on B after A died %+v", v)
	}
}

// TestTypingAcrossInstancesLasts: while an agent on A keeps typing, B keeps
// showing it, though B expires typing on its own after TypingTTL.
func TestTypingAcrossInstancesLasts(t *testing.T) {
	busA, busB := events.New(), events.New()
	busA.SetRelay(&link{to: busB, origin: "A"})
	ft := &fakeTickets{owner: map[int64]int64{7: 10}}
	var mu sync.Mutex
	start := time.Now()
	clockA, clockB := start, start
	advance := func(d time.Duration) { mu.Lock(); clockA, clockB = clockA.Add(d), clockB.Add(d); mu.Unlock() }
	a := New(busA, ft, Options{Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return clockA }, TypingTTL: 6 * time.Second})
	defer a.Close()
	b := New(busB, ft, Options{Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return clockB }, TypingTTL: 6 * time.Second})
	defer b.Close()
	bea := b.Subscribe(&desk.Principal{UserID: 2, Role: desk.RoleAgent}, "Bea", 7)
	defer bea.Close()
	typingOnB := func() bool {
		for _, v := range b.Viewers(7) {
			if v.Name == "Ada" {
				return v.Typing
			}
		}
		return false
	}
	a.Touch(7, 1, "Ada", true)
	waitPresence(t, bea, "Ada typing on B", func(d string) bool { return strings.Contains(d, `"name":"Ada","typing":true`) })
	for i := range 4 { // 16 seconds of typing, a ping every 4
		advance(4 * time.Second)
		a.Touch(7, 1, "Ada", true)
		// A marker sent after the ping: once B shows it, B has the ping.
		a.Touch(7, int64(100+i), "Marker", false)
		id := fmt.Sprintf(`"id":%d,`, 100+i)
		waitPresence(t, bea, "the marker", func(d string) bool { return strings.Contains(d, id) })
		if !typingOnB() {
			t.Fatalf("after %ds of typing on A, B no longer shows it", 4*(i+1))
		}
	}
	advance(7 * time.Second) // Ada stopped
	if typingOnB() {
		t.Fatal("typing did not end on B")
	}
}
