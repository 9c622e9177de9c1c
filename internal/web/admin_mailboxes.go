package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/frontdesk/frontdesk/internal/channel/email/imapin"
	"github.com/frontdesk/frontdesk/internal/channel/email/mailbox"
	"github.com/frontdesk/frontdesk/internal/desk"
)

// Support addresses: list, add, edit, delete, check the connection,
// enable and disable. The mailbox service decides who may (admins) and
// keeps every credential sealed: the pages only ever say whether one is
// set, and a blank password field keeps the stored one.

type adminMailboxesData struct {
	Mailboxes []*mailbox.Mailbox
	// Check is the outcome of the check just run (on /check), shown beside
	// its mailbox.
	CheckedID int64
	Check     mailbox.CheckResult
	// Groups are the choices of default group (the add form).
	Groups []*desk.Group
	// Edit is nil on the list page (the add form has no stored secrets).
	Edit *mailbox.Mailbox
	// Fetch is each IMAP mailbox's fetching health, by mailbox id.
	Fetch map[int64]*imapin.State
	// Push marks the IMAP mailboxes whose new mail an IDLE watch pushes.
	Push map[int64]bool
}

// adminMailboxData is the edit page of one support address.
type adminMailboxData struct {
	Edit   *mailbox.Mailbox
	Groups []*desk.Group
	// DKIM is the DNS record to publish for the address's DKIM key.
	DKIM *mailbox.DNSRecord
}

// mailboxFormKeys are the form's plain fields, echoed back after an error.
var mailboxFormKeys = []string{"email", "name", "brand_name", "default_group_id", "default", "enabled",
	"imap_host", "imap_port", "imap_security", "imap_username", "imap_auth", "imap_folder", "imap_after_fetch", "imap_move_to",
	"smtp_host", "smtp_port", "smtp_security", "smtp_username", "dkim_selector"}

func (s *Server) adminMailboxes(w http.ResponseWriter, r *http.Request) error {
	return s.showAdminMailboxes(w, r, http.StatusOK, "", nil, adminMailboxesData{})
}

func (s *Server) showAdminMailboxes(w http.ResponseWriter, r *http.Request, status int, msg string, fe map[string][]string, d adminMailboxesData) error {
	if s.d.Mailboxes == nil {
		return desk.NotFound()
	}
	pg := s.adminPage(r, "mailbox.title", "mailboxes")
	pg.Error, pg.FieldErrors = msg, fe
	for _, k := range mailboxFormKeys {
		pg.Form.Set(k, r.PostFormValue(k))
	}
	var err error
	if d.Mailboxes, err = s.d.Mailboxes.List(r.Context()); err != nil {
		return err
	}
	if d.Groups, err = s.d.People.ListGroups(r.Context(), 0, 1000, 0); err != nil {
		return err
	}
	if s.d.IMAP != nil {
		d.Fetch, d.Push = map[int64]*imapin.State{}, map[int64]bool{}
		for _, m := range d.Mailboxes {
			if m.IMAP.Configured() {
				if d.Fetch[m.ID], err = s.d.IMAP.State(r.Context(), m.ID); err != nil {
					return err
				}
				d.Push[m.ID] = d.Fetch[m.ID].Idling(time.Now())
			}
		}
	}
	pg.Data = d
	return s.render(w, status, "admin_mailboxes", pg)
}

// formText returns a pointer to the trimmed form value, nil when absent
// or empty.
func formText(r *http.Request, key string) *string {
	v := strings.TrimSpace(r.PostFormValue(key))
	if v == "" {
		return nil
	}
	return &v
}

// formPort reads a port; "" means the default for the security chosen and
// anything else that is not a number is refused by the service as 0.
func formPort(r *http.Request, key string) (*int, error) {
	v := strings.TrimSpace(r.PostFormValue(key))
	if v == "" {
		return nil, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return nil, desk.Invalid(strings.Replace(key, "_", ".", 1), "must be a number")
	}
	return &n, nil
}

