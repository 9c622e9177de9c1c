package web

import (
	"errors"
	"io"
	"math"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
)

// Request bodies. Every POST is read here, by wrap, and nowhere else:
//
//   - URL-encoded forms are read whole, before the CSRF check, within
//     smallFormLimit for visitors who are not signed in and formLimit for
//     signed-in users (a long comment, percent-encoded, needs more than
//     64 KiB).
//   - multipart/form-data is accepted only on routes registered with
//     uploads (route.uploads); anywhere else it is refused with 415 before a
//     byte of it is read. On upload routes only the head of the form —
//     the fields up to the CSRF token, within smallFormLimit — is read
//     before the session, CSRF, access and admission (rate limit) checks;
//     the files are read after them.
//   - Multipart files that spill to temporary files are removed when the
//     handler returns (wrap's deferred RemoveAll): net/http cleans up only
//     the original request's form, never the copy a handler works on.
//   - Other methods never read the body at all.
const (
	smallFormLimit = 64 << 10
	formLimit      = 1 << 20
)

// maxFormMemory is how much of a multipart form is kept in memory; the rest
// goes to temporary files (removed at the end of the request).
const maxFormMemory = 1 << 20

// maxAttachments bounds the files of one form.
const maxAttachments = 10

var (
	// errNoUploads: a multipart body sent to a route that takes no files.
	errNoUploads = errors.New("web: this route takes no multipart bodies")
	// errBadForm: a body that is not a well-formed form.
	errBadForm = errors.New("web: malformed form body")
)

// uploadLimit caps a whole multipart body on an upload route.
func (s *Server) uploadLimit() int64 { return s.d.MaxUpload*maxAttachments + formLimit }

// noBody makes sure a request other than POST never reads its body: form
// values come from the query string alone, and a later FormValue cannot
// start parsing (and spooling) a multipart body.
func noBody(r *http.Request) {
	r.Body = http.NoBody
	r.MultipartForm = nil
	r.Form = r.URL.Query()
	r.PostForm = url.Values{}
}

// pendingUpload is a multipart form whose head has been read; the rest
// (the files) is read by finish once the request has been admitted.
type pendingUpload struct {
	r   *http.Request
	lim *phasedReader
	mr  *multipart.Reader
}

// readFormHead reads what the CSRF check needs: a URL-encoded form whole,
// or a multipart form up to its CSRF token. It returns the pending rest of
// a multipart form.
func (s *Server) readFormHead(w http.ResponseWriter, r *http.Request, rc *reqCtx, rt route) (*pendingUpload, error) {
	ct := r.Header.Get("Content-Type")
	mt, params, err := mime.ParseMediaType(ct)
	if strings.HasPrefix(strings.ToLower(strings.TrimSpace(ct)), "multipart/") || strings.HasPrefix(mt, "multipart/") {
		if !rt.uploads || err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
			return nil, errNoUploads
		}
		return s.multipartHead(w, r, params["boundary"])
	}
	limit := int64(smallFormLimit)
	if rc.p != nil {
		limit = formLimit
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	r.MultipartForm = nil
	if err := r.ParseForm(); err != nil {
		return nil, formErr(err)
	}
	return nil, nil
}

// multipartHead reads the leading non-file fields of a multipart form, up
// to and including the CSRF token (forms put it first), within
// smallFormLimit. A fetch call that sends the token as X-CSRF-Token needs
// no head at all.
func (s *Server) multipartHead(w http.ResponseWriter, r *http.Request, boundary string) (*pendingUpload, error) {
	lim := &phasedReader{r: http.MaxBytesReader(w, r.Body, s.uploadLimit()), left: smallFormLimit}
	mr := multipart.NewReader(lim, boundary)
	head := url.Values{}
	if r.Header.Get("X-CSRF-Token") == "" {
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				return nil, formErr(err)
			}
			if p.FileName() != "" {
				// A file before the token: the CSRF check will fail, and
				// nothing more is read.
				break
			}
			name := p.FormName()
			v, err := io.ReadAll(p)
			if err != nil {
				return nil, formErr(err)
			}
			if name == "" {
				continue
			}
			head.Add(name, string(v))
			if name == csrfField {
				break
			}
		}
	}
	setForm(r, head)
	return &pendingUpload{r: r, lim: lim, mr: mr}, nil
}

// finish reads the rest of an admitted multipart form: files beyond
// maxFormMemory go to temporary files, which wrap removes when the handler
// returns.
func (u *pendingUpload) finish() error {
	u.lim.left = math.MaxInt64 // from here only the route's upload limit applies
	form, err := u.mr.ReadForm(maxFormMemory)
	if err != nil {
		return formErr(err)
	}
	for k, vs := range u.r.PostForm {
		form.Value[k] = append(vs, form.Value[k]...)
	}
	u.r.MultipartForm = form
	setForm(u.r, form.Value)
	return nil
}

// setForm installs posted values as the request's PostForm and Form (query
// values after posted ones, as net/http does).
func setForm(r *http.Request, posted map[string][]string) {
	r.PostForm = url.Values{}
	r.Form = url.Values{}
	for k, vs := range posted {
		r.PostForm[k] = append([]string(nil), vs...)
		r.Form[k] = append([]string(nil), vs...)
	}
	for k, vs := range r.URL.Query() {
		r.Form[k] = append(r.Form[k], vs...)
	}
}

// formErr keeps "too large" errors (413) and turns anything else into
// errBadForm (400): a body we cannot parse is the client's mistake.
func formErr(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return err
	}
	if errors.Is(err, multipart.ErrMessageTooLarge) {
		return &http.MaxBytesError{}
	}
	return errors.Join(errBadForm, err)
}

// phasedReader allows left more bytes, then fails as a too-large body; the
// limit is raised once a request has been admitted.
type phasedReader struct {
	r    io.Reader
	left int64
}

func (p *phasedReader) Read(b []byte) (int, error) {
	if p.left <= 0 {
		return 0, &http.MaxBytesError{Limit: smallFormLimit}
	}
	if int64(len(b)) > p.left {
		b = b[:p.left]
	}
	n, err := p.r.Read(b)
	p.left -= int64(n)
	return n, err
}
