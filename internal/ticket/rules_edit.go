package ticket

import (
	"slices"

	"github.com/frontdesk/frontdesk/internal/desk"
)

// Ticket is the ticket as this edit has it so far. Callers (rule actions)
// read it; they change it only through the appliers.
func (e *Edit) Ticket() *desk.Ticket { return e.t }

// Creating says whether the edit creates the ticket.
func (e *Edit) Creating() bool { return e.creating }

// AddFollowers adds agents as followers, keeping those already there.
func (e *Edit) AddFollowers(ids []int64) error {
	return e.setCollaborators("follower_ids", "follower_ids", append(slices.Clone(e.t.FollowerIDs), ids...))
}

// AddEmailCCs adds users as email CCs, keeping those already there.
func (e *Edit) AddEmailCCs(ids []int64) error {
	return e.setCollaborators("email_cc_ids", "email_cc_ids", append(slices.Clone(e.t.EmailCCIDs), ids...))
}
