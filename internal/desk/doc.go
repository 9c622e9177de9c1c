// Package desk holds Frontdesk's domain vocabulary: the types every adapter
// (API, web, email, chat) and every service speak, the typed errors that cross
// those boundaries, and the acting principal carried in a context.
//
// It imports nothing from the rest of the module so that every other package
// can depend on it without cycles (the WTF Dial layout).
package desk
