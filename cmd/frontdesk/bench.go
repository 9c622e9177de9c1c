package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// benchEnv reads FRONTDESK_<name> for the load tool's own flags (they are
// not server configuration, so they are not in internal/config's table).
func benchEnv(name, def string) string {
	if v, ok := os.LookupEnv("FRONTDESK_" + name); ok {
		return v
	}
	return def
}

// bench is the load tool behind BENCHMARKS.md. It talks to a running
// server over HTTP like any client, so it measures the whole stack: routing,
// authentication, JSON, the services and the store.
func bench(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	base := fs.String("url", benchEnv("BENCH_URL", "http://127.0.0.1:8080"), "server base URL")
	email := fs.String("email", benchEnv("BENCH_EMAIL", ""), "API user email")
	token := fs.String("token", benchEnv("BENCH_TOKEN", ""), "API token")
	clients := fs.Int("clients", 16, "concurrent clients")
	creates := fs.Int("creates", 20000, "tickets to create (0 skips the phase)")
	lists := fs.Int("lists", 2000, "list requests")
	searches := fs.Int("searches", 2000, "search requests")
	seed := fs.Uint64("seed", 0, "seed of the clients' word draws: with the same seed each client draws the same words again, so a second run meets only words the server has already read (0: a new seed from the clock for each run)")
	compareEcho := fs.Bool("compare-echo", false, "also send the creates to a bare net/http JSON echo served by this process, and print the server's rate as a share of it")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *email == "" || *token == "" {
		return errors.New("--email and --token are required")
	}
	tr := &http.Transport{MaxIdleConns: *clients * 2, MaxIdleConnsPerHost: *clients * 2, IdleConnTimeout: time.Minute}
	c := &benchClient{base: *base, email: *email, token: *token, seed: *seed, http: &http.Client{Transport: tr, Timeout: time.Minute}}

	// A Zipf-distributed vocabulary of 5,000 words: a few very common (as
	// "printer" or "invoice" are in a real help desk), most rare. Searches
	// draw from the same distribution, so both cheap and expensive queries
	// are measured.
	vocab := benchVocabulary(benchVocabSize)
	phrase := func(r *rand.Rand, z *rand.Zipf, n int) string {
		b := make([]byte, 0, 8*n)
		for i := range n {
			if i > 0 {
				b = append(b, ' ')
			}
			b = append(b, vocab[z.Uint64()]...)
		}
		return string(b)
	}
	words := vocab
	fmt.Fprintf(stdout, "target %s, %d clients\n\n", *base, *clients)
	fmt.Fprintf(stdout, "%-28s %8s %10s %9s %9s %9s %7s\n", "phase", "requests", "req/s", "p50 ms", "p90 ms", "p99 ms", "errors")

	if *creates > 0 {
		create := func(r *rand.Rand, z *rand.Zipf, i int) (string, string, any) {
			return "POST", "/api/v2/tickets.json", map[string]any{"ticket": map[string]any{
				"subject":   phrase(r, z, 5),
				"comment":   map[string]any{"body": phrase(r, z, 40)},
				"requester": map[string]any{"name": "Bench Customer", "email": fmt.Sprintf("customer%d@bench.test", r.IntN(5000))},
				"priority":  []string{"low", "normal", "high", "urgent"}[r.IntN(4)],
				"tags":      []string{words[r.IntN(200)]},
			}}
		}
		res := c.run(ctx, *clients, *creates, create)
		res.print(stdout, "create ticket (POST)")
		if *compareEcho {
			echo, err := benchEcho(ctx, c, *clients, *creates, create)
			if err != nil {
				return err
			}
			echo.print(stdout, "bare net/http JSON echo")
			fmt.Fprintf(stdout, "creates / echo: %.2f\n", echo.share(res))
		}
	}
	if *lists > 0 {
		res := c.run(ctx, *clients, *lists, func(r *rand.Rand, z *rand.Zipf, i int) (string, string, any) {
			if i%2 == 0 {
				return "GET", "/api/v2/tickets.json?page[size]=100", nil
			}
			return "GET", "/api/v2/tickets.json?sort=-id&page[size]=25&include=users", nil
		})
		res.print(stdout, "list tickets (100 / 25+users)")
	}
	if *searches > 0 {
		res := c.run(ctx, *clients, *searches, func(r *rand.Rand, z *rand.Zipf, i int) (string, string, any) {
			q := phrase(r, z, 1+r.IntN(2))
			switch i % 4 {
			case 1:
				q = "status<solved " + q
			case 2:
				q = "type:ticket priority>normal " + q
			case 3:
				q = "\"" + phrase(r, z, 2) + "\""
			}
			return "GET", "/api/v2/search.json?query=" + url.QueryEscape(q), nil
		})
		res.print(stdout, "search (full text + filters)")
	}
	return nil
}

