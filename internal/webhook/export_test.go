package webhook

import "net/netip"

// SetAllowedForTest replaces the public-address rule of d, so a test can
// treat its loopback server as "public" and check that what it redirects
// to is still refused.
func (d *Dialer) SetAllowedForTest(f func(netip.Addr) bool) { d.allowed = f }
