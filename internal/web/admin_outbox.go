package web

import "net/http"

// adminRetryOutbox puts a message whose delivery failed back in the queue;
// the outbox service checks that an admin asks and audits it.
func (s *Server) adminRetryOutbox(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.d.Outbox.Retry(r.Context(), id); err != nil {
		return err
	}
	return redirect(w, r, withMsg("/agent/admin/outbox", "retried"))
}