// mailboxForm reads the add or edit form. Adding, an empty field means the
// default; editing, the form shows every setting, so an empty field clears
// it (ports: back to the usual one) and unchecked boxes are false. Secret
// fields are write-only either way: blank keeps what is stored, and only
// the "remove" boxes delete a stored secret.
func mailboxForm(r *http.Request, editing bool) (mailbox.Input, error) {
	text := formText
	if editing {
		text = func(r *http.Request, key string) *string { v := strings.TrimSpace(r.PostFormValue(key)); return &v }
	}
	in := mailbox.Input{Address: text(r, "email"), Name: text(r, "name"), BrandName: text(r, "brand_name"),
		IMAPHost: text(r, "imap_host"), IMAPSecurity: formText(r, "imap_security"), IMAPUsername: text(r, "imap_username"),
		IMAPAuth: formText(r, "imap_auth"), IMAPFolder: text(r, "imap_folder"), IMAPAfterFetch: formText(r, "imap_after_fetch"),
		IMAPMoveTo: text(r, "imap_move_to"),
		SMTPHost:   text(r, "smtp_host"), SMTPSecurity: formText(r, "smtp_security"), SMTPUsername: text(r, "smtp_username"),
		DKIMSelector: text(r, "dkim_selector"),
		IMAPSecret:   formSecret(r, "imap_password"), SMTPSecret: formSecret(r, "smtp_password"), DKIMKey: formSecret(r, "dkim_private_key")}
	if in.Address == nil {
		empty := ""
		in.Address = &empty // the service names the missing field
	}
	group, err := formGroup(r)
	if err != nil {
		return in, err
	}
	in.DefaultGroupID = group
	isDefault := r.PostFormValue("default") == "1"
	if isDefault || editing {
		in.Default = &isDefault
	}
	if editing {
		enabled := r.PostFormValue("enabled") == "1"
		in.Enabled = &enabled
	}
	if in.IMAPPort, err = formPort(r, "imap_port"); err != nil {
		return in, err
	}
	if in.SMTPPort, err = formPort(r, "smtp_port"); err != nil {
		return in, err
	}
	if editing {
		zero := 0 // empty: the usual port for the security chosen
		in.IMAPPort, in.SMTPPort = orDefault(in.IMAPPort, &zero), orDefault(in.SMTPPort, &zero)
	}
	return in, nil
}

func orDefault(p, orElse *int) *int {
	if p != nil {
		return p
	}
	return orElse
}

// formSecret reads a write-only field: nil (keep) when blank, "" (remove)
// when its "_clear" box is checked.
func formSecret(r *http.Request, key string) *string {
	if r.PostFormValue(key+"_clear") == "1" {
		empty := ""
		return &empty
	}
	v := r.PostFormValue(key)
	if strings.TrimSpace(v) == "" {
		return nil
	}
	return &v
}

func formGroup(r *http.Request) (*int64, error) {
	v := strings.TrimSpace(r.PostFormValue("default_group_id"))
	if v == "" {
		return nil, nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return nil, desk.Invalid("default_group_id", "is not a group")
	}
	return &id, nil
}

func (s *Server) adminCreateMailbox(w http.ResponseWriter, r *http.Request) error {
	in, err := mailboxForm(r, false)
	if err == nil {
		_, err = s.d.Mailboxes.Create(r.Context(), in)
	}
	if err != nil {
		return s.adminForm(w, r, err, func(st int, msg string, fe map[string][]string) error {
			return s.showAdminMailboxes(w, r, st, msg, fe, adminMailboxesData{})
		})
	}
	return redirect(w, r, withMsg("/agent/admin/mailboxes", "created"))
}

// adminMailbox shows the edit page of one address, filled in with its
// settings (never its secrets).
func (s *Server) adminMailbox(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	return s.showAdminMailbox(w, r, id, http.StatusOK, "", nil, true)
}

