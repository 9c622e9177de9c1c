package settings

import (
	"net/mail"
	"strings"
)

// Security contact and suspicious sign-in alerts (issue P9, package
// account). Declared apart from the blocks in registry.go to keep merges
// easy.
const (
	KeySecurityContact     = "security.contact_email"
	KeyAlertNewDevice      = "security.alert_new_device"
	KeyAlertNewNetwork     = "security.alert_new_network"
	KeyAlertFailedThenOK   = "security.alert_failures_then_success"
	KeyAlertConcurrentNets = "security.alert_concurrent_network"
)

// maxContactEmail bounds the security contact address (RFC 5321's path).
const maxContactEmail = 254

var (
	// SecurityContact is the address that receives security notifications:
	// suspicious staff sign-ins, 2FA requirement changes, new admins, API
	// tokens created and audit-chain verification failures. Empty: none.
	SecurityContact = declare(stringSetting(KeySecurityContact, "",
		"Address that receives security notifications (empty: none).", checkContactEmail))

	// The rules of suspicious sign-in detection, each on by default.
	AlertNewDevice = declare(boolSetting(KeyAlertNewDevice, true,
		"Alert on a sign-in from a browser the user has not signed in from before."))
	AlertNewNetwork = declare(boolSetting(KeyAlertNewNetwork, true,
		"Alert on a sign-in from a network (/24 IPv4, /48 IPv6) the user has not used before."))
	AlertFailedThenOK = declare(boolSetting(KeyAlertFailedThenOK, true,
		"Alert on a successful sign-in after many failed attempts."))
	AlertConcurrentNets = declare(boolSetting(KeyAlertConcurrentNets, true,
		"Alert on a sign-in while another session of the user is active from a different network."))
)

// checkContactEmail accepts "" or one plain address (no display name, no
// list), at most maxContactEmail bytes.
func checkContactEmail(v string) string {
	if v == "" {
		return ""
	}
	if len(v) > maxContactEmail || strings.TrimSpace(v) != v || strings.ContainsAny(v, "<>,;\"\r\n") {
		return "must be one email address, e.g. security@example.com"
	}
	a, err := mail.ParseAddress(v)
	if err != nil || a.Address != v || a.Name != "" || !strings.Contains(v[strings.LastIndexByte(v, '@')+1:], ".") {
		return "must be one email address, e.g. security@example.com"
	}
	return ""
}
