package chat_test

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/frontdesk/frontdesk/internal/chat"
	"github.com/frontdesk/frontdesk/internal/events"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// TestMessageSignalsCarryTheirFrame: every stored chat line's signal
// carries the line encoded once, exactly as a visitor's connection would
// send it after re-reading (no staff ids), and the id of the line before
// it; from another instance the same signal carries no frame, so the
// connection there re-reads.
func TestMessageSignalsCarryTheirFrame(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		alice := f.agent("Alice Agent")
		hub := chat.NewHub(f.bus)
		defer hub.Close()
		var mu sync.Mutex
		var got []chat.Signal
		var relayable []events.Event
		defer f.bus.Subscribe(func(e events.Event) {
			if e.Type == chat.EventChat && e.Data["k"] == "message" {
				mu.Lock()
				relayable = append(relayable, e)
				mu.Unlock()
			}
		})()

		s := f.start("Vera", "vera@example.com", "Hi")
		v := f.visitor(s.Token)
		stop := hub.SubscribeConversation(s.Conversation.ID, func(sg chat.Signal) {
			mu.Lock()
			got = append(got, sg)
			mu.Unlock()
		})
		if _, err := f.svc.VisitorSend(ctx, v, "c1", "My order <b>42</b> is late"); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Accept(as(alice), s.Conversation.ID); err != nil { // a system line with data
			t.Fatal(err)
		}
		if _, err := f.svc.AgentSend(as(alice), s.Conversation.ID, "Looking at it \"now\""); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.VisitorEnd(ctx, v); err != nil {
			t.Fatal(err)
		}
		stop()
		if _, err := f.svc.AgentSend(as(alice), s.Conversation.ID, "after the end"); err == nil {
			t.Fatal("a line was added to an ended chat")
		}

		view, err := f.svc.VisitorView(ctx, v, 0)
		if err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		all, e := got, relayable[len(relayable)-1]
		mu.Unlock()
		var msgs []chat.Signal
		for _, sg := range all {
			if sg.Kind == "message" {
				msgs = append(msgs, sg)
			}
		}
		// The first line (the question) was stored with the chat, before
		// the subscription.
		if len(msgs) != len(view.Messages)-1 || len(msgs) != 4 {
			t.Fatalf("%d message signals for %d lines", len(msgs), len(view.Messages))
		}
		for i, sg := range msgs {
			m, prev := view.Messages[i+1], view.Messages[i]
			want, err := chat.MessageFrame(m)
			if err != nil {
				t.Fatal(err)
			}
			if sg.MessageID != m.ID || sg.PrevID != prev.ID || !bytes.Equal(sg.Frame, want) {
				t.Fatalf("signal %d: id %d prev %d frame\n%s\nwant id %d prev %d frame\n%s", i, sg.MessageID, sg.PrevID, sg.Frame, m.ID, prev.ID, want)
			}
			if m.Kind == chat.KindAgent && (strings.Contains(string(sg.Frame), "author_id") || !strings.Contains(string(sg.Frame), `"author":"Alice Agent"`)) {
				t.Fatalf("the agent's line as the visitor gets it: %s", sg.Frame)
			}
		}
		if !strings.HasPrefix(string(msgs[0].Frame), `{"t":"msg","message":{`) {
			t.Fatalf("frame: %s", msgs[0].Frame)
		}

		// The same event from another instance (what the relay delivers:
		// no payload) reaches the hub without a frame.
		if e.Payload == nil {
			t.Fatal("the local event has no payload")
		}
		l, stopL := hub.ListenConversation(s.Conversation.ID)
		defer stopL()
		e.Payload, e.Origin = nil, "other-instance"
		f.bus.Publish(e)
		sg := <-l.C
		if sg.Kind != "message" || sg.MessageID != msgs[3].MessageID || sg.PrevID != msgs[3].PrevID || sg.Frame != nil || sg.Origin != "other-instance" {
			t.Fatalf("relayed signal: %+v", sg)
		}
	})
}
