package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// TestBenchCompareEcho: with --compare-echo the load tool sends the same
// number of creates to its own JSON echo and prints the server's rate as a
// share of the echo's.
func TestBenchCompareEcho(t *testing.T) {
	var got atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, _, ok := r.BasicAuth(); !ok || u != "a@b.test/token" || r.URL.Path != "/api/v2/tickets.json" {
			http.Error(w, "unexpected", http.StatusBadRequest)
			return
		}
		got.Add(1)
		w.WriteHeader(http.StatusCreated)
	}))
	defer srv.Close()
	var out bytes.Buffer
	err := run(context.Background(), []string{"bench", "--url", srv.URL, "--email", "a@b.test", "--token", "t",
		"--clients", "3", "--creates", "60", "--lists", "0", "--searches", "0", "--compare-echo"}, nil, &out, &out)
	if err != nil {
		t.Fatal(err)
	}
	if got.Load() != 60 {
		t.Fatalf("the server got %d creates, want 60", got.Load())
	}
	for _, row := range []string{`create ticket \(POST\)\s+60\s`, `bare net/http JSON echo\s+60\s+\S+\s+\S+\s+\S+\s+\S+\s+0\n`} {
		if !regexp.MustCompile(row).MatchString(out.String()) {
			t.Fatalf("no row %q in\n%s", row, out.String())
		}
	}
	m := regexp.MustCompile(`creates / echo: ([0-9.]+)\n`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no ratio in\n%s", out.String())
	}
	if r, _ := strconv.ParseFloat(m[1], 64); r <= 0 {
		t.Fatalf("ratio %v", r)
	}
}

// TestBenchSeedRepeatsTheWords: with --seed a run can be repeated (a
// second run then meets only words the server has read, which separates a
// cold cache from a slow query); without it every run draws new words.
func TestBenchSeedRepeatsTheWords(t *testing.T) {
	queries := func(seed ...string) []string {
		var mu sync.Mutex
		var qs []string
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			qs = append(qs, r.URL.RawQuery)
			mu.Unlock()
			w.Write([]byte(`{}`))
		}))
		defer srv.Close()
		var out bytes.Buffer
		args := append([]string{"bench", "--url", srv.URL, "--email", "a@b.test", "--token", "t",
			"--clients", "1", "--creates", "0", "--lists", "0", "--searches", "40"}, seed...)
		if err := run(context.Background(), args, nil, &out, &out); err != nil {
			t.Fatal(err)
		}
		if len(qs) != 40 {
			t.Fatalf("%d searches, want 40", len(qs))
		}
		return qs
	}
	a, b := queries("--seed", "7"), queries("--seed", "7")
	if !slices.Equal(a, b) {
		t.Fatalf("the same seed drew different searches:\n%v\n%v", a, b)
	}
	if c := queries("--seed", "8"); slices.Equal(a, c) {
		t.Fatal("seeds 7 and 8 drew the same searches")
	}
	if c, d := queries(), queries(); slices.Equal(c, d) {
		t.Fatal("two runs without --seed drew the same searches")
	}
}

// TestBenchReadsWholeAnswers: the load tool reads every answer to its end
// without keeping it, so a large list costs no error and one cut short
// (fewer bytes than its Content-Length) or refused counts as an error.
func TestBenchReadsWholeAnswers(t *testing.T) {
	big := bytes.Repeat([]byte("x"), 300<<10)
	lists := func(h http.HandlerFunc) string {
		srv := httptest.NewServer(h)
		defer srv.Close()
		var out bytes.Buffer
		err := run(context.Background(), []string{"bench", "--url", srv.URL, "--email", "a@b.test", "--token", "t",
			"--clients", "2", "--creates", "0", "--lists", "10", "--searches", "0"}, nil, &out, &out)
		if err != nil {
			t.Fatal(err)
		}
		return out.String()
	}
	errorsIn := func(out string) string {
		m := regexp.MustCompile(`list tickets \([^)]*\)\s+10\s+\S+\s+\S+\s+\S+\s+\S+\s+(\d+)\n`).FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("no list row in\n%s", out)
		}
		return m[1]
	}
	if out := lists(func(w http.ResponseWriter, r *http.Request) { w.Write(big) }); errorsIn(out) != "0" {
		t.Fatalf("a 300 KB answer read as an error:\n%s", out)
	}
	cut := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(big)))
		w.Write(big[:len(big)/2])
		panic(http.ErrAbortHandler) // close the connection mid-body
	}
	if out := lists(cut); errorsIn(out) != "10" || !strings.Contains(out, "unexpected EOF") {
		t.Fatalf("answers cut short were not counted as errors:\n%s", out)
	}
	refused := func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"error":"Forbidden"}`+string(big), http.StatusForbidden)
	}
	if out := lists(refused); errorsIn(out) != "10" || !strings.Contains(out, `403 {"error":"Forbidden"}xxx`) {
		t.Fatalf("refused answers were not counted as errors:\n%s", out)
	}
}
