package privacy

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/frontdesk/frontdesk/internal/audit"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// The built-in parts. Each reads through the owning service where that
// service has a read for "this person" that the exporter may call, and
// reads the owning package's table directly (never writing it) where the
// only read is the person's own (sessions, alerts, ratings).

// page is the page size of the parts' reads.
const page = 200

func micros(us int64) *time.Time {
	if us <= 0 {
		return nil
	}
	t := time.UnixMicro(us).UTC()
	return &t
}

type profileOrg struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

type profile struct {
	ID               int64          `json:"id"`
	Name             string         `json:"name"`
	Email            string         `json:"email"`
	Phone            string         `json:"phone"`
	Role             desk.Role      `json:"role"`
	Locale           string         `json:"locale"`
	TimeZone         string         `json:"time_zone"`
	Tags             []string       `json:"tags"`
	UserFields       map[string]any `json:"user_fields"`
	Details          string         `json:"details"`
	Notes            *string        `json:"notes,omitempty"`
	ExternalID       *string        `json:"external_id"`
	Verified         bool           `json:"verified"`
	Active           bool           `json:"active"`
	Suspended        bool           `json:"suspended"`
	TwoFactorEnabled bool           `json:"two_factor_enabled"`
	Organizations    []profileOrg   `json:"organizations"`
	LastLoginAt      desk.Time      `json:"last_login_at"`
	CreatedAt        desk.Time      `json:"created_at"`
	UpdatedAt        desk.Time      `json:"updated_at"`
}

