package desk

import "strings"

// Status is a ticket's place in Zendesk's life cycle. It encodes to JSON as
// the plain string Zendesk uses.
type Status string

// Ticket statuses, in life-cycle order.
const (
	StatusNew     Status = "new"
	StatusOpen    Status = "open"
	StatusPending Status = "pending"
	StatusHold    Status = "hold"
	StatusSolved  Status = "solved"
	StatusClosed  Status = "closed"
)

// Ticket priorities, lowest first, and ticket types.
const (
	PriorityLow    = "low"
	PriorityNormal = "normal"
	PriorityHigh   = "high"
	PriorityUrgent = "urgent"

	TypeQuestion = "question"
	TypeIncident = "incident"
	TypeProblem  = "problem"
	TypeTask     = "task"
)

// Ticket statuses, priorities and types, spelled as Zendesk spells them, in
// rank order (for forms and search).
var (
	Statuses   = []string{string(StatusNew), string(StatusOpen), string(StatusPending), string(StatusHold), string(StatusSolved), string(StatusClosed)}
	Priorities = []string{PriorityLow, PriorityNormal, PriorityHigh, PriorityUrgent}
	Types      = []string{TypeQuestion, TypeIncident, TypeProblem, TypeTask}
)

// ParseStatus returns the status named s (any case, surrounding space
// ignored), and whether s names one.
func ParseStatus(s string) (Status, bool) {
	st := Status(strings.ToLower(strings.TrimSpace(s)))
	return st, StatusRank(string(st)) >= 0
}

// StatusRank orders statuses for `status<solved` style comparisons; -1 for
// an unknown status.
func StatusRank(s string) int { return indexOf(Statuses, s) }

// Rank is the status's place in the life cycle (see StatusRank).
func (s Status) Rank() int { return StatusRank(string(s)) }

// PriorityRank orders priorities for `priority>normal` comparisons.
func PriorityRank(s string) int { return indexOf(Priorities, s) }

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}

// Via says through which channel something arrived.
type Via struct {
	Channel string    `json:"channel"`
	Source  ViaSource `json:"source"`
}

// ViaSource carries the addresses of the channel (email from/to, etc.).
type ViaSource struct {
	From map[string]any `json:"from"`
	To   map[string]any `json:"to"`
	Rel  *string        `json:"rel"`
}

// NewVia builds a Via with empty source maps, which clients expect as {}.
func NewVia(channel string) Via {
	return Via{Channel: channel, Source: ViaSource{From: map[string]any{}, To: map[string]any{}}}
}

// CustomFieldValue is one entry of a ticket's custom_fields.
type CustomFieldValue struct {
	ID    int64 `json:"id"`
	Value any   `json:"value"`
}

// Ticket is the unit of work: one enquiry and its conversation.
type Ticket struct {
	ID                   int64              `json:"id"`
	URL                  string             `json:"url,omitempty"`
	ExternalID           *string            `json:"external_id"`
	Type                 *string            `json:"type"`
	Subject              string             `json:"subject"`
	RawSubject           string             `json:"raw_subject"`
	Description          string             `json:"description"`
	Priority             *string            `json:"priority"`
	Status               Status             `json:"status"`
	Recipient            *string            `json:"recipient"`
	RequesterID          int64              `json:"requester_id"`
	SubmitterID          int64              `json:"submitter_id"`
	AssigneeID           *int64             `json:"assignee_id"`
	OrganizationID       *int64             `json:"organization_id"`
	GroupID              *int64             `json:"group_id"`
	CollaboratorIDs      []int64            `json:"collaborator_ids"`
	FollowerIDs          []int64            `json:"follower_ids"`
	EmailCCIDs           []int64            `json:"email_cc_ids"`
	ProblemID            *int64             `json:"problem_id"`
	HasIncidents         bool               `json:"has_incidents"`
	IsPublic             bool               `json:"is_public"`
	DueAt                Time               `json:"due_at"`
	Tags                 []string           `json:"tags"`
	CustomFields         []CustomFieldValue `json:"custom_fields"`
	Fields               []CustomFieldValue `json:"fields"`
	Via                  Via                `json:"via"`
	SatisfactionRating   any                `json:"satisfaction_rating"`
	TicketFormID         *int64             `json:"ticket_form_id"`
	BrandID              *int64             `json:"brand_id"`
	AllowChannelback     bool               `json:"allow_channelback"`
	AllowAttachments     bool               `json:"allow_attachments"`
	FromMessagingChannel bool               `json:"from_messaging_channel"`
	CreatedAt            Time               `json:"created_at"`
	UpdatedAt            Time               `json:"updated_at"`
	// GeneratedTimestamp is the Unix second of the last change (Zendesk's
	// generated_timestamp), filled by MarshalJSON from UpdatedAt.
	GeneratedTimestamp int64 `json:"generated_timestamp"`
	// Version increments on every change; it backs safe_update.
	Version int64 `json:"-"`
	// DeletedAt is set while the ticket sits in the deleted-tickets list.
	DeletedAt Time `json:"-"`
	// SolvedAt is when the ticket last reached solved (zero if it never
	// did): a satisfaction rating belongs to one solve, so a ticket never
	// solved has none to look up.
	SolvedAt Time `json:"-"`

	// p6b-misc: keys Zendesk has that Frontdesk holds no value for; the
	// serializer (json.go) writes them as null or [].
	ForumTopicID        *int64  `json:"forum_topic_id"`
	SharingAgreementIDs []int64 `json:"sharing_agreement_ids"`
	CustomStatusID      *int64  `json:"custom_status_id"`
	FollowupIDs         []int64 `json:"followup_ids"`
	ViaFollowupSourceID *int64  `json:"via_followup_source_id"`

	// SLAs is set only when asked for (?include=slas).
	SLAs *TicketSLAs `json:"slas,omitempty"`
}

