package web_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// ticketStream opens /agent/events for a signed-in client and yields the
// ticket ids of its "ticket" messages with their types.
func ticketStream(t *testing.T, c *client) <-chan [2]string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", c.base+"/agent/events", nil)
	resp, err := (&http.Client{Jar: c.hc.Jar}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 {
		t.Fatalf("/agent/events: %d", resp.StatusCode)
	}
	out := make(chan [2]string, 64)
	go func() {
		defer resp.Body.Close()
		defer close(out)
		br := bufio.NewReader(resp.Body)
		event := ""
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				return
			}
			line = strings.TrimRight(line, "\n")
			if v, ok := strings.CutPrefix(line, "event: "); ok {
				event = v
			} else if v, ok := strings.CutPrefix(line, "data: "); ok && event == "ticket" {
				var m struct {
					Type     string `json:"type"`
					TicketID int64  `json:"ticket_id"`
				}
				if json.Unmarshal([]byte(v), &m) == nil {
					out <- [2]string{m.Type, jsonID(m.TicketID)}
				}
			}
		}
	}()
	return out
}

func jsonID(id int64) string { b, _ := json.Marshal(id); return string(b) }

// TestLiveStreamHidesPrivateGroupDeletions (issue 7, item 11) over HTTP:
// an agent outside a private group hears nothing on /agent/events about
// its tickets — neither their creation nor their deletion — while a member
// hears both.
func TestLiveStreamHidesPrivateGroupDeletions(t *testing.T) {
	for name, u := range stores(t) {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, u)
			vip, private := "VIP", false
			g, err := e.app.People.CreateGroup(e.sys, people.GroupInput{Name: &vip, IsPublic: &private})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.app.People.AddMembership(e.sys, e.agent.ID, g.ID, false); err != nil {
				t.Fatal(err)
			}
			member, outsider := e.client(), e.client()
			member.signIn("/agent/signin", e.agent.Email)
			outsider.signIn("/agent/signin", e.agent2.Email)
			inStream, outStream := ticketStream(t, member), ticketStream(t, outsider)

			subject := "private matter"
			secret, _, err := e.app.Tickets.Create(as(e.agent), ticket.Input{Subject: &subject, GroupID: desk.SetID(g.ID),
				RequesterID: desk.SetID(e.customer.ID), Comment: &ticket.CommentInput{Body: "vip"}})
			if err != nil {
				t.Fatal(err)
			}
			if err := e.app.Tickets.Delete(as(e.admin), secret.ID); err != nil {
				t.Fatal(err)
			}
			marker := e.ticketFor(e.customer, "marker", "after the private ones")
			secretID, markerID := jsonID(secret.ID), jsonID(marker.ID)

			sawDeletion := false
			for m := range until(t, inStream, markerID) {
				sawDeletion = sawDeletion || (m[1] == secretID && m[0] == "ticket.deleted")
			}
			if !sawDeletion {
				t.Fatal("the group member did not hear of the deletion")
			}
			for m := range until(t, outStream, markerID) {
				if m[1] == secretID {
					t.Fatalf("outsider was told %s about a private group's ticket", m[0])
				}
			}
		})
	}
}

// until yields the stream's messages up to the first about ticket id.
func until(t *testing.T, c <-chan [2]string, id string) func(func([2]string) bool) {
	return func(yield func([2]string) bool) {
		deadline := time.After(20 * time.Second)
		for {
			select {
			case m, ok := <-c:
				if !ok {
					t.Fatal("stream ended")
				}
				if m[1] == id {
					return
				}
				if !yield(m) {
					return
				}
			case <-deadline:
				t.Fatalf("no message about ticket %s", id)
			}
		}
	}
}
