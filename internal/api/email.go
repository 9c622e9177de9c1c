package api

import (
	"net/http"
	"time"

	"github.com/frontdesk/frontdesk/internal/channel/email/mailbox"
	"github.com/frontdesk/frontdesk/internal/desk"
)

// registerEmail mounts Zendesk's support addresses
// (/api/v2/recipient_addresses): list, show, create, update, delete and
// verify, which here really dials the address's IMAP server and SMTP relay.
// The mailbox service decides who may (admins).
func (s *Server) registerEmail(mux *http.ServeMux) {
	s.handle(mux, "GET /api/v2/recipient_addresses", s.listRecipientAddresses)
	s.handle(mux, "POST /api/v2/recipient_addresses", s.createRecipientAddress)
	s.handle(mux, "GET /api/v2/recipient_addresses/{id}", s.showRecipientAddress)
	s.handle(mux, "PUT /api/v2/recipient_addresses/{id}", s.updateRecipientAddress)
	s.handle(mux, "DELETE /api/v2/recipient_addresses/{id}", deleteByID(s.Mailboxes.Delete))
	s.handle(mux, "PUT /api/v2/recipient_addresses/{id}/verify", s.verifyRecipientAddress)
}

// recipientAddress is a support address as the API shows it: Zendesk's
// fields, then Frontdesk's settings. Credentials are write-only: only
// whether one is set is ever returned.
type recipientAddress struct {
	ID                       int64        `json:"id"`
	URL                      string       `json:"url"`
	BrandID                  *int64       `json:"brand_id"`
	Default                  bool         `json:"default"`
	Email                    string       `json:"email"`
	Name                     string       `json:"name"`
	ForwardingStatus         string       `json:"forwarding_status"`
	SPFStatus                string       `json:"spf_status"`
	CNAMEStatus              string       `json:"cname_status"`
	DomainVerificationStatus string       `json:"domain_verification_status"`
	CreatedAt                desk.Time    `json:"created_at"`
	UpdatedAt                desk.Time    `json:"updated_at"`
	Enabled                  bool         `json:"enabled"`
	BrandName                string       `json:"brand_name"`
	DefaultGroupID           *int64       `json:"default_group_id"`
	IMAP                     mailbox.IMAP `json:"imap"`
	SMTP                     mailbox.SMTP `json:"smtp"`
	DKIMSelector             string       `json:"dkim_selector"`
	HasDKIMKey               bool         `json:"has_dkim_key"`
	CheckStatus              string       `json:"check_status"`
	CheckError               string       `json:"check_error"`
	CheckedAt                *desk.Time   `json:"checked_at"`
}

func recipientOut(r *http.Request, m *mailbox.Mailbox) recipientAddress {
	out := recipientAddress{ID: m.ID, URL: baseURL(r) + "/api/v2/recipient_addresses/" + itoa(m.ID) + ".json",
		Default: m.Default, Email: m.Address, Name: m.Name, ForwardingStatus: "unknown", SPFStatus: "unknown",
		CNAMEStatus: "unknown", DomainVerificationStatus: "unknown",
		CreatedAt: desk.Time{Time: m.CreatedAt}, UpdatedAt: desk.Time{Time: m.UpdatedAt},
		Enabled: m.Enabled, BrandName: m.BrandName, IMAP: m.IMAP, SMTP: m.SMTP,
		DKIMSelector: m.DKIMSelector, HasDKIMKey: m.HasDKIMKey, CheckStatus: string(m.CheckStatus), CheckError: m.CheckError}
	switch m.CheckStatus {
	case mailbox.CheckOK:
		out.ForwardingStatus = "verified"
	case mailbox.CheckFailed:
		out.ForwardingStatus = "failed"
	}
	if m.DefaultGroupID != 0 {
		out.DefaultGroupID = &m.DefaultGroupID
	}
	if !m.CheckedAt.IsZero() {
		out.CheckedAt = &desk.Time{Time: m.CheckedAt}
	}
	return out
}

// serverInput is the imap or smtp object of a support address; password
// (or, for IMAP with auth xoauth2, the access token) is write-only.
type serverInput struct {
	Host       *string `json:"host"`
	Port       *int    `json:"port"`
	Security   *string `json:"security"`
	Username   *string `json:"username"`
	Password   *string `json:"password"`
	Auth       *string `json:"auth"`
	Folder     *string `json:"folder"`
	AfterFetch *string `json:"after_fetch"`
	MoveTo     *string `json:"move_to"`
}

