package api

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/frontdesk/frontdesk/internal/assign"
	"github.com/frontdesk/frontdesk/internal/csat"
	"github.com/frontdesk/frontdesk/internal/desk"
)

// Agent availability, group assignment settings and satisfaction ratings
// (p8-assign). Agent availability follows the shape of Zendesk's newer
// agent availability API in a simple form: the caller's own status at
// /agent_availabilities/me, everyone's for managers.
func (s *Server) registerAssignCSAT(mux *http.ServeMux) {
	a := func(h handlerFunc) handlerFunc { return s.needs(s.Assign != nil, h) }
	c := func(h handlerFunc) handlerFunc { return s.needs(s.CSAT != nil, h) }
	s.handle(mux, "GET /api/v2/agent_availabilities", a(s.listAvailability))
	s.handle(mux, "GET /api/v2/agent_availabilities/me", a(s.showMyAvailability))
	s.handle(mux, "PUT /api/v2/agent_availabilities/me", a(s.updateMyAvailability))
	s.handle(mux, "GET /api/v2/agent_availabilities/{id}", a(s.showAvailability))
	s.handle(mux, "PUT /api/v2/agent_availabilities/{id}", a(s.updateAvailability))
	s.handle(mux, "GET /api/v2/groups/{id}/assignment", a(s.showGroupAssignment))
	s.handle(mux, "PUT /api/v2/groups/{id}/assignment", a(s.updateGroupAssignment))
	s.handle(mux, "GET /api/v2/satisfaction_ratings", c(s.listRatings))
	s.handle(mux, "GET /api/v2/satisfaction_ratings/{id}", c(s.showRating))
	s.handle(mux, "POST /api/v2/tickets/{id}/satisfaction_rating", c(s.createRating))
}

// needs serves h when its service is wired, else answers not found.
func (s *Server) needs(wired bool, h handlerFunc) handlerFunc {
	if wired {
		return h
	}
	return func(w http.ResponseWriter, r *http.Request) error {
		return &desk.Error{Code: desk.ENOTFOUND, Message: "No route matches " + r.Method + " " + r.URL.Path}
	}
}

type availabilityBody struct {
	Availability *struct {
		Status   *assign.Status `json:"status"`
		Capacity *int           `json:"capacity"`
	} `json:"agent_availability"`
}

func decodeAvailability(r *http.Request) (assign.Update, error) {
	var b availabilityBody
	if err := decode(r, &b); err != nil {
		return assign.Update{}, err
	}
	if b.Availability == nil {
		return assign.Update{}, desk.Invalid("agent_availability", "is required")
	}
	return assign.Update{Status: b.Availability.Status, Capacity: b.Availability.Capacity}, nil
}

func availabilityJSON(a *assign.Availability) map[string]any {
	return map[string]any{"agent_availability": a}
}

func (s *Server) listAvailability(w http.ResponseWriter, r *http.Request) error {
	list, err := s.Assign.List(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"agent_availabilities": list, "count": len(list), "next_page": nil, "previous_page": nil})
}

func (s *Server) showMyAvailability(w http.ResponseWriter, r *http.Request) error {
	a, err := s.Assign.Mine(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, availabilityJSON(a))
}

func (s *Server) updateMyAvailability(w http.ResponseWriter, r *http.Request) error {
	u, err := decodeAvailability(r)
	if err != nil {
		return err
	}
	p, err := desk.RequirePrincipal(r.Context())
	if err != nil {
		return err
	}
	if !p.IsStaff() {
		return desk.Forbidden("Only agents have an availability status")
	}
	a, err := s.Assign.Set(r.Context(), p.UserID, u)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, availabilityJSON(a))
}

func (s *Server) showAvailability(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	a, err := s.Assign.Get(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, availabilityJSON(a))
}

func (s *Server) updateAvailability(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	u, err := decodeAvailability(r)
	if err != nil {
		return err
	}
	a, err := s.Assign.Set(r.Context(), id, u)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, availabilityJSON(a))
}

func (s *Server) showGroupAssignment(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	g, err := s.Assign.Group(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"group_assignment": g})
}

func (s *Server) updateGroupAssignment(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var b struct {
		G *struct {
			Mode     *assign.Mode `json:"mode"`
			Capacity *int         `json:"capacity"`
		} `json:"group_assignment"`
	}
	if err := decode(r, &b); err != nil {
		return err
	}
	if b.G == nil {
		return desk.Invalid("group_assignment", "is required")
	}
	g, err := s.Assign.SetGroup(r.Context(), id, assign.GroupUpdate{Mode: b.G.Mode, Capacity: b.G.Capacity})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"group_assignment": g})
}

