package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/search"
)

// benchPage is a page of 100 tickets and the 25 users a page sideloads,
// shaped like seeded ones (email via, tags, a custom field, timestamps).
func benchPage() ([]*desk.Ticket, []*desk.User) {
	now := desk.Time{Time: time.Date(2026, 11, 30, 18, 0, 0, 0, time.UTC)}
	ts := make([]*desk.Ticket, 100)
	for i := range ts {
		prio, typ := "normal", "question"
		group := int64(3)
		via := desk.NewVia("email")
		via.Source.From = map[string]any{"address": fmt.Sprintf("customer%d@bench.test", i), "name": "Bench Customer"}
		via.Source.To = map[string]any{"address": "support@example.test", "name": "Support"}
		ts[i] = &desk.Ticket{
			ID: int64(100000 - i), URL: fmt.Sprintf("http://127.0.0.1:8080/api/v2/tickets/%d.json", 100000-i),
			Subject: "Printer on the third floor will not print double-sided", RawSubject: "Printer on the third floor will not print double-sided",
			Description: "Since the update yesterday the printer only prints one side & asks for <manual> feed. Could you take a look?",
			Priority:    &prio, Type: &typ, Status: desk.Status("open"), RequesterID: int64(200 + i%25), SubmitterID: int64(200 + i%25),
			GroupID: &group, Tags: []string{"printer", "floor3"}, IsPublic: true,
			CustomFields: []desk.CustomFieldValue{{ID: 1, Value: "hardware"}, {ID: 2, Value: nil}},
			Via:          via, CreatedAt: now, UpdatedAt: now,
		}
	}
	us := make([]*desk.User, 25)
	for i := range us {
		us[i] = &desk.User{ID: int64(200 + i), URL: fmt.Sprintf("http://127.0.0.1:8080/api/v2/users/%d.json", 200+i),
			Name: "Bench Customer", Email: fmt.Sprintf("customer%d@bench.test", i), Role: desk.RoleEndUser,
			Locale: "en-US", TimeZone: "UTC", Active: true, Verified: true, LocaleID: 1, CreatedAt: now, UpdatedAt: now}
	}
	return ts, us
}

type discardWriter struct{ h http.Header }

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d *discardWriter) WriteHeader(int)             {}

// BenchmarkEncodeTickets encodes a list response of 100 tickets (and one of
// 25 tickets with their users sideloaded) the way main did before the hand
// encoder (encoding/json over the wire forms) and through writeJSON now.
func BenchmarkEncodeTickets(b *testing.B) {
	ts, us := benchPage()
	body := func(n int, users bool) map[string]any {
		m := map[string]any{"tickets": ts[:n], "count": n, "next_page": nil, "previous_page": nil,
			"meta":  map[string]any{"has_more": true, "after_cursor": "abc", "before_cursor": "xyz"},
			"links": map[string]any{"next": "http://127.0.0.1:8080/api/v2/tickets.json?page%5Bafter%5D=abc", "prev": nil}}
		if users {
			m["users"] = us
		}
		return m
	}
	for _, c := range []struct {
		name  string
		n     int
		users bool
	}{{"100", 100, false}, {"25+users", 25, true}} {
		b.Run(c.name+"/encoding-json", func(b *testing.B) {
			b.ReportAllocs()
			var buf bytes.Buffer
			for b.Loop() {
				m := body(c.n, c.users)
				m["tickets"] = desk.WireTickets(derefs(ts[:c.n]))
				if c.users {
					m["users"] = desk.WireUsers(derefs(us))
				}
				buf.Reset()
				if err := json.NewEncoder(&buf).Encode(m); err != nil {
					b.Fatal(err)
				}
			}
			b.SetBytes(int64(buf.Len()))
		})
		b.Run(c.name+"/hand", func(b *testing.B) {
			b.ReportAllocs()
			w := &discardWriter{h: http.Header{}}
			for b.Loop() {
				if err := writeJSON(w, 200, body(c.n, c.users)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func derefs[T any](xs []*T) []T {
	out := make([]T, len(xs))
	for i, x := range xs {
		out[i] = *x
	}
	return out
}

// BenchmarkSearchResults: a page of 100 ticket hits as the search API
// writes it. "reflection" is the form before the hand encoder (each hit
// through json.Marshal of the record, spliced after result_type); "hand"
// is searchResults.
func BenchmarkSearchResults(b *testing.B) {
	ts, _ := benchPage()
	r := httptest.NewRequest("GET", "http://desk.example/api/v2/search.json?query=x", nil)
	res := make([]search.Result, len(ts))
	for i, t := range ts {
		res[i] = search.Result{Type: "ticket", ID: t.ID, Ticket: t}
	}
	w := &discardWriter{h: http.Header{}}
	b.Run("reflection", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			out := make([]any, 0, len(ts))
			for _, t := range ts {
				data, err := json.Marshal(t.Wire())
				if err != nil {
					b.Fatal(err)
				}
				out = append(out, json.RawMessage(append([]byte(`{"result_type":"ticket",`), data[1:]...)))
			}
			if err := json.NewEncoder(w).Encode(map[string]any{"results": out, "count": len(out)}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("hand", func(b *testing.B) {
		b.ReportAllocs()
		s := &Server{}
		for b.Loop() {
			out, err := s.searchResults(r, res)
			if err != nil {
				b.Fatal(err)
			}
			if err := writeJSON(w, 200, map[string]any{"results": out, "count": len(out)}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
