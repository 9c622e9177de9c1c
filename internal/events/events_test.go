package events

import "testing"

func TestPublishSubscribe(t *testing.T) {
	b := New()
	var got []string
	unsub := b.Subscribe(func(e Event) { got = append(got, e.Type) })
	b.Publish(Event{Type: TicketCreated, TicketID: 1})
	unsub()
	b.Publish(Event{Type: TicketUpdated, TicketID: 1})
	if len(got) != 1 || got[0] != TicketCreated {
		t.Fatalf("got %v", got)
	}
	var nilBus *Bus
	nilBus.Publish(Event{Type: TicketCreated}) // must not panic
}
