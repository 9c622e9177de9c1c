package web

import (
	"context"
	"github.com/frontdesk/frontdesk/internal/attach"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/httpx"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// honeypotField is a form field people never see (hidden with CSS and
// aria-hidden) and bots fill in.
const honeypotField = "website"

func (s *Server) portalHome(w http.ResponseWriter, r *http.Request) error {
	pg := s.newPage(r, "portal", "")
	pg.Title = pg.T("portal.submit_request")
	pg.Nav = "submit"
	forms, err := s.portalForms(r, r.URL.Query().Get("ticket_form_id"))
	if err != nil {
		return err
	}
	pg.Data = forms
	return s.render(w, http.StatusOK, "portal_home", pg)
}

// webSystem is the principal that files anonymous web-form requests: the
// requester is found or created by email, as for an email to support.
var webSystem = &desk.Principal{System: true, Role: desk.RoleAdmin, Via: "web"}

func (s *Server) portalSubmit(w http.ResponseWriter, r *http.Request) error {
	rc := rcFrom(r)
	pg := s.newPage(r, "portal", "")
	pg.Title = pg.T("portal.submit_request")
	pg.Nav = "submit"
	for _, k := range []string{"name", "email", "subject", "description"} {
		pg.Form.Set(k, r.PostFormValue(k))
	}
	forms, err := s.portalForms(r, r.PostFormValue("ticket_form_id"))
	if err != nil {
		return err
	}
	pg.Data = forms
	if r.PostFormValue(honeypotField) != "" {
		// A bot: answer as if all went well, file nothing.
		s.log.Info("web: web form honeypot triggered", "ip", s.d.IPs.IP(r))
		return redirect(w, r, "/requests/submitted")
	}
	subject := strings.TrimSpace(r.PostFormValue("subject"))
	body := r.PostFormValue("description")
	var v desk.Validation
	if strings.TrimSpace(body) == "" {
		v.Add("description", rc.T("errors.field_required", "field", rc.T("portal.how_can_we_help")))
	}
	in := ticket.Input{Subject: &subject, Via: "web", Portal: true,
		CustomFields: portalCustomValues(r, forms.Current.Fields, pg.Form)}
	if forms.FormID != 0 {
		in.TicketFormID = desk.SetID(forms.FormID)
	}
	ctx := r.Context()
	if rc.p == nil {
		name, email := strings.TrimSpace(r.PostFormValue("name")), strings.TrimSpace(r.PostFormValue("email"))
		if email == "" {
			v.Add("email", rc.T("errors.field_required", "field", rc.T("portal.your_email")))
		}
		in.Requester = &ticket.RequesterInput{Name: name, Email: email}
		ctx = desk.WithPrincipal(ctx, webSystem)
	}
	if err := v.Err(); err != nil {
		pg.Error = rc.T("errors.validation")
		pg.FieldErrors = fieldErrors(err)
		return s.render(w, http.StatusUnprocessableEntity, "portal_home", pg)
	}
	uploads, err := s.uploadFiles(ctx, r)
	if err == nil {
		pub := true
		in.Comment = &ticket.CommentInput{Body: body, Public: &pub, Uploads: uploads}
		var t *desk.Ticket
		t, _, err = s.d.Tickets.Create(ctx, in)
		if err == nil {
			if rc.p != nil {
				return redirect(w, r, withMsg("/requests/"+strconv.FormatInt(t.ID, 10), "created"))
			}
			return redirect(w, r, "/requests/submitted?id="+strconv.FormatInt(t.ID, 10))
		}
		s.discardUploads(ctx, uploads)
	}
	if formError(err) {
		pg.Error = rc.T("errors.validation") + " " + errorText(err)
		pg.FieldErrors = fieldErrors(err)
		return s.render(w, http.StatusUnprocessableEntity, "portal_home", pg)
	}
	return err
}

// admitWebForm is the web form's per-IP rate limit (staff are exempt). It
// runs before the form's files are read (route.admit), so every submission
// counts — a bot's honeypot included — and a visitor over the limit cannot
// make us read an upload-sized body.
func (s *Server) admitWebForm(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	if rc.p != nil && rc.p.IsStaff() {
		return nil
	}
	if ok, _, _, retry := s.formRate.Allow("webform:" + httpx.IPKey(s.d.IPs.IP(r))); !ok {
		httpx.WriteRetryAfter(w, retry)
		return desk.Errorf(desk.ETOOMANY, "too many web-form submissions")
	}
	return nil
}

func (s *Server) portalSubmitted(w http.ResponseWriter, r *http.Request) error {
	pg := s.newPage(r, "portal", "")
	pg.Title = pg.T("portal.submit_request")
	id, _ := strconv.ParseInt(r.URL.Query().Get("id"), 10, 64)
	pg.Data = map[string]any{"ID": max(id, 0)}
	return s.render(w, http.StatusOK, "portal_submitted", pg)
}

// uploadFiles stores the form's attachments as uploads of the principal in
// ctx and returns their tokens.
func (s *Server) uploadFiles(ctx context.Context, r *http.Request) ([]string, error) {
	if r.MultipartForm == nil {
		return nil, nil
	}
	files := r.MultipartForm.File["attachments"]
	if len(files) > maxAttachments {
		return nil, desk.Invalid("attachments", "too many files (at most "+strconv.Itoa(maxAttachments)+")")
	}
	var tokens []string
	for _, fh := range files {
		if fh.Filename == "" && fh.Size == 0 {
			continue // an empty file input
		}
		f, err := fh.Open()
		if err != nil {
			s.discardUploads(ctx, tokens)
			return nil, err
		}
		up, err := s.d.Tickets.CreateUpload(ctx, fh.Filename, io.LimitReader(f, s.d.MaxUpload+1))
		f.Close()
		if err != nil {
			s.discardUploads(ctx, tokens)
			return nil, err
		}
		tokens = append(tokens, up.Token)
	}
	return tokens, nil
}

func (s *Server) discardUploads(ctx context.Context, tokens []string) {
	for _, t := range tokens {
		_ = s.d.Tickets.DeleteUpload(ctx, t)
	}
}

// portalStatus is the customer's view of a status.
func portalStatus(st string) string {
	switch st {
	case "pending":
		return "portal.status.awaiting_reply"
	case "solved", "closed":
		return "portal.status.solved"
	}
	return "portal.status.open"
}

type portalRequestsData struct {
	Scope    string
	OrgShare bool
	Tickets  []portalRow
	Count    int
	Pager    pager
}

type portalRow struct {
	T      *desk.Ticket
	Status string // catalogue key
}

const portalPerPage = 25

func (s *Server) portalRequests(w http.ResponseWriter, r *http.Request) error {
	rc := rcFrom(r)
	ctx := r.Context()
	pg := s.newPage(r, "portal", "")
	pg.Title = pg.T("portal.my_requests")
	pg.Nav = "requests"
	d := portalRequestsData{Scope: r.URL.Query().Get("scope")}
	// Every organization of the user's that shares its tickets.
	orgs, err := s.d.People.UserOrganizations(ctx, rc.p.UserID)
	if err != nil {
		return err
	}
	shared := []int64{}
	for _, o := range orgs {
		if o.SharedTickets {
			shared = append(shared, o.ID)
		}
	}
	d.OrgShare = len(shared) > 0
	f := ticket.ListFilter{RequesterID: rc.p.UserID, SortBy: "updated_at", Desc: true, Limit: portalPerPage}
	if d.Scope == "org" && d.OrgShare {
		pg.Title = pg.T("portal.organization_requests")
		f = ticket.ListFilter{OrganizationIDs: shared, SortBy: "updated_at", Desc: true, Limit: portalPerPage}
	} else {
		d.Scope = ""
	}
	n, err := s.d.Tickets.Count(ctx, f)
	if err != nil {
		return err
	}
	d.Count = n
	d.Pager = newPager(r, n, portalPerPage)
	f.Offset = (d.Pager.Page - 1) * portalPerPage
	ts, _, err := s.d.Tickets.List(ctx, f)
	if err != nil {
		return err
	}
	for _, t := range ts {
		d.Tickets = append(d.Tickets, portalRow{T: t, Status: portalStatus(string(t.Status))})
	}
	pg.Data = d
	return s.render(w, http.StatusOK, "portal_requests", pg)
}

type portalRequestData struct {
	T        *desk.Ticket
	Status   string
	Comments []*desk.Comment
	Authors  map[int64]string
	CanReply bool
	CanSolve bool
}

func (s *Server) portalRequest(w http.ResponseWriter, r *http.Request) error {
	return s.showPortalRequest(w, r, http.StatusOK, "", nil)
}

func (s *Server) showPortalRequest(w http.ResponseWriter, r *http.Request, status int, errMsg string, form map[string]string) error {
	ctx := r.Context()
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	t, err := s.d.Tickets.Get(ctx, id)
	if err != nil {
		return err
	}
	all, _, err := s.d.Tickets.Comments(ctx, id, 0, 1000, false)
	if err != nil {
		return err
	}
	// The service already hides internal notes from customers; the portal
	// shows public replies only whoever looks (an agent previewing it too).
	var comments []*desk.Comment
	ids := []int64{}
	for _, c := range all {
		if c.Public {
			comments = append(comments, c)
			ids = append(ids, c.AuthorID)
		}
	}
	authors := map[int64]string{}
	if us, err := s.d.People.GetUsers(ctx, ids); err == nil {
		for _, u := range us {
			authors[u.ID] = u.Name
		}
	}
	pg := s.newPage(r, "portal", t.Subject)
	pg.Nav = "requests"
	pg.Error = errMsg
	for k, v := range form {
		pg.Form.Set(k, v)
	}
	pg.Data = portalRequestData{
		T: t, Status: portalStatus(string(t.Status)), Comments: comments, Authors: authors,
		CanReply: t.Status != "closed", CanSolve: ticket.RequesterCanSolve(t),
	}
	return s.render(w, status, "portal_request", pg)
}

func (s *Server) portalReply(w http.ResponseWriter, r *http.Request) error {
	rc := rcFrom(r)
	ctx := r.Context()
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.d.Tickets.Get(ctx, id); err != nil {
		return err
	}
	body := r.PostFormValue("body")
	uploads, err := s.uploadFiles(ctx, r)
	if err == nil {
		pub := true
		_, _, err = s.d.Tickets.Update(ctx, id, ticket.Input{Comment: &ticket.CommentInput{Body: body, Public: &pub, Uploads: uploads}})
		if err == nil {
			return redirect(w, r, withMsg("/requests/"+strconv.FormatInt(id, 10), "replied"))
		}
		s.discardUploads(ctx, uploads)
	}
	if formError(err) {
		return s.showPortalRequest(w, r, http.StatusUnprocessableEntity, rc.T("errors.validation")+" "+errorText(err), map[string]string{"body": body})
	}
	return err
}

func (s *Server) portalSolve(w http.ResponseWriter, r *http.Request) error {
	rc := rcFrom(r)
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	solved := "solved"
	_, _, err = s.d.Tickets.Update(r.Context(), id, ticket.Input{Status: &solved})
	if formError(err) {
		return s.showPortalRequest(w, r, http.StatusUnprocessableEntity, rc.T("errors.validation")+" "+errorText(err), nil)
	}
	if err != nil {
		return err
	}
	return redirect(w, r, withMsg("/requests/"+strconv.FormatInt(id, 10), "solved"))
}

// attachment streams a file the signed-in user may see (the ticket service
// decides: end-users get files of public comments on their tickets only).
func (s *Server) attachment(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	a, f, err := s.d.Tickets.OpenAttachment(r.Context(), id)
	if err != nil {
		return err
	}
	defer f.Close()
	attach.ServeDownload(w, a.ContentType, a.FileName, a.Size, f)
	return nil
}