// exportProfile writes profile.json: the user record, custom user fields,
// tags and organizations (names only); the staff notes only with internal
// content.
func (s *Service) exportProfile(ctx context.Context, w *PartWriter) (int, error) {
	u, err := s.People.GetUser(ctx, w.Subject.ID)
	if err != nil {
		return 0, err
	}
	orgs, err := s.People.UserOrganizations(ctx, u.ID)
	if err != nil {
		return 0, err
	}
	p := profile{ID: u.ID, Name: u.Name, Email: u.Email, Phone: u.Phone, Role: u.Role, Locale: u.Locale, TimeZone: u.TimeZone,
		Tags: u.Tags, UserFields: u.UserFields, Details: u.Details, ExternalID: u.ExternalID, Verified: u.Verified,
		Active: u.Active, Suspended: u.Suspended, TwoFactorEnabled: u.TwoFactor, Organizations: []profileOrg{},
		LastLoginAt: u.LastLoginAt, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
	if p.Tags == nil {
		p.Tags = []string{}
	}
	if p.UserFields == nil {
		p.UserFields = map[string]any{}
	}
	if w.IncludeInternal {
		p.Notes = &u.Notes
	}
	for _, o := range orgs {
		p.Organizations = append(p.Organizations, profileOrg{ID: o.ID, Name: o.Name})
	}
	return 1, w.JSON(w.Name()+".json", p)
}

type identityOut struct {
	Type      string    `json:"type"`
	Value     string    `json:"value"`
	Primary   bool      `json:"primary"`
	Verified  bool      `json:"verified"`
	CreatedAt desk.Time `json:"created_at"`
}

// exportIdentities writes identities.json: the person's addresses and
// phone numbers.
func (s *Service) exportIdentities(ctx context.Context, w *PartWriter) (int, error) {
	ids, err := s.People.Identities(ctx, w.Subject.ID)
	if err != nil {
		return 0, err
	}
	out := make([]identityOut, 0, len(ids))
	for _, i := range ids {
		out = append(out, identityOut{Type: i.Type, Value: i.Value, Primary: i.Primary, Verified: i.Verified, CreatedAt: i.CreatedAt})
	}
	return len(out), w.JSON(w.Name()+".json", out)
}

type sessionOut struct {
	CreatedAt  *time.Time `json:"created_at"`
	LastSeenAt *time.Time `json:"last_seen_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
	IP         string     `json:"ip"`
	UserAgent  string     `json:"user_agent"`
}

type networkOut struct {
	Network     string     `json:"network"`
	FirstSeenAt *time.Time `json:"first_seen_at"`
	LastSeenAt  *time.Time `json:"last_seen_at"`
}

type deviceOut struct {
	CreatedAt  *time.Time `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
}

type signIns struct {
	Sessions []sessionOut `json:"sessions"`
	Networks []networkOut `json:"networks"`
	Devices  []deviceOut  `json:"devices"`
}

// exportSignIns writes sign_ins.json: the sessions the system keeps (web
// sign-ins not yet purged), the networks the person signed in from, and
// the devices remembered for them — never a token or its hash.
func (s *Service) exportSignIns(ctx context.Context, w *PartWriter) (int, error) {
	out := signIns{Sessions: []sessionOut{}, Networks: []networkOut{}, Devices: []deviceOut{}}
	id := w.Subject.ID
	err := s.scan(ctx, `SELECT created_at, last_seen_at, expires_at, ip, user_agent FROM sessions WHERE user_id = ? ORDER BY id`, []any{id},
		func(sc func(...any) error) error {
			var c, l, e int64
			var o sessionOut
			if err := sc(&c, &l, &e, &o.IP, &o.UserAgent); err != nil {
				return err
			}
			o.CreatedAt, o.LastSeenAt, o.ExpiresAt = micros(c), micros(l), micros(e)
			out.Sessions = append(out.Sessions, o)
			return nil
		})
	if err != nil {
		return 0, err
	}
	err = s.scan(ctx, `SELECT network, first_seen_at, last_seen_at FROM signin_networks WHERE user_id = ? ORDER BY first_seen_at, network`, []any{id},
		func(sc func(...any) error) error {
			var f, l int64
			var o networkOut
			if err := sc(&o.Network, &f, &l); err != nil {
				return err
			}
			o.FirstSeenAt, o.LastSeenAt = micros(f), micros(l)
			out.Networks = append(out.Networks, o)
			return nil
		})
	if err != nil {
		return 0, err
	}
	err = s.scan(ctx, `SELECT created_at, last_used_at, expires_at FROM known_devices WHERE user_id = ? ORDER BY created_at`, []any{id},
		func(sc func(...any) error) error {
			var c, l, e int64
			if err := sc(&c, &l, &e); err != nil {
				return err
			}
			out.Devices = append(out.Devices, deviceOut{CreatedAt: micros(c), LastUsedAt: micros(l), ExpiresAt: micros(e)})
			return nil
		})
	if err != nil {
		return 0, err
	}
	return len(out.Sessions) + len(out.Networks) + len(out.Devices), w.JSON(w.Name()+".json", out)
}

// scan runs q and calls row for each row.
func (s *Service) scan(ctx context.Context, q string, args []any, row func(scan func(...any) error) error) error {
	rows, err := s.DB.Query(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := row(rows.Scan); err != nil {
			return err
		}
	}
	return rows.Err()
}

type author struct {
	Name string    `json:"name"`
	Role desk.Role `json:"role"`
	// Self marks the person's own comments.
	Self bool `json:"self"`
}

type fileOut struct {
	FileName    string `json:"file_name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	// Path is the file inside the archive; empty when its bytes are gone.
	Path string `json:"path"`
}

type commentOut struct {
	ID          int64     `json:"id"`
	Author      author    `json:"author"`
	Public      bool      `json:"public"`
	Body        string    `json:"body"`
	HTMLBody    string    `json:"html_body"`
	Channel     string    `json:"channel"`
	CreatedAt   desk.Time `json:"created_at"`
	Attachments []fileOut `json:"attachments"`
}

type ticketOut struct {
	ID           int64                   `json:"id"`
	Subject      string                  `json:"subject"`
	Status       desk.Status             `json:"status"`
	Priority     *string                 `json:"priority"`
	Type         *string                 `json:"type"`
	Tags         []string                `json:"tags"`
	CustomFields []desk.CustomFieldValue `json:"custom_fields"`
	Channel      string                  `json:"channel"`
	// Relations say how the person is on the ticket: requester, follower,
	// cc, collaborator.
	Relations []string     `json:"relations"`
	Comments  []commentOut `json:"comments"`
	CreatedAt desk.Time    `json:"created_at"`
	UpdatedAt desk.Time    `json:"updated_at"`
}

// exportTickets writes tickets/<id>.json for every ticket the person
// requested, follows or was copied on that the exporter may see, with its
// public comments (internal notes too when asked for), and each comment's
// files as tickets/<id>/<attachment id>-<name>, read through the same
// check as a download.
func (s *Service) exportTickets(ctx context.Context, w *PartWriter) (int, error) {
	subj := w.Subject.ID
	authors := map[int64]author{subj: {Name: w.Subject.Name, Role: w.Subject.Role, Self: true}}
	n := 0
	seen := map[int64]bool{}
	for _, f := range []ticket.ListFilter{{RequesterID: subj}, {CollaboratorID: subj}} {
		f.SortBy, f.Limit = "id", page
		for {
			ts, more, err := s.Tickets.List(ctx, f)
			if err != nil {
				return n, err
			}
			for _, t := range ts {
				if seen[t.ID] {
					continue
				}
				seen[t.ID] = true
				if err := s.exportTicket(ctx, w, t, authors); err != nil {
					return n, err
				}
				n++
			}
			if !more || len(ts) == 0 {
				break
			}
			f.AfterID = ts[len(ts)-1].ID
		}
	}
	return n, nil
}

func relations(t *desk.Ticket, id int64) []string {
	var out []string
	if t.RequesterID == id {
		out = append(out, "requester")
	}
	if slices.Contains(t.FollowerIDs, id) {
		out = append(out, "follower")
	}
	if slices.Contains(t.EmailCCIDs, id) {
		out = append(out, "cc")
	}
	if len(out) == 0 && slices.Contains(t.CollaboratorIDs, id) {
		out = append(out, "collaborator")
	}
	return out
}

func (s *Service) exportTicket(ctx context.Context, w *PartWriter, t *desk.Ticket, authors map[int64]author) error {
	out := ticketOut{ID: t.ID, Subject: t.Subject, Status: t.Status, Priority: t.Priority, Type: t.Type, Tags: t.Tags,
		CustomFields: t.CustomFields, Channel: t.Via.Channel, Relations: relations(t, w.Subject.ID), Comments: []commentOut{},
		CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt}
	if out.Tags == nil {
		out.Tags = []string{}
	}
	if out.CustomFields == nil {
		out.CustomFields = []desk.CustomFieldValue{}
	}
	var files []desk.Attachment
	var after int64
	for {
		cs, more, err := s.Tickets.Comments(ctx, t.ID, after, 1000, false)
		if err != nil {
			return err
		}
		if err := s.learnAuthors(ctx, cs, authors); err != nil {
			return err
		}
		for _, c := range cs {
			if !c.Public && !w.IncludeInternal {
				continue
			}
			co := commentOut{ID: c.ID, Author: authors[c.AuthorID], Public: c.Public, Body: c.Body, HTMLBody: c.HTMLBody,
				Channel: c.Via.Channel, CreatedAt: c.CreatedAt, Attachments: []fileOut{}}
			for _, a := range c.Attachments {
				co.Attachments = append(co.Attachments, fileOut{FileName: a.FileName, ContentType: a.ContentType, Size: a.Size,
					Path: attachmentPath(w, t.ID, a)})
				files = append(files, a)
			}
			out.Comments = append(out.Comments, co)
		}
		if !more || len(cs) == 0 {
			break
		}
		after = cs[len(cs)-1].ID
	}
	if err := w.JSON(fmt.Sprintf("%s/%d.json", w.Name(), t.ID), out); err != nil {
		return err
	}
	for _, a := range files {
		if err := s.copyAttachment(ctx, w, t.ID, a); err != nil {
			return err
		}
	}
	return nil
}

func attachmentPath(w *PartWriter, ticketID int64, a desk.Attachment) string {
	return fmt.Sprintf("%s/%d/%d-%s", w.Name(), ticketID, a.ID, SafeName(a.FileName))
}

// copyAttachment writes one file's bytes, read as a download by the
// exporter would be (the ticket service decides); a file that is gone (or
// was redacted meanwhile) is left out.
func (s *Service) copyAttachment(ctx context.Context, w *PartWriter, ticketID int64, a desk.Attachment) error {
	_, body, err := s.Tickets.OpenAttachment(ctx, a.ID)
	if desk.ErrorCode(err) == desk.ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}
	defer body.Close()
	fw, err := w.Create(attachmentPath(w, ticketID, a))
	if err != nil {
		return err
	}
	_, err = io.Copy(fw, body)
	return err
}

// learnAuthors adds the display name and role of every new comment author
// to authors; an author the exporter cannot see stays unnamed.
func (s *Service) learnAuthors(ctx context.Context, cs []*desk.Comment, authors map[int64]author) error {
	var ids []int64
	for _, c := range cs {
		if _, ok := authors[c.AuthorID]; !ok && !slices.Contains(ids, c.AuthorID) {
			ids = append(ids, c.AuthorID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	us, err := s.People.GetUsers(ctx, ids)
	if err != nil {
		return err
	}
	for _, u := range us {
		authors[u.ID] = author{Name: u.Name, Role: u.Role}
	}
	for _, id := range ids {
		if _, ok := authors[id]; !ok {
			authors[id] = author{}
		}
	}
	return nil
}

type ratingOut struct {
	TicketID  int64      `json:"ticket_id"`
	Score     string     `json:"score"`
	Comment   string     `json:"comment"`
	CreatedAt *time.Time `json:"created_at"`
	UpdatedAt *time.Time `json:"updated_at"`
}

// exportRatings writes satisfaction_ratings.json: the ratings the person
// gave (good or bad) on tickets the exporter may see.
func (s *Service) exportRatings(ctx context.Context, w *PartWriter) (int, error) {
	out := []ratingOut{}
	err := s.scan(ctx, `SELECT ticket_id, score, comment, created_at, updated_at FROM satisfaction_ratings
		WHERE requester_id = ? AND score IN (?, ?) ORDER BY id`, []any{w.Subject.ID, "good", "bad"},
		func(sc func(...any) error) error {
			var o ratingOut
			var c, u int64
			if err := sc(&o.TicketID, &o.Score, &o.Comment, &c, &u); err != nil {
				return err
			}
			o.CreatedAt, o.UpdatedAt = micros(c), micros(u)
			out = append(out, o)
			return nil
		})
	if err != nil {
		return 0, err
	}
	// Only ratings on tickets the exporter may see.
	kept := out[:0]
	for _, o := range out {
		if _, err := s.Tickets.Get(ctx, o.TicketID); err == nil {
			kept = append(kept, o)
		} else if desk.ErrorCode(err) != desk.ENOTFOUND {
			return 0, err
		}
	}
	return len(kept), w.JSON(w.Name()+".json", kept)
}

type auditOut struct {
	ID        int64     `json:"id"`
	CreatedAt desk.Time `json:"created_at"`
	Action    string    `json:"action"`
	// Actor is "self", "staff" or "system"; Target is "self" or the type
	// of record the person acted on.
	Actor     string                  `json:"actor"`
	Target    string                  `json:"target"`
	TargetID  int64                   `json:"target_id,omitempty"`
	IP        string                  `json:"ip,omitempty"`
	UserAgent string                  `json:"user_agent,omitempty"`
	Changes   map[string]audit.Change `json:"changes,omitempty"`
	Data      map[string]any          `json:"data,omitempty"`
}

// exportAudit writes audit_log.json: every entry the person acted in or
// whose target is their account. The client address and browser show when
// the person acted; the change shows when it was to their own account;
// another person's account is never named.
func (s *Service) exportAudit(ctx context.Context, w *PartWriter) (int, error) {
	id := w.Subject.ID
	fw, err := w.Create(w.Name() + ".json")
	if err != nil {
		return 0, err
	}
	if _, err := io.WriteString(fw, "["); err != nil {
		return 0, err
	}
	n := 0
	var after int64
	for {
		es, more, err := audit.AboutUser(ctx, s.DB, id, after, 500)
		if err != nil {
			return n, err
		}
		for _, e := range es {
			o := auditOut{ID: e.ID, CreatedAt: e.CreatedAt, Action: e.Action, Actor: "staff", Target: e.TargetType}
			self := e.TargetType == audit.TargetUser && e.TargetID == id
			switch {
			case e.ActorID == id:
				o.Actor, o.IP, o.UserAgent = "self", e.IP, e.UserAgent
			case e.ActorID == 0:
				o.Actor = "system"
			}
			if self {
				o.Target, o.Changes, o.Data = "self", e.Changes, e.Data
			} else if e.TargetType != audit.TargetUser {
				o.TargetID = e.TargetID
			}
			b, err := jsonLine(o, n > 0)
			if err != nil {
				return n, err
			}
			if _, err := fw.Write(b); err != nil {
				return n, err
			}
			n++
		}
		if !more || len(es) == 0 {
			break
		}
		after = es[len(es)-1].ID
	}
	_, err = io.WriteString(fw, "\n]\n")
	return n, err
}

type alertOut struct {
	CreatedAt  *time.Time `json:"created_at"`
	Reasons    []string   `json:"reasons"`
	IP         string     `json:"ip"`
	Network    string     `json:"network"`
	UserAgent  string     `json:"user_agent"`
	DisownedAt *time.Time `json:"disowned_at"`
}

// exportAlerts writes security_alerts.json: suspicious sign-ins raised on
// the person's account (never the token of the "this wasn't me" link).
func (s *Service) exportAlerts(ctx context.Context, w *PartWriter) (int, error) {
	out := []alertOut{}
	err := s.scan(ctx, `SELECT created_at, reasons, ip, network, user_agent, disowned_at FROM security_alerts WHERE user_id = ? ORDER BY id`,
		[]any{w.Subject.ID}, func(sc func(...any) error) error {
			var o alertOut
			var c, d int64
			var reasons string
			if err := sc(&c, &reasons, &o.IP, &o.Network, &o.UserAgent, &d); err != nil {
				return err
			}
			o.CreatedAt, o.DisownedAt, o.Reasons = micros(c), micros(d), strings.Split(reasons, ",")
			out = append(out, o)
			return nil
		})
	if err != nil {
		return 0, err
	}
	return len(out), w.JSON(w.Name()+".json", out)
}

// jsonLine is v as one line of a JSON array (with its separator).
func jsonLine(v any, comma bool) ([]byte, error) {
	b, err := jsonMarshal(v)
	if err != nil {
		return nil, err
	}
	prefix := "\n  "
	if comma {
		prefix = ",\n  "
	}
	return append([]byte(prefix), b...), nil
}

// jsonMarshal is json.Marshal without escaping <, > and & (the archive is
// read as data, and bodies keep their text).
func jsonMarshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}
