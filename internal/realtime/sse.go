package realtime

import (
	"bytes"
	"net/http"
	"time"
)

// Heartbeat is how often an idle stream sends a comment line, so proxies and
// browsers keep the connection open and dead peers are noticed.
var Heartbeat = 20 * time.Second

// Stream writes c's messages to w as Server-Sent Events until the request
// ends, the client is dropped or the hub closes. It closes c when it returns.
// first, when non-nil, is sent before anything else (the current presence).
func (h *Hub) Stream(w http.ResponseWriter, r *http.Request, c *Client, first *Message) {
	defer c.Close()
	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Time{})
	hd := w.Header()
	hd.Set("Content-Type", "text/event-stream; charset=utf-8")
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	var buf bytes.Buffer
	buf.WriteString("retry: 3000\n\n")
	if first != nil {
		writeEvent(&buf, *first)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return
	}
	if err := rc.Flush(); err != nil {
		return
	}
	tick := time.NewTicker(Heartbeat)
	defer tick.Stop()
	for {
		buf.Reset()
		select {
		case <-r.Context().Done():
			return
		case <-h.done:
			return
		case <-c.closed:
			return
		case <-tick.C:
			buf.WriteString(": ping\n\n")
		case m := <-c.c:
			writeEvent(&buf, m)
			// Drain what else is waiting into the same write.
			for more := true; more; {
				select {
				case m := <-c.c:
					writeEvent(&buf, m)
				default:
					more = false
				}
			}
		}
		if _, err := w.Write(buf.Bytes()); err != nil {
			return
		}
		if err := rc.Flush(); err != nil {
			return
		}
	}
}

// writeEvent formats one event. Data is JSON (no raw newlines), but every
// line is prefixed anyway so no payload can break the framing.
func writeEvent(buf *bytes.Buffer, m Message) {
	buf.WriteString("event: ")
	buf.WriteString(m.Event)
	buf.WriteByte('\n')
	for _, line := range bytes.Split(m.Data, []byte("\n")) {
		buf.WriteString("data: ")
		buf.Write(bytes.TrimRight(line, "\r"))
		buf.WriteByte('\n')
	}
	buf.WriteByte('\n')
}