func (s *Server) showAdminMailbox(w http.ResponseWriter, r *http.Request, id int64, status int, msg string, fe map[string][]string, fromStore bool) error {
	if s.d.Mailboxes == nil {
		return desk.NotFound()
	}
	ctx := r.Context()
	m, err := s.d.Mailboxes.Get(ctx, id)
	if err != nil {
		return err
	}
	d := adminMailboxData{Edit: m}
	if d.Groups, err = s.d.People.ListGroups(ctx, 0, 1000, 0); err != nil {
		return err
	}
	if rec, ok, err := s.d.Mailboxes.DKIMRecord(ctx, id); err != nil {
		return err
	} else if ok {
		d.DKIM = &rec
	}
	pg := s.adminPage(r, "mailbox.title", "mailboxes")
	pg.Error, pg.FieldErrors, pg.Data = msg, fe, d
	if fromStore {
		setMailboxForm(pg.Form.Set, m)
	} else {
		for _, k := range mailboxFormKeys {
			pg.Form.Set(k, r.PostFormValue(k))
		}
	}
	return s.render(w, status, "admin_mailbox", pg)
}

// setMailboxForm fills the edit form with m's settings.
func setMailboxForm(set func(k, v string), m *mailbox.Mailbox) {
	flag := func(b bool) string {
		if b {
			return "1"
		}
		return ""
	}
	for k, v := range map[string]string{"email": m.Address, "name": m.Name, "brand_name": m.BrandName,
		"default_group_id": strconv.FormatInt(m.DefaultGroupID, 10), "default": flag(m.Default), "enabled": flag(m.Enabled),
		"imap_host": m.IMAP.Host, "imap_security": string(m.IMAP.Security), "imap_username": m.IMAP.Username,
		"imap_auth": string(m.IMAP.Auth), "imap_folder": m.IMAP.Folder, "imap_after_fetch": string(m.IMAP.AfterFetch), "imap_move_to": m.IMAP.MoveTo,
		"smtp_host": m.SMTP.Host, "smtp_security": string(m.SMTP.Security), "smtp_username": m.SMTP.Username, "dkim_selector": m.DKIMSelector} {
		set(k, v)
	}
	if m.IMAP.Host != "" {
		set("imap_port", strconv.Itoa(m.IMAP.Port))
	}
	if m.SMTP.Host != "" {
		set("smtp_port", strconv.Itoa(m.SMTP.Port))
	}
}

// adminUpdateMailbox saves the edit form.
func (s *Server) adminUpdateMailbox(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	in, err := mailboxForm(r, true)
	if err == nil {
		_, err = s.d.Mailboxes.Update(r.Context(), id, in)
	}
	if err != nil {
		return s.adminForm(w, r, err, func(st int, msg string, fe map[string][]string) error {
			return s.showAdminMailbox(w, r, id, st, msg, fe, false)
		})
	}
	return redirect(w, r, withMsg("/agent/admin/mailboxes/"+strconv.FormatInt(id, 10), "updated"))
}

// adminDeleteMailbox deletes an address once the admin has ticked the
// confirmation box.
func (s *Server) adminDeleteMailbox(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if r.PostFormValue("confirm") != "1" {
		return s.adminForm(w, r, desk.Invalid("confirm", "tick the box to confirm the deletion"), func(st int, msg string, fe map[string][]string) error {
			return s.showAdminMailbox(w, r, id, st, msg, fe, true)
		})
	}
	if err := s.d.Mailboxes.Delete(r.Context(), id); err != nil {
		return err
	}
	return redirect(w, r, withMsg("/agent/admin/mailboxes", "deleted"))
}

// adminCheckMailbox dials the mailbox's servers and shows what they said.
func (s *Server) adminCheckMailbox(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	_, res, err := s.d.Mailboxes.CheckConnection(r.Context(), id)
	if err != nil {
		return err
	}
	return s.showAdminMailboxes(w, r, http.StatusOK, "", nil, adminMailboxesData{CheckedID: id, Check: res})
}

// adminToggleMailbox enables (enabled=1) or disables the mailbox.
func (s *Server) adminToggleMailbox(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	on := r.PostFormValue("enabled") == "1"
	if _, err := s.d.Mailboxes.Update(r.Context(), id, mailbox.Input{Enabled: &on}); err != nil {
		return err
	}
	return redirect(w, r, withMsg("/agent/admin/mailboxes", "updated"))
}
