package ticket

import (
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/frontdesk/frontdesk/internal/desk"
)

// Input is a create or update request. Absent fields leave the ticket alone.
// Field names follow Zendesk's ticket JSON, so the API decodes into it
// directly.
type Input struct {
	Subject         *string                 `json:"subject"`
	RawSubject      *string                 `json:"raw_subject"`
	Description     *string                 `json:"description"`
	Comment         *CommentInput           `json:"comment"`
	Requester       *RequesterInput         `json:"requester"`
	RequesterID     desk.NullID             `json:"requester_id,omitzero"`
	SubmitterID     desk.NullID             `json:"submitter_id,omitzero"`
	AssigneeID      desk.NullID             `json:"assignee_id,omitzero"`
	AssigneeEmail   *string                 `json:"assignee_email"`
	GroupID         desk.NullID             `json:"group_id,omitzero"`
	OrganizationID  desk.NullID             `json:"organization_id,omitzero"`
	ProblemID       desk.NullID             `json:"problem_id,omitzero"`
	Status          *string                 `json:"status"`
	Priority        desk.NullString         `json:"priority,omitzero"`
	Type            desk.NullString         `json:"type,omitzero"`
	ExternalID      desk.NullString         `json:"external_id,omitzero"`
	Recipient       desk.NullString         `json:"recipient,omitzero"`
	DueAt           *desk.Time              `json:"due_at"`
	Tags            *[]string               `json:"tags,omitempty"`
	AdditionalTags  []string                `json:"additional_tags,omitempty"`
	RemoveTags      []string                `json:"remove_tags,omitempty"`
	CustomFields    []desk.CustomFieldValue `json:"custom_fields,omitempty"`
	Fields          []desk.CustomFieldValue `json:"fields,omitempty"`
	TicketFormID    desk.NullID             `json:"ticket_form_id,omitzero"`
	CollaboratorIDs *[]int64                `json:"collaborator_ids"`
	FollowerIDs     *[]int64                `json:"follower_ids"`
	EmailCCIDs      *[]int64                `json:"email_cc_ids"`
	// Zendesk's other ways to name CCs and followers (see collaborators.go).
	Collaborators           *[]CollaboratorRef `json:"collaborators"`
	AdditionalCollaborators []CollaboratorRef  `json:"additional_collaborators,omitempty"`
	EmailCCs                []CCAction         `json:"email_ccs,omitempty"`
	Followers               []CCAction         `json:"followers,omitempty"`
	SafeUpdate              bool               `json:"safe_update"`
	UpdatedStamp            *desk.Time         `json:"updated_stamp"`
	// Via overrides the principal's channel (email, web, chat adapters).
	Via string `json:"-"`
	// Portal marks a submission of the portal's web form: the form's
	// end-user rules apply whoever files it (anonymous visitors' requests
	// are filed by the system principal).
	Portal bool `json:"-"`
	// ViaSource records channel addresses (email from/to).
	ViaSource *desk.ViaSource `json:"-"`
}

// CommentInput is a reply or internal note added with a create or update.
type CommentInput struct {
	Body     string      `json:"body"`
	HTMLBody string      `json:"html_body"`
	Public   *bool       `json:"public"`
	AuthorID desk.NullID `json:"author_id,omitzero"`
	Uploads  []string    `json:"uploads"`
	// ViaSource records the channel's addresses on the comment (email
	// from/to); set by channels, never decoded from a request.
	ViaSource *desk.ViaSource `json:"-"`
	// MailHTML is the HTML part of a received e-mail, shown as the
	// comment's html_body (sanitized again here) while Body, the mail's
	// text part, stays its plain body. Set by the email channel only.
	MailHTML string `json:"-"`

	// rendered, body and html cache the sanitized forms (see render).
	rendered   bool
	body, html string
}

// RequesterInput names a requester found or created by email.
type RequesterInput struct {
	Name     string `json:"name"`
	Email    string `json:"email"`
	LocaleID any    `json:"locale_id"`
	// FromMail marks the sender of a received e-mail: an address on a
	// single-label host ("root@localhost") is accepted for it (see
	// people.NormalizeSenderEmail). Set by the email channel only.
	FromMail bool `json:"-"`
}

// Limits that keep one request from bloating the store.
const (
	maxSubject  = 255
	maxBody     = 64 << 10
	maxTags     = 100
	maxTagLen   = 80
	maxUploads  = 20
	maxCCs      = 48
	maxExternal = 255
)

// NormalizeTags lower-cases tags, splits on spaces (as Zendesk does), drops
// empties and duplicates and keeps the input order.
func NormalizeTags(in []string) ([]string, error) {
	out := []string{}
	for _, t := range in {
		for _, part := range strings.Fields(t) {
			part = strings.ToLower(strings.TrimSpace(part))
			if part == "" || slices.Contains(out, part) {
				continue
			}
			if utf8.RuneCountInString(part) > maxTagLen || strings.ContainsAny(part, "\x00,") {
				return nil, desk.Invalid("tags", "is invalid: "+trimFor(part))
			}
			out = append(out, part)
		}
	}
	if len(out) > maxTags {
		return nil, desk.Invalid("tags", "has too many tags")
	}
	return out, nil
}

func trimFor(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

func validEnum(list []string, v string) bool { return slices.Contains(list, v) }
