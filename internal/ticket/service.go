// Package ticket is the heart of Frontdesk: creating, changing, reading and
// merging tickets, with Zendesk's status rules, authorization for every
// principal, and an audit of every change.
package ticket

import (
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/frontdesk/frontdesk/internal/attach"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/events"
	"github.com/frontdesk/frontdesk/internal/settings"
	"github.com/frontdesk/frontdesk/internal/store"
)

// Service implements ticket operations. It is safe for concurrent use.
type Service struct {
	DB     *store.DB
	Events *events.Bus
	Blobs  *attach.Store
	// OnJob is called after a commit that enqueued jobs, to wake the runner.
	OnJob func()
	// Settings is the process's settings service (nil: uncached reads).
	Settings *settings.Service
	// ExportLag is how recent a change incremental exports leave out
	// (zero: DefaultExportLag).
	ExportLag time.Duration

	counts countCache
	// defaultForm is the default form's id (nil while there are no
	// forms) for the configuration epoch it was read at.
	defaultForm store.Cached[*int64]

	hooksMu sync.RWMutex
	hooks   []namedHook
	// assigner picks an assignee for unassigned tickets entering a group
	// (SetAutoAssigner); nil: none.
	assigner AutoAssigner
}

// New returns a Service. Its count cache listens on bus, so a ticket change
// made by this instance or (through the relay) by another one drops the
// cached counts.
func New(db *store.DB, bus *events.Bus, blobs *attach.Store) *Service {
	s := &Service{DB: db, Events: bus, Blobs: blobs}
	if bus != nil {
		bus.Subscribe(func(e events.Event) {
			switch e.Type {
			case events.TicketCreated, events.TicketUpdated, events.TicketDeleted, events.TicketRestored:
				s.counts.clear()
			}
		})
	}
	return s
}

// Setting keys that change ticket rules.
const (
	// SettingAssignOnSolve makes an agent who solves an unassigned ticket
	// its assignee when true (the default); when false solving needs an
	// assignee.
	SettingAssignOnSolve = settings.KeyAssignOnSolve
	// SettingOwner holds the account owner's user ID, who sees every ticket
	// including those of private groups.
	SettingOwner = desk.SettingOwner
)

// settings returns the settings service (an uncached one when none is set).
func (s *Service) settingsSvc() *settings.Service {
	return settings.Or(s.Settings, s.DB, s.Events)
}

// visibility returns a SQL condition (over alias t) limiting tickets to those
// p may see, with its arguments. Every read path — show, lists, search,
// exports, attachments, and the per-ticket checks loadVisibleTx and
// canSeeTx — goes through here, so the rule exists once.
//
// Staff see tickets within their role's ticket access (all; their groups'
// and those assigned to them; or those assigned to or requested by them),
// and never a private group's tickets unless they are a member or the
// account owner. End-users see what they requested, are copied on, or what
// any organization they belong to shares.
func visibility(p *desk.Principal) (string, []any) {
	switch {
	case p.System:
		return "1=1", nil
	case p.IsStaff():
		// Private groups: their tickets are seen only by members and the
		// account owner; every other agent and admin gets "not found".
		cond := `(t.group_id IS NULL
			OR EXISTS (SELECT 1 FROM agent_groups g WHERE g.id = t.group_id AND g.is_public = ?)
			OR EXISTS (SELECT 1 FROM group_memberships m WHERE m.group_id = t.group_id AND m.user_id = ?)
			OR EXISTS (SELECT 1 FROM settings o WHERE o.key = ? AND o.value = ?))`
		args := []any{true, p.UserID, SettingOwner, strconv.FormatInt(p.UserID, 10)}
		switch p.Can().TicketAccess {
		case desk.TicketAccessAll:
			return cond, args
		case desk.TicketAccessGroups:
			return `(` + cond + ` AND (t.assignee_id = ?
				OR EXISTS (SELECT 1 FROM group_memberships mg WHERE mg.group_id = t.group_id AND mg.user_id = ?)))`,
				append(args, p.UserID, p.UserID)
		case desk.TicketAccessAssigned:
			return `(` + cond + ` AND (t.assignee_id = ? OR t.requester_id = ?))`, append(args, p.UserID, p.UserID)
		}
		return "1=0", nil // a role without ticket access sees none
	default:
		cond := `(t.requester_id = ? OR t.id IN (SELECT c.ticket_id FROM ticket_collaborators c WHERE c.user_id = ?)`
		args := []any{p.UserID, p.UserID}
		// Shared tickets of each organization the user belongs to.
		cond += ` OR t.organization_id IN (SELECT om.organization_id FROM organization_memberships om
			JOIN organizations o ON o.id = om.organization_id WHERE om.user_id = ? AND o.shared_tickets = ?)`
		args = append(args, p.UserID, true)
		return cond + ")", args
	}
}

// Visibility exposes the rule to the search package.
func Visibility(p *desk.Principal) (string, []any) { return visibility(p) }

func (s *Service) notifyJobs() {
	if s.OnJob != nil {
		s.OnJob()
	}
}

// wrapf adds context ("ticket: update 7: …") to an error leaving the
// service. A *desk.Error is returned as it is: its code and user-safe
// message are what adapters show, and callers may inspect it directly.
// Anything else (a database failure, a hook's error) gets the context, and
// desk.ErrorCode still finds any desk error wrapped inside it.
func wrapf(err error, format string, args ...any) error {
	if _, ok := err.(*desk.Error); ok || err == nil {
		return err
	}
	return fmt.Errorf(format+": %w", append(args, err)...)
}
