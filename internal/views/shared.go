package views

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
)

// Views and macros share their basic properties (title, description,
// active, position, restriction) and the update_many shape; the code for
// them lives here once, and package macros uses it.

// Basics are the shared properties as an input sets them (nil or empty:
// unchanged).
type Basics struct {
	Title       *string
	Description *string
	Active      *bool
	Position    *int
	Restriction json.RawMessage
}

// Record points at where a view or a macro holds the shared properties.
type Record struct {
	Title       *string
	Description *string
	Active      *bool
	Position    *int
	Stored      *StoredRestriction
}

// ValidPosition reports whether pos is in the range views and macros take,
// on create and update as in update_many.
func ValidPosition(pos int) bool { return pos >= 0 && pos <= 1<<30 }

// ApplyBasics validates in, for principal p, and writes it into rec,
// adding problems to val.
func ApplyBasics(ctx context.Context, q store.Querier, p *desk.Principal, rec Record, in Basics, val *desk.Validation) {
	if in.Title != nil {
		t := strings.TrimSpace(*in.Title)
		switch {
		case t == "":
			val.Add("title", "cannot be blank")
		case utf8.RuneCountInString(t) > maxTitle || !utf8.ValidString(t) || strings.ContainsRune(t, 0):
			val.Add("title", "is not a valid title")
		}
		*rec.Title = t
	}
	if in.Description != nil {
		if len(*in.Description) > 65536 || !utf8.ValidString(*in.Description) || strings.ContainsRune(*in.Description, 0) {
			val.Add("description", "is not valid")
		}
		*rec.Description = *in.Description
	}
	if in.Active != nil {
		*rec.Active = *in.Active
	}
	if in.Position != nil {
		if !ValidPosition(*in.Position) {
			val.Add("position", "is out of range")
		}
		*rec.Position = *in.Position
	}
	if in.Restriction != nil {
		var r *Restriction
		if err := json.Unmarshal(in.Restriction, &r); err != nil {
			val.Add("restriction", "is not a restriction")
		} else {
			*rec.Stored = CheckRestriction(ctx, q, p, r, val)
		}
	}
}

// maxPlacements bounds one update_many.
const maxPlacements = 100

// UpdatePlacements runs an update_many of views or macros (noun, for
// messages), all or nothing: it checks the items, then calls place for
// each inside one transaction (place loads the record, checks the caller
// may manage it, applies the placement with Apply and writes it), and
// returns the ids in order.
func UpdatePlacements(ctx context.Context, db *store.DB, noun string, items []Placement, place func(tx *store.Tx, it Placement) error) ([]int64, error) {
	if len(items) == 0 || len(items) > maxPlacements {
		return nil, desk.Invalid(noun, fmt.Sprintf("takes 1 to %d %s", maxPlacements, noun))
	}
	for _, it := range items {
		if it.Position != nil && !ValidPosition(*it.Position) {
			return nil, desk.Invalid("position", "is out of range")
		}
	}
	ids := make([]int64, 0, len(items))
	err := db.InTx(ctx, func(tx *store.Tx) error {
		for _, it := range items {
			if err := place(tx, it); err != nil {
				return err
			}
			ids = append(ids, it.ID)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ids, nil
}

// Apply sets the position and active flag the placement names.
func (it Placement) Apply(position *int, active *bool) {
	if it.Position != nil {
		*position = *it.Position
	}
	if it.Active != nil {
		*active = *it.Active
	}
}
