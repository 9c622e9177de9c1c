package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
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
