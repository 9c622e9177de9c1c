package audit

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"log/syslog"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
)

// A stream copies committed entries, one JSON object a line, to a file or
// to syslog for a separate log system. The audit log in the store stays
// the record: the stream is written after commit by one goroutine, and
// entries that arrive while it is more than StreamBuffer behind are
// dropped (and counted, and logged) rather than slowing writers down.

// StreamBuffer is how many entries a stream holds before dropping.
const StreamBuffer = 4096

// StreamSpec is a parsed stream destination.
type StreamSpec struct {
	// Kind is "file" or "syslog".
	Kind string
	// Path is the file (Kind file).
	Path string
	// Network and Addr name a remote syslog ("udp"/"tcp", host:port);
	// both empty: the local syslog daemon.
	Network, Addr string
}

// ParseStreamSpec reads "file:/path/audit.jsonl", "syslog" (the local
// daemon), "syslog+udp://host:514" or "syslog+tcp://host:514".
func ParseStreamSpec(s string) (StreamSpec, error) {
	switch {
	case strings.HasPrefix(s, "file:"):
		p := strings.TrimPrefix(s, "file:")
		if p == "" || strings.ContainsAny(p, "\x00\r\n") {
			return StreamSpec{}, errors.New(`must be file:PATH with a path on one line, e.g. file:/var/log/frontdesk/audit.jsonl`)
		}
		return StreamSpec{Kind: "file", Path: p}, nil
	case s == "syslog":
		return StreamSpec{Kind: "syslog"}, nil
	case strings.HasPrefix(s, "syslog+"):
		u, err := url.Parse(strings.TrimPrefix(s, "syslog+"))
		if err != nil || (u.Scheme != "udp" && u.Scheme != "tcp") || u.Hostname() == "" || u.Port() == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
			return StreamSpec{}, errors.New(`must be syslog+udp://host:port or syslog+tcp://host:port`)
		}
		return StreamSpec{Kind: "syslog", Network: u.Scheme, Addr: u.Host}, nil
	}
	return StreamSpec{}, errors.New(`must be empty, file:PATH, syslog, syslog+udp://host:port or syslog+tcp://host:port`)
}

// Stream writes entries to its destination in the background.
type Stream struct {
	w       io.WriteCloser
	ch      chan []byte
	done    chan struct{}
	dropped atomic.Int64
	logger  *slog.Logger
	// mu guards closed: Add after Close does nothing.
	mu     sync.RWMutex
	closed bool
}

// OpenStream opens spec's destination (a start-up error when it cannot be
// opened) and starts the writer.
func OpenStream(spec StreamSpec, logger *slog.Logger) (*Stream, error) {
	var w io.WriteCloser
	var err error
	switch spec.Kind {
	case "file":
		w, err = os.OpenFile(spec.Path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	case "syslog":
		w, err = syslog.Dial(spec.Network, spec.Addr, syslog.LOG_INFO|syslog.LOG_AUTH, "frontdesk-audit")
	default:
		err = fmt.Errorf("unknown stream kind %q", spec.Kind)
	}
	if err != nil {
		return nil, fmt.Errorf("audit stream: %w", err)
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &Stream{w: w, ch: make(chan []byte, StreamBuffer), done: make(chan struct{}), logger: logger}
	go s.run()
	return s, nil
}

// Add queues es (called after commit, see Subscribe).
func (s *Stream) Add(es []Entry) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return
	}
	for _, e := range es {
		b, err := json.Marshal(e)
		if err != nil {
			s.logger.Error("audit stream: encoding an entry", "id", e.ID, "err", err)
			continue
		}
		select {
		case s.ch <- append(b, '\n'):
		default:
			if s.dropped.Add(1) == 1 {
				s.logger.Warn("audit stream: falling behind, dropping entries (the audit log in the store has them)")
			}
		}
	}
}

// Dropped is how many entries were not streamed.
func (s *Stream) Dropped() int64 { return s.dropped.Load() }

func (s *Stream) run() {
	defer close(s.done)
	for b := range s.ch {
		if _, err := s.w.Write(b); err != nil {
			s.dropped.Add(1)
			s.logger.Error("audit stream: writing", "err", err)
		}
	}
}

// Close writes what is queued and closes the destination.
func (s *Stream) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.ch)
	s.mu.Unlock()
	<-s.done
	return s.w.Close()
}
