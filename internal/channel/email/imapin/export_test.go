package imapin

// ReconnectBackoff exposes the watcher's reconnect schedule to the tests.
var ReconnectBackoff = reconnectBackoff
