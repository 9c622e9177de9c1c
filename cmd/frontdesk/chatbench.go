package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// chatbench is the live chat's load tool (not part of the test suite): it
// opens idle widget sockets and active chats against a running server and
// reports memory per socket and message fan-out latency.
//
// Each socket comes from its own client address (X-Forwarded-For), so the
// server must trust the tool as a proxy (--trusted-proxies 127.0.0.1/32)
// or its per-IP limits stop it after 20 sockets, as they should.
//
// Fan-out: every active chat has a sending socket on --url and a receiving
// socket on --url2 (another instance, for the cross-instance path; default
// --url); the latency is from a message's send to its arrival on the other
// socket. Every chat is set up (started, both sockets open) before the
// timed part begins, whose sends are spread evenly over --every, so the
// figures measure the fan-out, not the set-up.
//
// Memory: the server's resident memory, heap and stacks in use, and
// goroutines (from --metrics) before and with the idle sockets, per socket.
func chatbench(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("chatbench", flag.ContinueOnError)
	base := fs.String("url", benchEnv("BENCH_URL", "http://127.0.0.1:8080"), "server base URL")
	base2 := fs.String("url2", "", "second instance's base URL for the receiving sockets (default --url)")
	key := fs.String("key", benchEnv("BENCH_CHAT_KEY", ""), "widget key")
	origin := fs.String("origin", "", "an origin the key allows")
	idle := fs.Int("idle", 1000, "idle sockets to hold open")
	active := fs.Int("active", 100, "active chats (two sockets each)")
	messages := fs.Int("messages", 10, "messages each active chat sends")
	every := fs.Duration("every", 2500*time.Millisecond, "pause between a chat's messages (the server allows 30 a minute)")
	metrics := fs.String("metrics", "", "the server's /metrics URL for memory figures (its metrics listener)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *key == "" || *origin == "" {
		return errors.New("--key and --origin are required")
	}
	if *base2 == "" {
		*base2 = *base
	}
	// Each run takes its addresses from a random point of 10.0.0.0/8, so
	// runs one after another do not share the server's per-address budgets.
	var ipSeq atomic.Int64
	ipSeq.Store(rand.Int64N(1 << 23))
	nextIP := func() string {
		n := ipSeq.Add(1)
		return fmt.Sprintf("10.%d.%d.%d", (n>>16)&255, (n>>8)&255, n&255)
	}
	hc := &http.Client{Timeout: time.Minute}
	start := func() (string, error) {
		body := fmt.Sprintf(`{"name":"Bench","email":"bench-%d@example.com","question":"load test"}`, ipSeq.Load())
		req, _ := http.NewRequestWithContext(ctx, "POST", *base+"/chat/start?key="+*key, strings.NewReader(body))
		req.Header.Set("Origin", *origin)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Forwarded-For", nextIP())
		res, err := hc.Do(req)
		if err != nil {
			return "", err
		}
		defer res.Body.Close()
		var out struct {
			Token   string `json:"token"`
			Message string `json:"message"`
		}
		_ = json.NewDecoder(res.Body).Decode(&out)
		if res.StatusCode != 200 {
			return "", fmt.Errorf("start: %d %s", res.StatusCode, out.Message)
		}
		return out.Token, nil
	}
	dial := func(u, tok string) (*websocket.Conn, error) {
		h := http.Header{}
		h.Set("Origin", *origin)
		h.Set("X-Forwarded-For", nextIP())
		dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		c, _, err := websocket.Dial(dctx, strings.Replace(u, "http", "ws", 1)+"/chat/ws?key="+*key, &websocket.DialOptions{HTTPHeader: h})
		if err != nil {
			return nil, err
		}
		c.SetReadLimit(1 << 20)
		b, _ := json.Marshal(map[string]any{"t": "hello", "token": tok})
		if err := c.Write(dctx, websocket.MessageText, b); err != nil {
			c.CloseNow()
			return nil, err
		}
		for {
			_, m, err := c.Read(dctx)
			if err != nil {
				c.CloseNow()
				return nil, err
			}
			if strings.Contains(string(m), `"t":"hello"`) {
				return c, nil
			}
		}
	}

	before := serverFigures(ctx, hc, *metrics)
	// Idle sockets share a few chats (as a visitor's tabs do).
	var idleTok string
	var err error
	if *idle > 0 {
		if idleTok, err = start(); err != nil {
			return err
		}
	}
	var conns []*websocket.Conn
	var mu sync.Mutex
	t0 := time.Now()
	sem := make(chan struct{}, 64)
	var wg sync.WaitGroup
	var failed atomic.Int64
	for range *idle {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			c, err := dial(*base, idleTok)
			if err != nil {
				failed.Add(1)
				return
			}
			go func() { // keep reading (pings, pushes)
				for {
					if _, _, err := c.Read(context.Background()); err != nil {
						return
					}
				}
			}()
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}()
	}
	wg.Wait()
	opened := time.Since(t0)
	time.Sleep(2 * time.Second)
	withIdle := serverFigures(ctx, hc, *metrics)
	fmt.Fprintf(stdout, "idle sockets: %d open (%d failed) in %s\n", len(conns), failed.Load(), opened.Round(time.Millisecond))
	if n := float64(len(conns)); n > 0 && before.rss > 0 && withIdle.rss > 0 {
		fmt.Fprintf(stdout, "server resident memory: %.1f MiB before, %.1f MiB with them: %.1f KiB per socket\n",
			before.rss/(1<<20), withIdle.rss/(1<<20), (withIdle.rss-before.rss)/1024/n)
		fmt.Fprintf(stdout, "server heap and stacks in use: %.1f MiB before, %.1f MiB with them: %.1f KiB per socket; goroutines: %.0f before, %.0f with them: %.2f per socket\n",
			before.inUse/(1<<20), withIdle.inUse/(1<<20), (withIdle.inUse-before.inUse)/1024/n,
			before.goroutines, withIdle.goroutines, (withIdle.goroutines-before.goroutines)/n)
	}

	// Active chats: a sender and a receiver per chat, all set up before
	// the first timed message, so the figures are the fan-out's alone.
	type chatConns struct {
		snd, rcv *websocket.Conn
		sent     map[string]time.Time
		mu       sync.Mutex
		got      chan struct{}
	}
	var latMu sync.Mutex
	var lats []time.Duration
	var lost atomic.Int64
	var firstErr atomic.Value
	setupFailed := func(err error) {
		failed.Add(1)
		firstErr.CompareAndSwap(nil, err.Error())
	}
	chats := make([]*chatConns, *active)
	t1 := time.Now()
	for i := range *active {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			tok, err := start()
			if err != nil {
				setupFailed(err)
				return
			}
			snd, err := dial(*base, tok)
			if err != nil {
				setupFailed(err)
				return
			}
			rcv, err := dial(*base2, tok)
			if err != nil {
				snd.CloseNow()
				setupFailed(err)
				return
			}
			chats[i] = &chatConns{snd: snd, rcv: rcv, sent: map[string]time.Time{}, got: make(chan struct{}, *messages)}
		}()
	}
	wg.Wait()
	setup := time.Since(t1)
	for _, ch := range chats {
		if ch == nil {
			continue
		}
		go func() { // the sender's own frames (its lines, acks)
			for {
				if _, _, err := ch.snd.Read(context.Background()); err != nil {
					return
				}
			}
		}()
		go func() {
			for {
				_, m, err := ch.rcv.Read(context.Background())
				if err != nil {
					return
				}
				at := time.Now()
				var f struct {
					T       string `json:"t"`
					Message struct {
						ClientID string `json:"client_id"`
					} `json:"message"`
				}
				if json.Unmarshal(m, &f) != nil || f.T != "msg" {
					continue
				}
				ch.mu.Lock()
				sentAt, ok := ch.sent[f.Message.ClientID]
				delete(ch.sent, f.Message.ClientID)
				ch.mu.Unlock()
				if ok {
					latMu.Lock()
					lats = append(lats, at.Sub(sentAt))
					latMu.Unlock()
					ch.got <- struct{}{}
				}
			}
		}()
	}
	ready := 0
	for _, ch := range chats {
		if ch != nil {
			ready++
		}
	}
	fmt.Fprintf(stdout, "active chats set up: %d of %d in %s\n", ready, *active, setup.Round(time.Millisecond))
	time.Sleep(time.Second)

	// The timed part: every chat sends a line each --every, the chats'
	// sends spread evenly over that period.
	t2 := time.Now()
	for i, ch := range chats {
		if ch == nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer ch.snd.CloseNow()
			defer ch.rcv.CloseNow()
			offset := time.Duration(int64(*every) * int64(i) / int64(max(*active, 1)))
			for j := range *messages {
				time.Sleep(time.Until(t2.Add(offset + time.Duration(j)**every)))
				id := fmt.Sprintf("b%d-%d", i, j)
				b, _ := json.Marshal(map[string]any{"t": "msg", "client_id": id, "text": "load test message " + strconv.Itoa(j)})
				ch.mu.Lock()
				ch.sent[id] = time.Now()
				ch.mu.Unlock()
				if err := ch.snd.Write(ctx, websocket.MessageText, b); err != nil {
					lost.Add(int64(*messages - j))
					return
				}
			}
			deadline := time.After(10 * time.Second)
			for range *messages {
				select {
				case <-ch.got:
				case <-deadline:
					ch.mu.Lock()
					lost.Add(int64(len(ch.sent)))
					ch.mu.Unlock()
					return
				}
			}
		}()
	}
	wg.Wait()
	slices.Sort(lats)
	pct := func(p float64) time.Duration {
		if len(lats) == 0 {
			return 0
		}
		return lats[min(len(lats)-1, int(p*float64(len(lats))))]
	}
	elapsed := time.Since(t2)
	fmt.Fprintf(stdout, "active chats: %d, %d messages delivered in %s, %d lost, %d setup failures\n",
		*active, len(lats), elapsed.Round(time.Millisecond), lost.Load(), failed.Load())
	if e := firstErr.Load(); e != nil {
		fmt.Fprintf(stdout, "first setup failure: %s\n", e)
	}
	fmt.Fprintf(stdout, "fan-out latency: p50 %s, p99 %s, max %s (%.0f messages a second)\n", pct(0.50).Round(10*time.Microsecond),
		pct(0.99).Round(10*time.Microsecond), pct(1).Round(10*time.Microsecond), float64(len(lats))/elapsed.Seconds())
	for _, c := range conns {
		c.Close(websocket.StatusNormalClosure, "")
	}
	return nil
}

// figures are the server's own, from its /metrics (zero without).
type figures struct {
	rss        float64 // resident memory
	inUse      float64 // heap and goroutine stacks in use
	goroutines float64
}

func serverFigures(ctx context.Context, hc *http.Client, url string) figures {
	m := metricValues(ctx, hc, url, "process_resident_memory_bytes", "go_memstats_heap_inuse_bytes", "go_memstats_stack_inuse_bytes", "go_goroutines")
	return figures{rss: m[0], inUse: m[1] + m[2], goroutines: m[3]}
}

// metricValues reads the named metrics (without labels) from a /metrics
// URL (zeros when there is none).
func metricValues(ctx context.Context, hc *http.Client, url string, names ...string) []float64 {
	out := make([]float64, len(names))
	if url == "" {
		return out
	}
	req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
	res, err := hc.Do(req)
	if err != nil {
		return out
	}
	defer res.Body.Close()
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		for i, name := range names {
			if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
					out[i] = f
				}
			}
		}
	}
	return out
}
