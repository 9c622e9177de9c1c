package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/frontdesk/frontdesk/internal/channel/email/imapin"
	"github.com/frontdesk/frontdesk/internal/channel/email/mailbox"
	"github.com/frontdesk/frontdesk/internal/desk"
)

// Support addresses (p7-out): list, add, check the connection, enable and
// disable. The mailbox service decides who may (admins) and keeps every
// credential sealed: the page only ever says whether one is set.

type adminMailboxesData struct {
	Mailboxes []*mailbox.Mailbox
	// Check is the outcome of the check just run (on /check), shown beside
	// its mailbox.
	CheckedID int64
	Check     mailbox.CheckResult
	// Fetch is each IMAP mailbox's fetching health, by mailbox id.
	Fetch map[int64]*imapin.State
}

func (s *Server) adminMailboxes(w http.ResponseWriter, r *http.Request) error {
	return s.showAdminMailboxes(w, r, http.StatusOK, "", nil, adminMailboxesData{})
}

func (s *Server) showAdminMailboxes(w http.ResponseWriter, r *http.Request, status int, msg string, fe map[string][]string, d adminMailboxesData) error {
	if s.d.Mailboxes == nil {
		return desk.NotFound()
	}
	pg := s.adminPage(r, "mailbox.title", "mailboxes")
	pg.Error, pg.FieldErrors = msg, fe
	for _, k := range []string{"email", "name", "brand_name", "imap_host", "imap_port", "imap_username", "imap_folder", "smtp_host", "smtp_port", "smtp_username"} {
		pg.Form.Set(k, r.PostFormValue(k))
	}
	var err error
	if d.Mailboxes, err = s.d.Mailboxes.List(r.Context()); err != nil {
		return err
	}
	if s.d.IMAP != nil {
		d.Fetch = map[int64]*imapin.State{}
		for _, m := range d.Mailboxes {
			if m.IMAP.Configured() {
				if d.Fetch[m.ID], err = s.d.IMAP.State(r.Context(), m.ID); err != nil {
					return err
				}
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

func mailboxForm(r *http.Request) (mailbox.Input, error) {
	in := mailbox.Input{Address: formText(r, "email"), Name: formText(r, "name"), BrandName: formText(r, "brand_name"),
		IMAPHost: formText(r, "imap_host"), IMAPSecurity: formText(r, "imap_security"), IMAPUsername: formText(r, "imap_username"),
		IMAPSecret: formText(r, "imap_password"), IMAPAuth: formText(r, "imap_auth"), IMAPFolder: formText(r, "imap_folder"),
		SMTPHost: formText(r, "smtp_host"), SMTPSecurity: formText(r, "smtp_security"), SMTPUsername: formText(r, "smtp_username"),
		SMTPSecret: formText(r, "smtp_password")}
	if in.Address == nil {
		empty := ""
		in.Address = &empty // the service names the missing field
	}
	var err error
	if in.IMAPPort, err = formPort(r, "imap_port"); err != nil {
		return in, err
	}
	in.SMTPPort, err = formPort(r, "smtp_port")
	return in, err
}

func (s *Server) adminCreateMailbox(w http.ResponseWriter, r *http.Request) error {
	in, err := mailboxForm(r)
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