// decodeRecipient reads {"recipient_address": {...}}: Zendesk's name,
// email and default, and Frontdesk's settings with credentials
// (write-only). brand_id is accepted and ignored (no brands yet);
// read-only fields (statuses, times) are ignored as in Zendesk.
func decodeRecipient(r *http.Request) (mailbox.Input, error) {
	var env struct {
		Address *struct {
			Email          *string      `json:"email"`
			Name           *string      `json:"name"`
			Default        *bool        `json:"default"`
			Enabled        *bool        `json:"enabled"`
			BrandName      *string      `json:"brand_name"`
			DefaultGroupID desk.NullID  `json:"default_group_id"`
			IMAP           *serverInput `json:"imap"`
			SMTP           *serverInput `json:"smtp"`
			DKIMSelector   *string      `json:"dkim_selector"`
			DKIMKey        *string      `json:"dkim_private_key"`
		} `json:"recipient_address"`
	}
	if err := decode(r, &env); err != nil {
		return mailbox.Input{}, err
	}
	a := env.Address
	if a == nil {
		return mailbox.Input{}, desk.Invalid("recipient_address", "is required")
	}
	in := mailbox.Input{Address: a.Email, Name: a.Name, Default: a.Default, Enabled: a.Enabled, BrandName: a.BrandName,
		DKIMSelector: a.DKIMSelector, DKIMKey: a.DKIMKey}
	if a.DefaultGroupID.Set {
		in.DefaultGroupID = &a.DefaultGroupID.ID
	}
	if i := a.IMAP; i != nil {
		in.IMAPHost, in.IMAPPort, in.IMAPSecurity, in.IMAPUsername, in.IMAPSecret = i.Host, i.Port, i.Security, i.Username, i.Password
		in.IMAPAuth, in.IMAPFolder, in.IMAPAfterFetch, in.IMAPMoveTo = i.Auth, i.Folder, i.AfterFetch, i.MoveTo
	}
	if m := a.SMTP; m != nil {
		if m.Auth != nil || m.Folder != nil || m.AfterFetch != nil || m.MoveTo != nil {
			return mailbox.Input{}, desk.Invalid("smtp", "takes host, port, security, username and password only")
		}
		in.SMTPHost, in.SMTPPort, in.SMTPSecurity, in.SMTPUsername, in.SMTPSecret = m.Host, m.Port, m.Security, m.Username, m.Password
	}
	return in, nil
}

func (s *Server) listRecipientAddresses(w http.ResponseWriter, r *http.Request) error {
	ms, err := s.Mailboxes.List(r.Context())
	if err != nil {
		return err
	}
	out := make([]recipientAddress, len(ms))
	for i, m := range ms {
		out[i] = recipientOut(r, m)
	}
	return writeJSON(w, http.StatusOK, fullListBody("recipient_addresses", out, len(out)))
}

func (s *Server) showRecipientAddress(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	m, err := s.Mailboxes.Get(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"recipient_address": recipientOut(r, m)})
}

func (s *Server) createRecipientAddress(w http.ResponseWriter, r *http.Request) error {
	in, err := decodeRecipient(r)
	if err != nil {
		return err
	}
	m, err := s.Mailboxes.Create(r.Context(), in)
	if err != nil {
		return err
	}
	out := recipientOut(r, m)
	return created(w, out.URL, map[string]any{"recipient_address": out})
}

func (s *Server) updateRecipientAddress(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	in, err := decodeRecipient(r)
	if err != nil {
		return err
	}
	m, err := s.Mailboxes.Update(r.Context(), id, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"recipient_address": recipientOut(r, m)})
}

// verifyRecipientAddress answers PUT …/verify (Zendesk's body {"type":
// "forwarding"} is accepted and not needed) by checking the connection to
// the address's servers; 200 with the address and what each side said.
func (s *Server) verifyRecipientAddress(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	m, res, err := s.Mailboxes.CheckConnection(ctx, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"recipient_address": recipientOut(r, m), "check": res, "checked_at": desk.Time{Time: time.Now()}})
}
