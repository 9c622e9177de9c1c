package views

import (
	"context"
	"encoding/json"
	"slices"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
)

// Restriction types of a view or macro (Zendesk's restriction.type). The
// zero value, no restriction, is a shared record every agent may use.
const (
	RestrictNone  = ""
	RestrictGroup = "Group"
	RestrictUser  = "User"
)

// Restriction limits who uses a view or macro: the members of some groups,
// or one user (a personal record). Zendesk's JSON is {"type", "id", "ids"}
// or null.
type Restriction struct {
	Type string  `json:"type"`
	ID   int64   `json:"id"`
	IDs  []int64 `json:"ids,omitempty"`
}

// Personal reports whether r makes a personal record.
func (r *Restriction) Personal() bool { return r != nil && r.Type == RestrictUser }

// ids returns every id r names (id and ids, without repeats).
func (r *Restriction) ids() []int64 {
	if r == nil {
		return nil
	}
	out := slices.Clone(r.IDs)
	if r.ID != 0 && !slices.Contains(out, r.ID) {
		out = append([]int64{r.ID}, out...)
	}
	return out
}

// StoredRestriction is a restriction as the views and macros tables keep
// it: a type and a JSON array of ids.
type StoredRestriction struct {
	Type string
	IDs  []int64
}

// DecodeRestriction reads the two stored columns.
func DecodeRestriction(typ, ids string) StoredRestriction {
	r := StoredRestriction{Type: typ}
	_ = json.Unmarshal([]byte(ids), &r.IDs)
	return r
}

// API returns the restriction in Zendesk's shape (nil when unrestricted).
func (r StoredRestriction) API() *Restriction {
	if r.Type == RestrictNone || len(r.IDs) == 0 {
		return nil
	}
	out := &Restriction{Type: r.Type, ID: r.IDs[0]}
	if r.Type == RestrictGroup {
		out.IDs = slices.Clone(r.IDs)
	}
	return out
}

// IDsJSON is the ids column.
func (r StoredRestriction) IDsJSON() string {
	if r.IDs == nil {
		return "[]"
	}
	b, _ := json.Marshal(r.IDs)
	return string(b)
}

// Owner is the user of a personal record (0 otherwise).
func (r StoredRestriction) Owner() int64 {
	if r.Type == RestrictUser && len(r.IDs) > 0 {
		return r.IDs[0]
	}
	return 0
}

// Usable reports whether a staff member in groups may use a record with
// this restriction: a shared one always, a group one when in any of its
// groups, a personal one when it is theirs.
func (r StoredRestriction) Usable(p *desk.Principal, groups []int64) bool {
	switch r.Type {
	case RestrictNone:
		return true
	case RestrictGroup:
		for _, g := range r.IDs {
			if slices.Contains(groups, g) {
				return true
			}
		}
		return false
	case RestrictUser:
		return r.Owner() == p.UserID
	}
	return false
}

// Manageable reports whether p may see and change the definition: a
// personal record only its owner; a shared or group one whoever holds
// manage_business_rules.
func (r StoredRestriction) Manageable(p *desk.Principal) bool {
	if p.System {
		return true
	}
	if r.Type == RestrictUser {
		return p.IsStaff() && r.Owner() == p.UserID
	}
	return p.IsStaff() && p.Can().ManageBusinessRules
}

// CheckRestriction validates a requested restriction for p and returns what
// to store. Staff without manage_business_rules may only make personal
// records of their own; a nil request from them makes one. Group ids must
// name existing groups.
func CheckRestriction(ctx context.Context, q store.Querier, p *desk.Principal, in *Restriction, v *desk.Validation) StoredRestriction {
	manager := p.Can().ManageBusinessRules
	if in == nil || in.Type == RestrictNone {
		if manager {
			return StoredRestriction{}
		}
		return StoredRestriction{Type: RestrictUser, IDs: []int64{p.UserID}}
	}
	switch in.Type {
	case RestrictUser:
		id := in.ID
		if id == 0 {
			id = p.UserID
		}
		if id != p.UserID {
			v.Add("restriction", "a personal record belongs to the user who makes it")
		}
		return StoredRestriction{Type: RestrictUser, IDs: []int64{p.UserID}}
	case RestrictGroup:
		if !manager {
			v.Add("restriction", "only a business-rules manager shares with groups")
			return StoredRestriction{}
		}
		ids := in.ids()
		if len(ids) == 0 {
			v.Add("restriction", "names no group")
		}
		if len(ids) > 100 {
			v.Add("restriction", "names more than 100 groups")
			return StoredRestriction{}
		}
		for _, id := range ids {
			var n int
			if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM agent_groups WHERE id = ? AND deleted = ?`, id, false).Scan(&n); err != nil || n == 0 {
				v.Add("restriction", "names an unknown group")
				break
			}
		}
		return StoredRestriction{Type: RestrictGroup, IDs: ids}
	}
	v.Add("restriction", "type must be Group or User")
	return StoredRestriction{}
}

// GroupsOf returns the ids of the groups user belongs to.
func GroupsOf(ctx context.Context, q store.Querier, user int64) ([]int64, error) {
	rows, err := q.Query(ctx, `SELECT group_id FROM group_memberships WHERE user_id = ?`, user)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
