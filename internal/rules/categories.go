package rules

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
)

// TriggerCategory groups triggers (Zendesk's trigger categories; ids are
// strings in its API).
type TriggerCategory struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Position  int       `json:"position"`
	CreatedAt desk.Time `json:"created_at"`
	UpdatedAt desk.Time `json:"updated_at"`
}

// CategoryInput creates or changes a category (nil: unchanged).
type CategoryInput struct {
	Name     *string `json:"name"`
	Position *int    `json:"position"`
}

func scanCategory(sc interface{ Scan(...any) error }) (*TriggerCategory, error) {
	var c TriggerCategory
	var id, created, updated int64
	if err := sc.Scan(&id, &c.Name, &c.Position, &created, &updated); err != nil {
		return nil, err
	}
	c.ID = strconv.FormatInt(id, 10)
	c.CreatedAt, c.UpdatedAt = desk.TimeFromMicros(created), desk.TimeFromMicros(updated)
	return &c, nil
}

const categoryCols = `id, name, position, created_at, updated_at`

// ListCategories lists trigger categories in position order.
func (s *Service) ListCategories(ctx context.Context) ([]*TriggerCategory, error) {
	if _, err := requireManager(ctx); err != nil {
		return nil, err
	}
	rows, err := s.DB.Query(ctx, `SELECT `+categoryCols+` FROM trigger_categories ORDER BY position, id LIMIT 1000`)
	if err != nil {
		return nil, fmt.Errorf("rules: categories: %w", err)
	}
	defer rows.Close()
	out := []*TriggerCategory{}
	for rows.Next() {
		c, err := scanCategory(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// GetCategory returns one category.
func (s *Service) GetCategory(ctx context.Context, id int64) (*TriggerCategory, error) {
	if _, err := requireManager(ctx); err != nil {
		return nil, err
	}
	c, err := scanCategory(s.DB.QueryRow(ctx, `SELECT `+categoryCols+` FROM trigger_categories WHERE id = ?`, id))
	if err != nil {
		return nil, notFound(err)
	}
	return c, nil
}

func validCategory(c *TriggerCategory) error {
	c.Name = strings.TrimSpace(c.Name)
	switch {
	case c.Name == "":
		return desk.Invalid("name", "cannot be blank")
	case len(c.Name) > 255:
		return desk.Invalid("name", "is too long (at most 255 characters)")
	case !utf8.ValidString(c.Name) || strings.ContainsFunc(c.Name, unicode.IsControl):
		return desk.Invalid("name", "must be text without control characters")
	case c.Position < 0:
		return desk.Invalid("position", "must not be negative")
	}
	return nil
}

// CreateCategory adds a category (last unless a position is given).
func (s *Service) CreateCategory(ctx context.Context, in CategoryInput) (*TriggerCategory, error) {
	if _, err := requireWriter(ctx); err != nil {
		return nil, err
	}
	c := &TriggerCategory{}
	if in.Name != nil {
		c.Name = *in.Name
	}
	if in.Position != nil {
		c.Position = *in.Position
	}
	if err := validCategory(c); err != nil {
		return nil, err
	}
	var out *TriggerCategory
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		if in.Position == nil {
			if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(position), 0) + 1 FROM trigger_categories`).Scan(&c.Position); err != nil {
				return err
			}
		}
		now := store.Now()
		id, err := tx.InsertID(ctx, `INSERT INTO trigger_categories (name, position, created_at, updated_at) VALUES (?, ?, ?, ?)`, c.Name, c.Position, now, now)
		if err != nil {
			return err
		}
		out, err = scanCategory(tx.QueryRow(ctx, `SELECT `+categoryCols+` FROM trigger_categories WHERE id = ?`, id))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("rules: create category: %w", err)
	}
	return out, nil
}

// UpdateCategory renames or moves a category.
func (s *Service) UpdateCategory(ctx context.Context, id int64, in CategoryInput) (*TriggerCategory, error) {
	if _, err := requireWriter(ctx); err != nil {
		return nil, err
	}
	var out *TriggerCategory
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		c, err := scanCategory(tx.QueryRow(ctx, `SELECT `+categoryCols+` FROM trigger_categories WHERE id = ?`, id))
		if err != nil {
			return notFound(err)
		}
		if in.Name != nil {
			c.Name = *in.Name
		}
		if in.Position != nil {
			c.Position = *in.Position
		}
		if err := validCategory(c); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE trigger_categories SET name = ?, position = ?, updated_at = ? WHERE id = ?`, c.Name, c.Position, store.Now(), id); err != nil {
			return err
		}
		out, err = scanCategory(tx.QueryRow(ctx, `SELECT `+categoryCols+` FROM trigger_categories WHERE id = ?`, id))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("rules: update category %d: %w", id, err)
	}
	return out, nil
}

// DeleteCategory removes a category that no trigger is in (422 otherwise,
// as Zendesk refuses it).
func (s *Service) DeleteCategory(ctx context.Context, id int64) error {
	if _, err := requireWriter(ctx); err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM triggers WHERE category_id = ?`, id).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return desk.Invalid("category", fmt.Sprintf("has %d triggers; move or delete them first", n))
		}
		res, err := tx.Exec(ctx, `DELETE FROM trigger_categories WHERE id = ?`, id)
		if err != nil {
			return fmt.Errorf("rules: delete category %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return desk.NotFound()
		}
		return nil
	})
}
