package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/jobs"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/server"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// sse is one open Server-Sent Events stream.
type sse struct {
	events chan [2]string // event name, data
	cancel context.CancelFunc
}

// openStream opens path on base with the session cookie and returns once
// the server has answered (the stream is subscribed by then).
func openStream(t *testing.T, base, path, session string) *sse {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", base+path, nil)
	req.AddCookie(&http.Cookie{Name: "fd_session", Value: session})
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		cancel()
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	s := &sse{events: make(chan [2]string, 256), cancel: cancel}
	go func() {
		defer resp.Body.Close()
		br := bufio.NewReader(resp.Body)
		var event string
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				close(s.events)
				return
			}
			line = strings.TrimRight(line, "\r\n")
			switch {
			case strings.HasPrefix(line, "event: "):
				event = line[len("event: "):]
			case strings.HasPrefix(line, "data: "):
				s.events <- [2]string{event, line[len("data: "):]}
			}
		}
	}()
	t.Cleanup(cancel)
	return s
}

// wait reads the stream until an event named name whose data satisfies ok.
func (s *sse) wait(t *testing.T, what, name string, ok func(data string) bool) {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		select {
		case e, open := <-s.events:
			if !open {
				t.Fatalf("stream ended before %s", what)
			}
			if e[0] == name && ok(e[1]) {
				return
			}
		case <-deadline:
			t.Fatalf("no %s", what)
		}
	}
}

