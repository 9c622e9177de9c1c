package testkit

import "github.com/frontdesk/frontdesk/internal/auth"

// CheapPasswordHashes makes every password hash the process computes from
// now on cost 1 MiB and one pass instead of the production 19 MiB and two.
// At the production cost an argon2id hash takes about 37 ms, and 160 ms
// under -race; a package whose tests create users and sign in calls this
// from TestMain. Only internal/auth's own tests need the real cost.
func CheapPasswordHashes() {
	auth.DefaultParams = auth.Argon2Params{Time: 1, Memory: 1024, Threads: 1, KeyLen: 32}
}
