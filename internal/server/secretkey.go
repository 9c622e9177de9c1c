package server

import (
	"context"
	"fmt"

	"github.com/frontdesk/frontdesk/internal/keys"
	"github.com/frontdesk/frontdesk/internal/secrets"
	"github.com/frontdesk/frontdesk/internal/store"
)

// openSecrets returns the instance key's Box. When no key is configured
// (FRONTDESK_SECRET_KEY unset, no key file in the data directory) but the
// store holds sealed secrets, it refuses to start: creating a fresh key
// would leave every one of them unreadable, silently.
func openSecrets(ctx context.Context, dataDir string, db *store.DB) (*secrets.Box, error) {
	if !secrets.KeyConfigured(dataDir) {
		rep, err := keys.Count(ctx, db)
		if err != nil {
			return nil, err
		}
		if rep.Total > 0 {
			return nil, fmt.Errorf("the secret key is missing: the database holds %d sealed secrets (mailbox passwords, 2FA seeds, webhook secrets, queued mail) "+
				"but %s is not set and there is no %s in the data directory %s; put the key file back (backups leave it out unless made with --include-key) "+
				"or set %s to the key; a new key would make those secrets unreadable",
				rep.Total, secrets.EnvKey, secrets.KeyFile, dataDir, secrets.EnvKey)
		}
	}
	return secrets.Open(dataDir)
}
