package web

import (
	"io"
	"net/http"

	"github.com/frontdesk/frontdesk/internal/desk"
)

// registerChatUploads mounts the console's file upload: an agent sends a
// file to the visitor of their chat (package chat applies the attachment
// rules and puts it on the ticket).
func (s *Server) registerChatUploads(upload func(string, route, handlerFunc)) {
	if s.d.Chat == nil {
		return
	}
	upload("POST /agent/chat/{id}/upload", route{access: staff}, s.chatUpload)
}

func (s *Server) chatUpload(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if r.MultipartForm == nil || len(r.MultipartForm.File["file"]) != 1 {
		return desk.Invalid("file", "choose one file")
	}
	fh := r.MultipartForm.File["file"][0]
	f, err := fh.Open()
	if err != nil {
		return err
	}
	defer f.Close()
	m, err := s.d.Chat.AgentUpload(r.Context(), id, fh.Filename, io.LimitReader(f, s.d.MaxUpload+1))
	if err != nil {
		return err
	}
	return chatDone(w, r, id, "file_sent", m)
}
