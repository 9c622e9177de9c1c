package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/frontdesk/frontdesk/internal/oauth"
)

// The OAuth consent page (GET /oauth/authorizations/new, Zendesk's path):
// a signed-in user sees which app asks for what and allows or denies; the
// POST carries the request back with the CSRF token. Validation and codes
// are the oauth service's; this adapter only renders and redirects.

func (s *Server) registerOAuth(h func(string, access, handlerFunc)) {
	if s.d.OAuth == nil {
		return
	}
	h("GET /oauth/authorizations/new", customer, s.oauthConsentPage)
	h("POST /oauth/authorizations", customer, s.oauthDecide)
}

// authRequestFrom reads the authorization request's parameters.
func authRequestFrom(v url.Values) oauth.AuthRequest {
	return oauth.AuthRequest{
		ResponseType: v.Get("response_type"), ClientID: v.Get("client_id"), RedirectURI: v.Get("redirect_uri"),
		Scope: v.Get("scope"), State: v.Get("state"), CodeChallenge: v.Get("code_challenge"),
		CodeChallengeMethod: v.Get("code_challenge_method"),
	}
}

// consentData is what oauth_consent.html shows.
type consentData struct {
	Client *oauth.Client
	Scopes []string // described in the reader's language
	Req    oauth.AuthRequest
}

func (s *Server) oauthConsentPage(w http.ResponseWriter, r *http.Request) error {
	req := authRequestFrom(r.URL.Query())
	consent, done, err := s.checkAuthorization(w, r, req)
	if err != nil || done {
		return err
	}
	rc := rcFrom(r)
	pg := s.newPage(r, "portal", rc.T("web.oauth_title", "app", consent.Client.Name))
	scopes := make([]string, len(consent.Scopes))
	for i, sc := range consent.Scopes {
		scopes[i] = describeScope(rc, sc)
	}
	pg.Data = consentData{Client: consent.Client, Scopes: scopes, Req: req}
	// The form posts here, and its answer redirects to the app: allow that
	// one origin as a form target, nothing else.
	w.Header().Set("Content-Security-Policy", strings.Replace(CSP, "form-action 'self'", "form-action 'self' "+origin(req.RedirectURI), 1))
	return s.render(w, http.StatusOK, "oauth_consent", pg)
}

// oauthDecide records the user's answer and sends the browser back to the
// app with a code, or with access_denied.
func (s *Server) oauthDecide(w http.ResponseWriter, r *http.Request) error {
	req := authRequestFrom(r.PostForm)
	_, done, err := s.checkAuthorization(w, r, req)
	if err != nil || done {
		return err
	}
	if r.PostForm.Get("decision") != "allow" {
		http.Redirect(w, r, oauth.DenyRedirect(req), http.StatusFound)
		return nil
	}
	to, err := s.d.OAuth.Approve(r.Context(), req)
	if err != nil {
		return err
	}
	http.Redirect(w, r, to, http.StatusFound)
	return nil
}

// checkAuthorization validates the request: an unknown client or redirect
// URI gets an error page here (never a redirect), other protocol errors go
// back to the app; done reports that the answer was written.
func (s *Server) checkAuthorization(w http.ResponseWriter, r *http.Request, req oauth.AuthRequest) (*oauth.Consent, bool, error) {
	consent, err := s.d.OAuth.CheckAuthorization(r.Context(), req)
	var pe *oauth.ProtocolError
	switch {
	case errors.Is(err, oauth.ErrBadClient):
		s.renderError(w, r, http.StatusBadRequest, rcFrom(r).T("web.oauth_bad_client"))
		return nil, true, nil
	case errors.As(err, &pe):
		http.Redirect(w, r, oauth.ErrorRedirect(req, pe), http.StatusFound)
		return nil, true, nil
	case err != nil:
		return nil, false, err
	}
	return consent, false, nil
}

// describeScope says in the reader's language what a scope allows.
func describeScope(rc *reqCtx, scope string) string {
	switch scope {
	case oauth.ScopeRead:
		return rc.T("web.oauth_scope_read")
	case oauth.ScopeWrite:
		return rc.T("web.oauth_scope_write")
	case oauth.ScopeImpersonate:
		return rc.T("web.oauth_scope_impersonate")
	}
	resource, access, _ := strings.Cut(scope, ":")
	if access == "write" {
		return rc.T("web.oauth_scope_resource_write", "resource", resource)
	}
	return rc.T("web.oauth_scope_resource_read", "resource", resource)
}

// origin is scheme://host of a checked redirect URI.
func origin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host
}
