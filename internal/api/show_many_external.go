package api

import (
	"context"
	"net/http"
	"strings"
)

// externalIDsParam reads show_many's external_ids=a,b (Zendesk's
// alternative to ids). Giving both is ambiguous and refused.
func externalIDsParam(r *http.Request) ([]string, error) {
	q := r.URL.Query()
	if q.Has("ids") {
		return nil, errBadRequest("give ids or external_ids, not both")
	}
	v := q.Get("external_ids")
	if strings.TrimSpace(strings.ReplaceAll(v, ",", "")) == "" {
		return nil, errBadRequest("external_ids is required")
	}
	parts := strings.Split(v, ",")
	if len(parts) > 100 {
		return nil, &badRequest{name: "TooManyValues", msg: "at most 100 external ids"}
	}
	return parts, nil
}

// showManyOf fetches show_many's records: by ids=, or by external_ids=
// (Zendesk's alternative).
func showManyOf[T any](r *http.Request, byIDs func(context.Context, []int64) ([]T, error), byExternalIDs func(context.Context, []string) ([]T, error)) ([]T, error) {
	if r.URL.Query().Has("external_ids") {
		exts, err := externalIDsParam(r)
		if err != nil {
			return nil, err
		}
		return byExternalIDs(r.Context(), exts)
	}
	ids, err := idList(r.URL.Query().Get("ids"))
	if err != nil {
		return nil, err
	}
	return byIDs(r.Context(), ids)
}
