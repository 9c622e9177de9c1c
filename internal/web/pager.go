package web

import (
	"net/http"
	"strconv"
)

// pager is the paging state of a list.
type pager struct {
	Page, Pages, Total int
	PrevURL, NextURL   string
}

// newPager reads ?page= (1-based) and builds the neighbouring page URLs,
// keeping the other query parameters.
func newPager(r *http.Request, total, perPage int) pager {
	p := pager{Total: total, Pages: max(1, (total+perPage-1)/perPage)}
	p.Page, _ = strconv.Atoi(r.URL.Query().Get("page"))
	p.Page = min(max(p.Page, 1), p.Pages)
	link := func(n int) string {
		q := r.URL.Query()
		q.Del("m")
		q.Del("partial")
		if n == 1 {
			q.Del("page")
		} else {
			q.Set("page", strconv.Itoa(n))
		}
		if len(q) == 0 {
			return r.URL.Path
		}
		return r.URL.Path + "?" + q.Encode()
	}
	if p.Page > 1 {
		p.PrevURL = link(p.Page - 1)
	}
	if p.Page < p.Pages {
		p.NextURL = link(p.Page + 1)
	}
	return p
}
