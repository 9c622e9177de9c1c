package httpx

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestBearerOnly(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("secret metrics")) })
	const tok = "0123456789abcdef0123456789abcdef"
	cases := []struct {
		token, header string
		want          int
	}{
		{tok, "Bearer " + tok, 200},
		{tok, "bearer " + tok, 200},
		{tok, "Bearer " + tok + "x", 401},
		{tok, "Bearer " + tok[:10], 401},
		{tok, "Basic " + tok, 401},
		{tok, "", 401},
		{"", "Bearer ", 401},
		{"", "", 401},
	}
	for _, c := range cases {
		r := httptest.NewRequest(http.MethodGet, "/metrics", nil)
		if c.header != "" {
			r.Header.Set("Authorization", c.header)
		}
		rr := httptest.NewRecorder()
		BearerOnly(c.token, ok).ServeHTTP(rr, r)
		if rr.Code != c.want {
			t.Errorf("token %q header %q: %d, want %d", c.token, c.header, rr.Code, c.want)
		}
		if rr.Code != 200 && (rr.Body.String() == "secret metrics" || rr.Header().Get("WWW-Authenticate") == "") {
			t.Errorf("refusal leaked the body or lacks WWW-Authenticate: %q", rr.Body.String())
		}
	}
}