// TestTwoInstances runs two `frontdesk serve` instances on one PostgreSQL
// database, with separate data directories and ports, and checks that they
// behave as one help desk: a ticket created through A's API reaches an
// agent's live stream on B, presence on A shows on B, a job whose instance
// dies mid-way is finished by the other once its lease runs out, and a
// recurring job runs once per tick across both.
func TestTwoInstances(t *testing.T) {
	var mu sync.Mutex
	ticks := map[int64][]int{} // tick → instances that ran it
	const tickJob = "test.tick"
	// The first instance to claim a "stuck" job dies in it: it never
	// finishes nor records anything (as if killed), until the test ends.
	const stuckJob = "test.stuck"
	var died sync.Once
	dead, release := -1, make(chan struct{})
	finishedBy := make(chan int, 2)
	// One worker each: the stuck worker cannot hand the job to a sibling
	// on its own instance, so only the other instance can finish it.
	oneWorker := func(c *server.Config) { c.JobWorkers = 1 }
	ins := startInstances(t, 2, oneWorker, func(i int, a *server.App) {
		a.Jobs.Lease = 500 * time.Millisecond
		a.Jobs.Handle(stuckJob, func(context.Context, json.RawMessage) error {
			first := false
			died.Do(func() { first = true })
			if first {
				mu.Lock()
				dead = i
				mu.Unlock()
				<-release
				return fmt.Errorf("instance %d came back from the dead", i)
			}
			finishedBy <- i
			return nil
		})
		a.Jobs.Handle(tickJob, func(_ context.Context, p json.RawMessage) error {
			var tk jobs.Tick
			if err := json.Unmarshal(p, &tk); err != nil {
				return jobs.Permanent(err)
			}
			mu.Lock()
			ticks[tk.At] = append(ticks[tk.At], i)
			mu.Unlock()
			return nil
		})
		a.Schedules.Every("test.tick", 150*time.Millisecond, tickJob)
		a.Schedules.Poll = 50 * time.Millisecond
		a.Jobs.Poll = 50 * time.Millisecond
	})
	t.Cleanup(func() { close(release) }) // runs before the instances stop
	a, b := ins[0], ins[1]
	sys := desk.SystemContext(context.Background())
	mkUser := func(name, email string, role desk.Role) *desk.User {
		pw := testPassword
		u, err := a.App.People.CreateUser(sys, people.UserInput{Name: &name, Email: &email, Role: &role, Password: &pw, Verified: ptr(true)})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	signIn := func(app *server.App, email string) string {
		tok, _, err := app.Account.SignIn(context.Background(), email, testPassword, "127.0.0.1", "test")
		if err != nil {
			t.Fatalf("sign in %s: %v", email, err)
		}
		return tok
	}
	admin := mkUser("Ada Admin", "ada@instances.test", desk.RoleAdmin)
	mkUser("Ben Agent", "ben@instances.test", desk.RoleAgent)
	mkUser("Cy Agent", "cy@instances.test", desk.RoleAgent)
	apiToken, err := a.App.People.CreateToken(sys, admin.ID, "instances")
	if err != nil {
		t.Fatal(err)
	}

	t.Run("ticket created on A reaches a live stream on B", func(t *testing.T) {
		view := openStream(t, b.URL, "/agent/events", signIn(b.App, "ben@instances.test"))
		body := `{"ticket":{"subject":"Across instances","comment":{"body":"Hello from A"},"requester":{"email":"cust@instances.test"}}}`
		req, _ := http.NewRequest("POST", a.URL+"/api/v2/tickets.json", strings.NewReader(body))
		req.SetBasicAuth(admin.Email+"/token", apiToken.Token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var created struct {
			Ticket struct{ ID int64 } `json:"ticket"`
		}
		json.NewDecoder(resp.Body).Decode(&created)
		resp.Body.Close()
		if resp.StatusCode != 201 || created.Ticket.ID == 0 {
			t.Fatalf("create on A: %d", resp.StatusCode)
		}
		view.wait(t, "the new ticket on B's stream", "ticket", func(d string) bool {
			return strings.Contains(d, `"type":"ticket.created"`) && strings.Contains(d, fmt.Sprintf(`"ticket_id":%d`, created.Ticket.ID))
		})
	})

	t.Run("presence on A is seen on B", func(t *testing.T) {
		tk, _, err := a.App.Tickets.Create(sys, ticketInput("Who is here?"))
		if err != nil {
			t.Fatal(err)
		}
		path := fmt.Sprintf("/agent/events?ticket=%d", tk.ID)
		onB := openStream(t, b.URL, path, signIn(b.App, "ben@instances.test"))
		onB.wait(t, "Ben's own presence on B", "presence", func(d string) bool { return strings.Contains(d, "Ben Agent") })
		onA := openStream(t, a.URL, path, signIn(a.App, "cy@instances.test"))
		onB.wait(t, "Cy (on A) in B's presence", "presence", func(d string) bool { return strings.Contains(d, `"name":"Cy Agent"`) })
		onA.wait(t, "Ben (on B) in A's presence", "presence", func(d string) bool { return strings.Contains(d, `"name":"Ben Agent"`) })
		onA.cancel() // Cy closes the page on A
		onB.wait(t, "Cy leaving, on B", "presence", func(d string) bool { return !strings.Contains(d, "Cy Agent") })
	})

	t.Run("a job survives the death of the instance running it", func(t *testing.T) {
		ctx := context.Background()
		if err := a.App.DB.InTx(ctx, func(tx *store.Tx) error { return jobs.Enqueue(ctx, tx, stuckJob, "work") }); err != nil {
			t.Fatal(err)
		}
		a.App.Jobs.Notify()
		var by int
		select {
		case by = <-finishedBy:
		case <-time.After(60 * time.Second):
			t.Fatal("the job was never finished")
		}
		mu.Lock()
		d := dead
		mu.Unlock()
		if d == -1 || by == d {
			t.Fatalf("died on %d, finished by %d", d, by)
		}
		var state string
		var attempts int
		if err := b.App.DB.QueryRow(ctx, `SELECT state, attempts FROM jobs WHERE kind = ?`, stuckJob).Scan(&state, &attempts); err != nil {
			t.Fatal(err)
		}
		// The finishing instance records the outcome right after its
		// handler returns; wait for that write.
		for deadline := time.Now().Add(20 * time.Second); state != "completed" && time.Now().Before(deadline); {
			time.Sleep(20 * time.Millisecond)
			b.App.DB.QueryRow(ctx, `SELECT state, attempts FROM jobs WHERE kind = ?`, stuckJob).Scan(&state, &attempts)
		}
		if state != "completed" || attempts != 2 {
			t.Fatalf("job %s after %d attempts", state, attempts)
		}
	})

	t.Run("a recurring job runs once per tick across both", func(t *testing.T) {
		deadline := time.Now().Add(60 * time.Second)
		for {
			mu.Lock()
			n := len(ticks)
			mu.Unlock()
			if n >= 5 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("only %d ticks ran", n)
			}
			time.Sleep(50 * time.Millisecond)
		}
		mu.Lock()
		defer mu.Unlock()
		for at, by := range ticks {
			if len(by) != 1 {
				t.Fatalf("tick %d ran %d times (instances %v)", at, len(by), by)
			}
		}
		var jobsRun, ticksRun int
		if err := a.App.DB.QueryRow(context.Background(), `SELECT COUNT(*), COUNT(DISTINCT payload) FROM jobs WHERE kind = ?`, tickJob).Scan(&jobsRun, &ticksRun); err != nil {
			t.Fatal(err)
		}
		if jobsRun != ticksRun {
			t.Fatalf("%d jobs enqueued for %d ticks", jobsRun, ticksRun)
		}
	})
}

func ptr[T any](v T) *T { return &v }

func ticketInput(subject string) ticket.Input {
	return ticket.Input{Subject: &subject, Comment: &ticket.CommentInput{Body: subject},
		Requester: &ticket.RequesterInput{Email: "cust@instances.test"}}
}

const testPassword = "quiet harbour lanterns at dusk 1987"
