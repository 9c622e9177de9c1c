package audit

import (
	"sync"

	"github.com/frontdesk/frontdesk/internal/store"
)

// Subscribers hear of entries after their transaction committed (the
// stream to a file or syslog, stream.go in package server's wiring).

var subs struct {
	sync.RWMutex
	next int
	m    map[*store.DB]map[int]func([]Entry)
}

// Subscribe calls f with the entries of every transaction on db that
// committed audit entries, in commit order per transaction, after the
// commit. f must be quick (it runs on the committing goroutine); cancel
// stops the calls.
func Subscribe(db *store.DB, f func([]Entry)) (cancel func()) {
	subs.Lock()
	defer subs.Unlock()
	if subs.m == nil {
		subs.m = map[*store.DB]map[int]func([]Entry){}
	}
	if subs.m[db] == nil {
		subs.m[db] = map[int]func([]Entry){}
	}
	subs.next++
	id := subs.next
	subs.m[db][id] = f
	return func() {
		subs.Lock()
		defer subs.Unlock()
		delete(subs.m[db], id)
		if len(subs.m[db]) == 0 {
			delete(subs.m, db)
		}
	}
}

// publish hands committed entries to db's subscribers.
func publish(db *store.DB, es []Entry) {
	subs.RLock()
	fs := make([]func([]Entry), 0, len(subs.m[db]))
	for _, f := range subs.m[db] {
		fs = append(fs, f)
	}
	subs.RUnlock()
	for _, f := range fs {
		f(es)
	}
}
