package chat

import (
	"context"
	"fmt"

	"github.com/frontdesk/frontdesk/internal/store"
)

// EraseUserTx removes, inside tx, what the chat keeps of a permanently
// deleted user: their conversations as a visitor (with every line) and
// their name and id on the lines they wrote as an agent. The chats'
// tickets are erased through the ticket service with the user's other
// tickets.
func EraseUserTx(ctx context.Context, tx *store.Tx, userID int64) error {
	for _, q := range []string{
		`DELETE FROM chat_conversations WHERE visitor_user_id = ?`,
		`DELETE FROM chat_declines WHERE user_id = ?`,
		// System lines naming an agent ("… joined") are theirs too.
		`UPDATE chat_messages SET data = '{"code":"joined"}' WHERE author_id = ? AND kind = 'system'`,
		`UPDATE chat_messages SET author_id = NULL, author_name = '' WHERE author_id = ?`,
		`UPDATE chat_conversations SET agent_id = NULL WHERE agent_id = ?`,
	} {
		if _, err := tx.Exec(ctx, q, userID); err != nil {
			return fmt.Errorf("chat: erase user %d: %w", userID, err)
		}
	}
	return nil
}
