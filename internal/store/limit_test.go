package store

import (
	"slices"
	"testing"
)

func TestPage(t *testing.T) {
	for _, c := range []struct {
		n, offset int
		clause    string
		args      []any
	}{
		{101, 0, " LIMIT 101", nil},
		{26, 50, " LIMIT 26 OFFSET ?", []any{50}},
		{-3, 0, " LIMIT 0", nil},                  // never a negative literal
		{10, -5, " LIMIT 10 OFFSET ?", []any{-5}}, // passed on as before (PostgreSQL rejects it)
	} {
		clause, args := Page(c.n, c.offset)
		if clause != c.clause || !slices.Equal(args, c.args) {
			t.Errorf("Page(%d, %d) = %q %v, want %q %v", c.n, c.offset, clause, args, c.clause, c.args)
		}
	}
}