type benchClient struct {
	base, email, token string
	seed               uint64 // 0: from the clock
	http               *http.Client
}

type benchResult struct {
	n, errs int64
	elapsed time.Duration
	lat     []time.Duration
	lastErr string
}

const benchVocabSize = 5000

// benchVocabulary makes n pronounceable words, with a few Polish and
// German ones (diacritics exercise the folding path).
func benchVocabulary(n int) []string {
	r := rand.New(rand.NewPCG(42, 7))
	first := []string{"printer", "invoice", "login", "password", "refund", "zgłoszenie", "faktura", "drukarka", "Müller", "błąd"}
	syl := []string{"ka", "to", "mi", "ra", "ne", "lo", "su", "pe", "di", "go", "ba", "ze", "wo", "chi", "pra", "sta", "lin", "mor"}
	out := append([]string(nil), first...)
	seen := map[string]bool{}
	for _, w := range first {
		seen[w] = true
	}
	for len(out) < n {
		k := 2 + r.IntN(3)
		w := ""
		for range k {
			w += syl[r.IntN(len(syl))]
		}
		if !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}

func (c *benchClient) run(ctx context.Context, clients, total int, req func(r *rand.Rand, z *rand.Zipf, i int) (string, string, any)) *benchResult {
	var next atomic.Int64
	var mu sync.Mutex
	res := &benchResult{lat: make([]time.Duration, 0, total)}
	start := time.Now()
	var wg sync.WaitGroup
	for w := range clients {
		wg.Go(func() {
			seed := c.seed
			if seed == 0 {
				seed = uint64(time.Now().UnixNano())
			}
			r := rand.New(rand.NewPCG(uint64(w), seed))
			z := rand.NewZipf(r, 1.1, 4, benchVocabSize-1)
			local := make([]time.Duration, 0, total/clients+1)
			for {
				i := int(next.Add(1)) - 1
				if i >= total || ctx.Err() != nil {
					break
				}
				method, path, body := req(r, z, i)
				t0 := time.Now()
				err := c.do(ctx, method, path, body)
				local = append(local, time.Since(t0))
				if err != nil {
					mu.Lock()
					res.errs++
					res.lastErr = err.Error()
					mu.Unlock()
				}
			}
			mu.Lock()
			res.lat = append(res.lat, local...)
			mu.Unlock()
		})
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	res.n = int64(len(res.lat))
	return res
}

func (c *benchClient) do(ctx context.Context, method, path string, body any) error {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return err
	}
	req.SetBasicAuth(c.email+"/token", c.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
		return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, bytes.TrimSpace(b))
	}
	// The body is read to its end (so the connection is reused and the
	// server's whole answer is timed) but not kept, in reads as large as
	// the socket allows: a list's 50-130 KB copied into a growing slice per
	// request cost this tool a fifth of the machine's time per list, time
	// the server it measures then lacked.
	bp := benchReadBuf.Get().(*[]byte)
	defer benchReadBuf.Put(bp)
	for {
		if _, err := resp.Body.Read(*bp); err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
	}
}

var benchReadBuf = sync.Pool{New: func() any { b := make([]byte, 64<<10); return &b }}

func (r *benchResult) print(w io.Writer, name string) {
	slices.Sort(r.lat)
	pct := func(p float64) float64 {
		if len(r.lat) == 0 {
			return 0
		}
		return float64(r.lat[min(len(r.lat)-1, int(float64(len(r.lat))*p))].Microseconds()) / 1000
	}
	fmt.Fprintf(w, "%-28s %8d %10.0f %9.2f %9.2f %9.2f %7d\n", name, r.n, float64(r.n)/r.elapsed.Seconds(), pct(0.50), pct(0.90), pct(0.99), r.errs)
	if r.lastErr != "" {
		fmt.Fprintf(w, "  last error: %s\n", r.lastErr)
	}
}

// benchEcho sends the same requests, from the same number of clients, to a
// bare net/http server in this process that decodes the JSON body and
// answers it back: the ceiling of HTTP plus JSON on this machine, measured
// in the same run as the server it is compared with.
func benchEcho(ctx context.Context, c *benchClient, clients, total int, req func(r *rand.Rand, z *rand.Zipf, i int) (string, string, any)) (*benchResult, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var v any
		if err := json.NewDecoder(r.Body).Decode(&v); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		json.NewEncoder(w).Encode(v)
	})}
	go srv.Serve(ln)
	defer srv.Close()
	echo := *c
	echo.base = "http://" + ln.Addr().String()
	return echo.run(ctx, clients, total, req), nil
}

// share is other's request rate as a fraction of r's.
func (r *benchResult) share(other *benchResult) float64 {
	if r.n == 0 || r.elapsed == 0 || other.elapsed == 0 {
		return 0
	}
	return (float64(other.n) / other.elapsed.Seconds()) / (float64(r.n) / r.elapsed.Seconds())
}