func ratingURLs(r *http.Request, rs ...*csat.Rating) {
	for _, x := range rs {
		x.URL = baseURL(r) + "/api/v2/satisfaction_ratings/" + itoa(x.ID) + ".json"
	}
}

// listRatings serves GET /satisfaction_ratings: newest first, filtered by
// score (offered, good, bad, received) and start_time/end_time (Unix
// seconds, on updated_at), in cursor pages (page[size], page[after]).
func (s *Server) listRatings(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	lq := csat.ListQuery{Score: q.Get("score")}
	for name, dst := range map[string]*time.Time{"start_time": &lq.StartTime, "end_time": &lq.EndTime} {
		if v := q.Get(name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 || n > 1<<40 {
				return errBadRequest("%s must be a Unix time in seconds", name)
			}
			*dst = time.Unix(n, 0)
		}
	}
	if v := q.Get("page[size]"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			return errBadRequest("page[size] must be between 1 and 100")
		}
		lq.Limit = n
	}
	if v := q.Get("page[after]"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			return errBadRequest("page[after] is not a cursor from this list")
		}
		lq.BeforeID = n
	}
	list, more, err := s.CSAT.List(r.Context(), lq)
	if err != nil {
		return err
	}
	ptrs := make([]*csat.Rating, len(list))
	for i := range list {
		ptrs[i] = &list[i]
	}
	ratingURLs(r, ptrs...)
	links := map[string]any{"next": nil, "prev": nil}
	meta := map[string]any{"has_more": more, "after_cursor": nil, "before_cursor": nil}
	if more && len(list) > 0 {
		cur := strconv.FormatInt(list[len(list)-1].ID, 10)
		nq := url.Values{}
		for k, v := range q {
			nq[k] = v
		}
		nq.Set("page[after]", cur)
		links["next"] = baseURL(r) + "/api/v2/satisfaction_ratings.json?" + nq.Encode()
		meta["after_cursor"] = cur
	}
	return writeJSON(w, http.StatusOK, map[string]any{"satisfaction_ratings": list, "meta": meta, "links": links})
}

func (s *Server) showRating(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	x, err := s.CSAT.Get(r.Context(), id)
	if err != nil {
		return err
	}
	ratingURLs(r, x)
	return writeJSON(w, http.StatusOK, map[string]any{"satisfaction_rating": x})
}

// createRating serves POST /tickets/{id}/satisfaction_rating: the
// requester rates their solved ticket ({"satisfaction_rating": {"score":
// "good", "comment": "…"}}).
func (s *Server) createRating(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var b struct {
		R *struct {
			Score   csat.Score `json:"score"`
			Comment string     `json:"comment"`
		} `json:"satisfaction_rating"`
	}
	if err := decode(r, &b); err != nil {
		return err
	}
	if b.R == nil {
		return desk.Invalid("satisfaction_rating", "is required")
	}
	x, err := s.CSAT.Rate(r.Context(), id, csat.Input{Score: b.R.Score, Comment: b.R.Comment})
	if err != nil {
		return err
	}
	ratingURLs(r, x)
	return writeJSON(w, http.StatusOK, map[string]any{"satisfaction_rating": x})
}

// withNewSatisfaction is withSatisfaction for a ticket just created (no
// rating can exist yet; see csat.ForNewTicket).
func (s *Server) withNewSatisfaction(r *http.Request, t *desk.Ticket) error {
	if s.CSAT == nil {
		return nil
	}
	v, err := s.CSAT.ForNewTicket(r.Context())
	if err != nil {
		return err
	}
	if v != nil {
		t.SatisfactionRating = v
	}
	return nil
}

// withSatisfaction fills the tickets' satisfaction_rating (Zendesk's
// {id, score, comment}; {score: unoffered} before any survey; null while
// CSAT is off and the ticket was never rated).
func (s *Server) withSatisfaction(r *http.Request, ts ...*desk.Ticket) error {
	if s.CSAT == nil || len(ts) == 0 {
		return nil
	}
	m, err := s.CSAT.ForTickets(r.Context(), ts)
	if err != nil {
		return err
	}
	for _, t := range ts {
		if t == nil {
			continue
		}
		if v, ok := m[t.ID]; ok {
			t.SatisfactionRating = v
		}
	}
	return nil
}