// Attachment is a file stored with a comment (or pending as an upload).
type Attachment struct {
	ID          int64  `json:"id"`
	URL         string `json:"url,omitempty"`
	FileName    string `json:"file_name"`
	ContentURL  string `json:"content_url"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	Inline      bool   `json:"inline"`
	Deleted     bool   `json:"deleted"`
	// StorageKey names the blob on disk; never sent to clients.
	StorageKey string `json:"-"`
	TicketID   int64  `json:"-"`
	CommentID  int64  `json:"-"`
	UploaderID int64  `json:"-"`
}

// Comment is a public reply or an internal note (Public=false).
type Comment struct {
	ID          int64        `json:"id"`
	Type        string       `json:"type"`
	TicketID    int64        `json:"-"`
	AuthorID    int64        `json:"author_id"`
	Body        string       `json:"body"`
	HTMLBody    string       `json:"html_body"`
	PlainBody   string       `json:"plain_body"`
	Public      bool         `json:"public"`
	Attachments []Attachment `json:"attachments"`
	AuditID     int64        `json:"audit_id"`
	Via         Via          `json:"via"`
	// Metadata is its audit's metadata, as Zendesk shows it on comments.
	Metadata  map[string]any `json:"metadata"`
	CreatedAt Time           `json:"created_at"`
}

// AuditEvent is one change within an audit.
type AuditEvent struct {
	ID            int64  `json:"id"`
	Type          string `json:"type"`
	FieldName     string `json:"field_name,omitempty"`
	Value         any    `json:"value,omitempty"`
	PreviousValue any    `json:"previous_value,omitempty"`
	// Comment events carry the comment's fields inline, as Zendesk does.
	Body     string `json:"body,omitempty"`
	HTMLBody string `json:"html_body,omitempty"`
	Public   *bool  `json:"public,omitempty"`
	AuthorID int64  `json:"author_id,omitempty"`
	// CommentID names the comment of a CommentPrivacyChange event.
	CommentID int64 `json:"comment_id,omitempty"`
	// Via is set on changes a business rule made (channel "rule", source
	// naming the trigger), as Zendesk marks them.
	Via *Via `json:"via,omitempty"`
	// MacroID and MacroTitle name the macro of an AgentMacroReference
	// event (a change an agent made by applying a macro).
	MacroID    int64  `json:"macro_id,omitempty"`
	MacroTitle string `json:"macro_title,omitempty"`
	// Message is the text of an Error event (Zendesk's shape), in
	// English; ErrorCode names the kind of error for localized display
	// (e.g. "trigger_loop", whose Value lists the triggers' titles).
	Message   string `json:"message,omitempty"`
	ErrorCode string `json:"error_code,omitempty"`
}

// Audit records who changed a ticket, when, through which channel, and how.
type Audit struct {
	ID        int64          `json:"id"`
	TicketID  int64          `json:"ticket_id"`
	AuthorID  int64          `json:"author_id"`
	Via       Via            `json:"via"`
	Metadata  map[string]any `json:"metadata"`
	Events    []AuditEvent   `json:"events"`
	CreatedAt Time           `json:"created_at"`
}

// TicketField is a custom ticket field definition (or a system one).
// System fields (Type one of SystemFieldTypes) have Removable false.
type TicketField struct {
	ID                 int64               `json:"id"`
	URL                string              `json:"url,omitempty"`
	Type               string              `json:"type"`
	Title              string              `json:"title"`
	RawTitle           string              `json:"raw_title"`
	Description        string              `json:"description"`
	RawDescription     string              `json:"raw_description"`
	Position           int                 `json:"position"`
	Active             bool                `json:"active"`
	Required           bool                `json:"required"`
	CollapsedForAgents bool                `json:"collapsed_for_agents"`
	TitleInPortal      string              `json:"title_in_portal"`
	RawTitleInPortal   string              `json:"raw_title_in_portal"`
	VisibleInPortal    bool                `json:"visible_in_portal"`
	EditableInPortal   bool                `json:"editable_in_portal"`
	RequiredInPortal   bool                `json:"required_in_portal"`
	AgentCanEdit       bool                `json:"agent_can_edit"`
	Tag                *string             `json:"tag"`
	CustomFieldOptions []FieldOption       `json:"custom_field_options,omitempty"`
	SystemFieldOptions []SystemFieldOption `json:"system_field_options,omitempty"`
	Removable          bool                `json:"removable"`
	CreatedAt          Time                `json:"created_at"`
	UpdatedAt          Time                `json:"updated_at"`
}

// System ticket field types, as Zendesk names them.
const (
	FieldSubject     = "subject"
	FieldDescription = "description"
	FieldStatus      = "status"
	FieldTicketType  = "tickettype"
	FieldPriority    = "priority"
	FieldGroup       = "group"
	FieldAssignee    = "assignee"
)

// SystemFieldTypes are the types of the system fields, in Zendesk's order.
var SystemFieldTypes = []string{FieldSubject, FieldDescription, FieldStatus, FieldTicketType, FieldPriority, FieldGroup, FieldAssignee}

// IsSystemField says whether a field of type typ is a system field.
func IsSystemField(typ string) bool { return indexOf(SystemFieldTypes, typ) >= 0 }

// SystemFieldOption is one value of a system field with fixed values
// (status, tickettype, priority).
type SystemFieldOption struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// FieldOption is one choice of a dropdown (tagger) field.
type FieldOption struct {
	ID       int64  `json:"id"`
	URL      string `json:"url,omitempty"`
	Name     string `json:"name"`
	RawName  string `json:"raw_name,omitempty"`
	Value    string `json:"value"`
	Position int    `json:"position"`
	Default  bool   `json:"default"`
}

// TicketForm is a named set of ticket fields, shown in this order to agents
// and (when EndUserVisible) in the portal, with conditions that show or
// require child fields when a parent field has a given value.
type TicketForm struct {
	ID                 int64           `json:"id"`
	URL                string          `json:"url,omitempty"`
	Name               string          `json:"name"`
	RawName            string          `json:"raw_name"`
	DisplayName        string          `json:"display_name"`
	RawDisplayName     string          `json:"raw_display_name"`
	Position           int             `json:"position"`
	Active             bool            `json:"active"`
	EndUserVisible     bool            `json:"end_user_visible"`
	Default            bool            `json:"default"`
	InAllBrands        bool            `json:"in_all_brands"`
	RestrictedBrandIDs []int64         `json:"restricted_brand_ids"`
	TicketFieldIDs     []int64         `json:"ticket_field_ids"`
	AgentConditions    []FormCondition `json:"agent_conditions"`
	EndUserConditions  []FormCondition `json:"end_user_conditions"`
	CreatedAt          Time            `json:"created_at"`
	UpdatedAt          Time            `json:"updated_at"`
}

// FormCondition shows ChildFields when the parent field has Value (an
// option's tag for a dropdown, true or false for a checkbox).
type FormCondition struct {
	ParentFieldID int64        `json:"parent_field_id"`
	Value         any          `json:"value"`
	ChildFields   []ChildField `json:"child_fields"`
}

// ChildField is a field a condition shows, and whether it is then required
// (for agents, optionally only on some statuses).
type ChildField struct {
	ID                 int64               `json:"id"`
	IsRequired         bool                `json:"is_required"`
	RequiredOnStatuses *RequiredOnStatuses `json:"required_on_statuses,omitempty"`
}

// RequiredOnStatuses is Zendesk's agent-condition status rule: type
// NO_STATUSES, ALL_STATUSES or SOME_STATUSES (with Statuses).
type RequiredOnStatuses struct {
	Type     string   `json:"type"`
	Statuses []string `json:"statuses,omitempty"`
}
