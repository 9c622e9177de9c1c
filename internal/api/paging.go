package api

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// paging is a parsed Zendesk pagination request: offset (page, per_page)
// or cursor (page[size], page[after], page[before]).
type paging struct {
	cursor  bool
	page    int
	perPage int
	after   int64
	before  int64
	desc    bool
	sortBy  string
}

// maxOffsetRecords mirrors Zendesk, which refuses offset paging beyond the
// first 10,000 records (100 pages of 100) with a 400; cursor pagination has
// no such limit.
const maxOffsetRecords = 10000

func parsePaging(r *http.Request) (paging, error) { return parsePagingDepth(r, maxOffsetRecords) }

// parsePagingDepth is parsePaging with a different limit on how many records
// offset paging may skip (0: no limit, for search, whose service enforces
// its own result limit with Zendesk's 422).
func parsePagingDepth(r *http.Request, maxRecords int) (paging, error) {
	q := r.URL.Query()
	p := paging{page: 1, perPage: 100}
	if sort := q.Get("sort"); sort != "" {
		p.desc = strings.HasPrefix(sort, "-")
		p.sortBy = strings.TrimPrefix(sort, "-")
	}
	if sb := q.Get("sort_by"); sb != "" {
		p.sortBy = sb
		p.desc = strings.EqualFold(q.Get("sort_order"), "desc")
	}
	if q.Has("page[size]") || q.Has("page[after]") || q.Has("page[before]") {
		p.cursor = true
		p.perPage = 100
		if v := q.Get("page[size]"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return p, errBadRequest("page[size] must be a positive number")
			}
			p.perPage = min(n, 100)
		}
		var err error
		if p.after, err = decodeCursor(q.Get("page[after]")); err != nil {
			return p, err
		}
		if p.before, err = decodeCursor(q.Get("page[before]")); err != nil {
			return p, err
		}
		return p, nil
	}
	if v := q.Get("per_page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return p, errBadRequest("per_page must be a positive number")
		}
		p.perPage = min(n, 100)
	}
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return p, errBadRequest("page must be a positive number")
		}
		// n > maxRecords first, so (n-1)*perPage cannot overflow.
		if maxRecords > 0 && (n > maxRecords || (n-1)*p.perPage >= maxRecords) {
			return p, errBadRequest("page is too deep for offset pagination (at most %d records); use cursor pagination (page[size])", maxRecords)
		}
		p.page = n
	}
	return p, nil
}

func (p paging) offset() int { return (p.page - 1) * p.perPage }

// Cursors are opaque to clients: base64 of the last id seen.
func encodeCursor(id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("id:" + strconv.FormatInt(id, 10)))
}

func decodeCursor(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || !strings.HasPrefix(string(b), "id:") {
		return 0, errBadRequest("invalid cursor")
	}
	id, err := strconv.ParseInt(string(b[3:]), 10, 64)
	if err != nil || id < 0 {
		return 0, errBadRequest("invalid cursor")
	}
	return id, nil
}

// pageURL rewrites the current request URL with new query values.
func pageURL(r *http.Request, set map[string]string, drop ...string) string {
	q := r.URL.Query()
	for _, k := range drop {
		q.Del(k)
	}
	for k, v := range set {
		q.Set(k, v)
	}
	u := url.URL{Path: r.URL.Path + ".json", RawQuery: q.Encode()}
	return baseURL(r) + u.String()
}

// listEnvelope builds Zendesk's list body for either paging style. ids are
// the first and last record ids on the page (for cursors).
func listEnvelope(r *http.Request, p paging, key string, items any, firstID, lastID int64, more bool, count func() (int, error)) (map[string]any, error) {
	body := map[string]any{key: items}
	if p.cursor {
		var next, prev any
		after, before := any(nil), any(nil)
		if lastID != 0 {
			after = encodeCursor(lastID)
		}
		if firstID != 0 {
			before = encodeCursor(firstID)
		}
		// links.next must be null on the last page: node-zendesk follows it
		// whenever it is set.
		if more && lastID != 0 {
			next = pageURL(r, map[string]string{"page[after]": after.(string), "page[size]": strconv.Itoa(p.perPage)}, "page[before]")
		}
		if (p.after != 0 || (p.before != 0 && more)) && firstID != 0 {
			prev = pageURL(r, map[string]string{"page[before]": before.(string), "page[size]": strconv.Itoa(p.perPage)}, "page[after]")
		}
		hasMore := more
		if p.before != 0 {
			hasMore = true // walking backwards, there is always a later page
			next = nil
			if lastID != 0 {
				next = pageURL(r, map[string]string{"page[after]": after.(string), "page[size]": strconv.Itoa(p.perPage)}, "page[before]")
			}
		}
		body["meta"] = map[string]any{"has_more": hasMore, "after_cursor": after, "before_cursor": before}
		body["links"] = map[string]any{"next": next, "prev": prev}
		return body, nil
	}
	n, err := count()
	if err != nil {
		return nil, err
	}
	var next, prev any
	if p.page*p.perPage < n {
		next = pageURL(r, map[string]string{"page": strconv.Itoa(p.page + 1), "per_page": strconv.Itoa(p.perPage)})
	}
	if p.page > 1 {
		prev = pageURL(r, map[string]string{"page": strconv.Itoa(p.page - 1), "per_page": strconv.Itoa(p.perPage)})
	}
	body["next_page"], body["previous_page"], body["count"] = next, prev, n
	return body, nil
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func unb64(s string) (string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	return string(b), err == nil
}

// forwardOnly refuses what a list paged forwards by id cannot serve: offset
// pages past the first, and page[before]. what names the list in the error.
func (p paging) forwardOnly(what string) error {
	if !p.cursor && p.page > 1 {
		return errBadRequest("%s support cursor pagination only (page[size], page[after])", what)
	}
	if p.before != 0 {
		return errBadRequest("%s support page[after] only", what)
	}
	return nil
}

// writeForwardPage writes one page of a list the service pages forwards by
// id: the first page in offset style, or a cursor page with no prev link.
// first and last are the ids of the page's first and last items (0 when it
// is empty).
func writeForwardPage(w http.ResponseWriter, r *http.Request, p paging, key string, items any, n int, first, last int64, more bool) error {
	if !p.cursor {
		return writeJSON(w, http.StatusOK, firstPageOnly(r, p, key, items, n, last, more))
	}
	body, err := listEnvelope(r, p, key, items, first, last, more, nil)
	if err != nil {
		return err
	}
	body["links"].(map[string]any)["prev"] = nil // the service pages forwards only
	return writeJSON(w, http.StatusOK, body)
}
