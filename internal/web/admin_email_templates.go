package web

import (
	"html/template"
	"net/http"
	"net/url"

	"github.com/frontdesk/frontdesk/internal/channel/email/notify"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/sanitize"
)

// Notification templates (p7-admin): admins override the built-in text
// of each notification per language, see a preview with a sample ticket
// and every error before saving, and reset to the built-in text. The
// notify package checks and stores them.

// emailTemplateData is the edit page of one template.
type emailTemplateData struct {
	Template *notify.Template
	// Preview is the form's text filled with a sample ticket; nil when it
	// does not render (the errors say why).
	Preview *notify.Rendered
	// PreviewHTML is the preview's HTML part, sanitized for showing here.
	PreviewHTML template.HTML
	// Unsaved is true when the preview shows text not saved yet.
	Unsaved bool
	// Placeholders are what a template may use, with their meaning.
	Placeholders []placeholder
}

type placeholder struct {
	Code string // e.g. {{.TicketID}}
	Key  string // translation key of its description
}

// placeholders lists the fields of notify.Data admins may use.
var placeholders = []placeholder{
	{"{{.TicketID}}", "etpl.ph.ticket_id"},
	{"{{.Subject}}", "etpl.ph.subject"},
	{"{{.RequesterName}}", "etpl.ph.requester_name"},
	{"{{.RecipientName}}", "etpl.ph.recipient_name"},
	{"{{.AuthorName}}", "etpl.ph.author_name"},
	{"{{.Body}}", "etpl.ph.body"},
	{"{{.Link}}", "etpl.ph.link"},
	{"{{.Brand}}", "etpl.ph.brand"},
	{"{{if .Link}}…{{end}}", "etpl.ph.if_link"},
	{"{{range .History}}{{.Author}} {{.When}} {{.Body}}{{end}}", "etpl.ph.history"},
}

func (s *Server) adminEmailTemplates(w http.ResponseWriter, r *http.Request) error {
	if s.d.EmailTemplates == nil {
		return desk.NotFound()
	}
	list, err := s.d.EmailTemplates.List(r.Context())
	if err != nil {
		return err
	}
	pg := s.adminPage(r, "etpl.title", "email-templates")
	pg.Data = list
	return s.render(w, http.StatusOK, "admin_email_templates", pg)
}

// templatePath is the edit page of template kind in locale.
func templatePath(kind notify.Kind, locale string) string {
	return "/agent/admin/email-templates/" + url.PathEscape(string(kind)) + "/" + url.PathEscape(locale)
}

func (s *Server) emailTemplate(r *http.Request) (*notify.Template, error) {
	if s.d.EmailTemplates == nil {
		return nil, desk.NotFound()
	}
	return s.d.EmailTemplates.Get(r.Context(), notify.Kind(r.PathValue("kind")), r.PathValue("locale"))
}

// adminEmailTemplate shows the template in force with its preview.
func (s *Server) adminEmailTemplate(w http.ResponseWriter, r *http.Request) error {
	t, err := s.emailTemplate(r)
	if err != nil {
		return err
	}
	return s.showEmailTemplate(w, r, t, t.Source, false)
}

// showEmailTemplate renders the edit page for src; unsaved says src came
// from the form. Errors in src are shown beside their fields (422).
func (s *Server) showEmailTemplate(w http.ResponseWriter, r *http.Request, t *notify.Template, src notify.Source, unsaved bool) error {
	pg := s.adminPage(r, "etpl.title", "email-templates")
	pg.Form.Set("subject", src.Subject)
	pg.Form.Set("text_body", src.Text)
	pg.Form.Set("html_body", src.HTML)
	d := emailTemplateData{Template: t, Unsaved: unsaved, Placeholders: placeholders}
	status := http.StatusOK
	preview, err := s.d.EmailTemplates.Preview(r.Context(), t.Kind, t.Locale, src)
	switch {
	case formError(err):
		status = http.StatusUnprocessableEntity
		pg.Error, pg.FieldErrors = pg.T("errors.validation")+" "+errorText(err), fieldErrors(err)
	case err != nil:
		return err
	default:
		d.Preview = preview
		d.PreviewHTML = template.HTML(sanitize.MailHTML(preview.HTML)) //nolint:gosec // sanitized with the mail policy
	}
	pg.Data = d
	return s.render(w, status, "admin_email_template", pg)
}

// adminSaveEmailTemplate previews (action=preview) or saves the form; a
// template with errors is shown again with them and not saved.
func (s *Server) adminSaveEmailTemplate(w http.ResponseWriter, r *http.Request) error {
	t, err := s.emailTemplate(r)
	if err != nil {
		return err
	}
	src := notify.Source{Subject: r.PostFormValue("subject"), Text: r.PostFormValue("text_body"), HTML: r.PostFormValue("html_body")}
	if r.PostFormValue("action") == "preview" {
		return s.showEmailTemplate(w, r, t, src, true)
	}
	if err := s.d.EmailTemplates.Save(r.Context(), t.Kind, t.Locale, src); err != nil {
		if formError(err) {
			return s.showEmailTemplate(w, r, t, src, true)
		}
		return err
	}
	return redirect(w, r, withMsg(templatePath(t.Kind, t.Locale), "updated"))
}

// adminResetEmailTemplate goes back to the built-in text.
func (s *Server) adminResetEmailTemplate(w http.ResponseWriter, r *http.Request) error {
	t, err := s.emailTemplate(r)
	if err != nil {
		return err
	}
	if err := s.d.EmailTemplates.Reset(r.Context(), t.Kind, t.Locale); err != nil {
		return err
	}
	return redirect(w, r, withMsg(templatePath(t.Kind, t.Locale), "templatereset"))
}
