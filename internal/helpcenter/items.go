package helpcenter

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
)

// Category is a top-level grouping, shown in one locale.
type Category struct {
	ID           int64     `json:"id"`
	Name         string    `json:"name"`
	Description  string    `json:"description"`
	Locale       string    `json:"locale"`
	SourceLocale string    `json:"source_locale"`
	Outdated     bool      `json:"outdated"`
	Position     int       `json:"position"`
	CreatedAt    desk.Time `json:"created_at"`
	UpdatedAt    desk.Time `json:"updated_at"`
}

// Section is a grouping of articles inside a category.
type Section struct {
	ID           int64     `json:"id"`
	CategoryID   int64     `json:"category_id"`
	Name         string    `json:"name"`
	Description  string    `json:"description"`
	Locale       string    `json:"locale"`
	SourceLocale string    `json:"source_locale"`
	Outdated     bool      `json:"outdated"`
	Position     int       `json:"position"`
	CreatedAt    desk.Time `json:"created_at"`
	UpdatedAt    desk.Time `json:"updated_at"`
}

// GroupInput creates or changes a category or section; absent fields stay.
// Name and Description write the translation in Locale (the source locale
// when creating).
type GroupInput struct {
	Locale      string  `json:"locale"`
	Name        *string `json:"name"`
	Description *string `json:"description"`
	Position    *int    `json:"position"`
	CategoryID  *int64  `json:"category_id"` // sections only
}

// CreateCategory adds a category with its source translation.
func (s *Service) CreateCategory(ctx context.Context, in GroupInput) (Category, error) {
	in.CategoryID = nil
	id, loc, err := s.createGroup(ctx, KindCategory, in)
	if err != nil {
		return Category{}, err
	}
	return s.Category(ctx, id, loc)
}

// UpdateCategory changes a category's position and its words in in.Locale.
func (s *Service) UpdateCategory(ctx context.Context, id int64, in GroupInput) (Category, error) {
	in.CategoryID = nil
	loc, err := s.updateGroup(ctx, KindCategory, id, in)
	if err != nil {
		return Category{}, err
	}
	return s.Category(ctx, id, loc)
}

// groupTable is the table of a category or section.
func groupTable(kind Kind) string {
	if kind == KindSection {
		return "hc_sections"
	}
	return "hc_categories"
}

// createGroup adds a category or a section (in.CategoryID set) with its
// source translation; it returns the id and the locale written.
func (s *Service) createGroup(ctx context.Context, kind Kind, in GroupInput) (int64, string, error) {
	p, err := requireManager(ctx)
	if err != nil {
		return 0, "", err
	}
	if in.Locale == "" {
		in.Locale = s.DefaultLocale()
	}
	if in.Name == nil {
		return 0, "", desk.Invalid("name", "cannot be blank")
	}
	if kind == KindSection && in.CategoryID == nil {
		return 0, "", desk.Invalid("category_id", "cannot be blank")
	}
	var id int64
	err = s.inTx(ctx, func(tx *store.Tx) error {
		if !s.ValidLocale(in.Locale) {
			return desk.Invalid("locale", "is not a supported locale")
		}
		now := store.Now()
		if kind == KindSection {
			if err := checkCategory(ctx, tx, *in.CategoryID); err != nil {
				return err
			}
			id, err = tx.InsertID(ctx, `INSERT INTO hc_sections (category_id, position, source_locale, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`,
				*in.CategoryID, derefInt(in.Position), in.Locale, now, now)
		} else {
			id, err = tx.InsertID(ctx, `INSERT INTO hc_categories (position, source_locale, created_at, updated_at) VALUES (?, ?, ?, ?)`,
				derefInt(in.Position), in.Locale, now, now)
		}
		if err != nil {
			return fmt.Errorf("helpcenter: create %s: %w", kind, err)
		}
		_, err = s.writeTranslation(ctx, tx, p, kind, id, TranslationInput{Locale: in.Locale, Title: in.Name, Body: in.Description})
		return err
	})
	return id, in.Locale, err
}

// checkCategory is the check that a section's category exists.
func checkCategory(ctx context.Context, q store.Querier, id int64) error {
	if _, err := itemSourceLocale(ctx, q, KindCategory, id); err != nil {
		if e := notFound(err, "category"); desk.ErrorCode(e) != desk.ENOTFOUND {
			return e
		}
		return desk.Invalid("category_id", "is not a category")
	}
	return nil
}

// updateGroup changes a category's or section's category (sections),
// position and words in in.Locale (its source locale when empty); it
// returns the locale written.
func (s *Service) updateGroup(ctx context.Context, kind Kind, id int64, in GroupInput) (string, error) {
	p, err := requireManager(ctx)
	if err != nil {
		return "", err
	}
	err = s.inTx(ctx, func(tx *store.Tx) error {
		src, err := itemSourceLocale(ctx, tx, kind, id)
		if err != nil {
			return notFound(err, "update "+string(kind))
		}
		if in.Locale == "" {
			in.Locale = src
		}
		if in.CategoryID != nil && kind == KindSection {
			if err := checkCategory(ctx, tx, *in.CategoryID); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE hc_sections SET category_id = ?, updated_at = ? WHERE id = ?`, *in.CategoryID, store.Now(), id); err != nil {
				return fmt.Errorf("helpcenter: update section: %w", err)
			}
		}
		if in.Position != nil {
			if _, err := tx.Exec(ctx, `UPDATE `+groupTable(kind)+` SET position = ?, updated_at = ? WHERE id = ?`, *in.Position, store.Now(), id); err != nil {
				return fmt.Errorf("helpcenter: update %s: %w", kind, err)
			}
		}
		if in.Name != nil || in.Description != nil {
			_, err = s.writeTranslation(ctx, tx, p, kind, id, TranslationInput{Locale: in.Locale, Title: in.Name, Body: in.Description})
		}
		return err
	})
	return in.Locale, err
}

// DeleteCategory removes a category with its sections and articles.
func (s *Service) DeleteCategory(ctx context.Context, id int64) error {
	if _, err := requireManager(ctx); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *store.Tx) error {
		if _, err := itemSourceLocale(ctx, tx, KindCategory, id); err != nil {
			return notFound(err, "delete category")
		}
		secs, err := idsTx(ctx, tx, `SELECT id FROM hc_sections WHERE category_id = ?`, id)
		if err != nil {
			return fmt.Errorf("helpcenter: delete category: %w", err)
		}
		for _, sec := range secs {
			if err := deleteSection(ctx, tx, sec); err != nil {
				return err
			}
		}
		return deleteItem(ctx, tx, KindCategory, "hc_categories", id)
	})
}

// Categories lists every category in order, shown in loc (with fallback).
func (s *Service) Categories(ctx context.Context, loc string) ([]Category, error) {
	return s.categories(ctx, loc, 0)
}

// Category returns one category shown in loc.
func (s *Service) Category(ctx context.Context, id int64, loc string) (Category, error) {
	cs, err := s.categories(ctx, loc, id)
	if err != nil {
		return Category{}, err
	}
	if len(cs) == 0 {
		return Category{}, desk.NotFound()
	}
	return cs[0], nil
}

func (s *Service) categories(ctx context.Context, loc string, only int64) ([]Category, error) {
	gs, err := s.groups(ctx, KindCategory, loc, 0, only)
	if err != nil {
		return nil, err
	}
	out := make([]Category, len(gs))
	for i, g := range gs {
		out[i] = Category{ID: g.ID, Name: g.Name, Description: g.Description, Locale: g.Locale, SourceLocale: g.SourceLocale,
			Outdated: g.Outdated, Position: g.Position, CreatedAt: g.CreatedAt, UpdatedAt: g.UpdatedAt}
	}
	return out, nil
}

// groups lists categories or sections (of categoryID, 0: all; only one
// when only is set) in order, each shown in loc with fallback; those with
// nothing published yet are left out. A category comes back as a Section
// without a category.
func (s *Service) groups(ctx context.Context, kind Kind, loc string, categoryID, only int64) ([]Section, error) {
	v, err := s.viewerFor(ctx)
	if err != nil {
		return nil, err
	}
	q := `SELECT c.id, 0, c.position, c.source_locale, c.created_at, c.updated_at FROM hc_categories c WHERE 1 = 1`
	order := ` ORDER BY c.position, c.id`
	if kind == KindSection {
		q = `SELECT s.id, s.category_id, s.position, s.source_locale, s.created_at, s.updated_at FROM hc_sections s JOIN hc_categories c ON c.id = s.category_id WHERE 1 = 1`
		order = ` ORDER BY c.position, c.id, s.position, s.id`
	}
	var args []any
	alias := map[Kind]string{KindCategory: "c", KindSection: "s"}[kind]
	if only != 0 {
		q += ` AND ` + alias + `.id = ?`
		args = append(args, only)
	}
	if categoryID != 0 && kind == KindSection {
		q += ` AND s.category_id = ?`
		args = append(args, categoryID)
	}
	rows, err := s.DB.Query(ctx, q+order, args...)
	if err != nil {
		return nil, fmt.Errorf("helpcenter: %s list: %w", kind, err)
	}
	var out []Section
	for rows.Next() {
		var c Section
		var created, updated int64
		if err := rows.Scan(&c.ID, &c.CategoryID, &c.Position, &c.SourceLocale, &created, &updated); err != nil {
			rows.Close()
			return nil, fmt.Errorf("helpcenter: %s list: %w", kind, err)
		}
		c.CreatedAt, c.UpdatedAt = desk.TimeFromMicros(created), desk.TimeFromMicros(updated)
		out = append(out, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	ids := make([]int64, len(out))
	for i, c := range out {
		ids[i] = c.ID
	}
	trs, err := s.translationsOf(ctx, v, kind, ids)
	if err != nil {
		return nil, err
	}
	kept := out[:0]
	for _, c := range out {
		tr, ok := pick(trs[c.ID], loc, c.SourceLocale, s.DefaultLocale())
		if !ok {
			continue // nothing published yet
		}
		c.Name, c.Description, c.Locale, c.Outdated = tr.Title, tr.Body, tr.Locale, tr.Outdated
		kept = append(kept, c)
	}
	return kept, nil
}

// CreateSection adds a section to a category.
func (s *Service) CreateSection(ctx context.Context, in GroupInput) (Section, error) {
	id, loc, err := s.createGroup(ctx, KindSection, in)
	if err != nil {
		return Section{}, err
	}
	return s.Section(ctx, id, loc)
}

// UpdateSection changes a section's category, position and words.
func (s *Service) UpdateSection(ctx context.Context, id int64, in GroupInput) (Section, error) {
	loc, err := s.updateGroup(ctx, KindSection, id, in)
	if err != nil {
		return Section{}, err
	}
	return s.Section(ctx, id, loc)
}

// DeleteSection removes a section and its articles.
func (s *Service) DeleteSection(ctx context.Context, id int64) error {
	if _, err := requireManager(ctx); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *store.Tx) error {
		if _, err := itemSourceLocale(ctx, tx, KindSection, id); err != nil {
			return notFound(err, "delete section")
		}
		return deleteSection(ctx, tx, id)
	})
}

func deleteSection(ctx context.Context, tx *store.Tx, id int64) error {
	arts, err := idsTx(ctx, tx, `SELECT id FROM hc_articles WHERE section_id = ?`, id)
	if err != nil {
		return fmt.Errorf("helpcenter: delete section: %w", err)
	}
	for _, a := range arts {
		if err := deleteArticle(ctx, tx, a); err != nil {
			return err
		}
	}
	return deleteItem(ctx, tx, KindSection, "hc_sections", id)
}

func deleteArticle(ctx context.Context, tx *store.Tx, id int64) error {
	if err := deleteArticleAttachments(ctx, tx, id); err != nil {
		return err
	}
	if err := deleteSearchDocs(ctx, tx, []int64{id}); err != nil {
		return fmt.Errorf("helpcenter: delete article: %w", err)
	}
	for _, q := range []string{`DELETE FROM hc_votes WHERE article_id = ?`, `DELETE FROM hc_deflections WHERE article_id = ?`} {
		if _, err := tx.Exec(ctx, q, id); err != nil {
			return fmt.Errorf("helpcenter: delete article: %w", err)
		}
	}
	return deleteItem(ctx, tx, KindArticle, "hc_articles", id)
}

func deleteItem(ctx context.Context, tx *store.Tx, kind Kind, table string, id int64) error {
	if _, err := tx.Exec(ctx, `DELETE FROM hc_revisions WHERE translation_id IN (SELECT id FROM hc_translations WHERE kind = ? AND item_id = ?)`, string(kind), id); err != nil {
		return fmt.Errorf("helpcenter: delete %s: %w", kind, err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM hc_translations WHERE kind = ? AND item_id = ?`, string(kind), id); err != nil {
		return fmt.Errorf("helpcenter: delete %s: %w", kind, err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM `+table+` WHERE id = ?`, id); err != nil {
		return fmt.Errorf("helpcenter: delete %s: %w", kind, err)
	}
	return nil
}

func idsTx(ctx context.Context, q store.Querier, query string, args ...any) ([]int64, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// Sections lists the sections of a category (0: all) shown in loc.
func (s *Service) Sections(ctx context.Context, loc string, categoryID int64) ([]Section, error) {
	return s.sections(ctx, loc, categoryID, 0)
}

// Section returns one section shown in loc.
func (s *Service) Section(ctx context.Context, id int64, loc string) (Section, error) {
	ss, err := s.sections(ctx, loc, 0, id)
	if err != nil {
		return Section{}, err
	}
	if len(ss) == 0 {
		return Section{}, desk.NotFound()
	}
	return ss[0], nil
}

func (s *Service) sections(ctx context.Context, loc string, categoryID, only int64) ([]Section, error) {
	return s.groups(ctx, KindSection, loc, categoryID, only)
}

func derefInt(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

var labelRE = regexp.MustCompile(`^[\p{L}\p{N}_\- ]+$`)

// cleanLabels validates and de-duplicates label names.
func cleanLabels(v *desk.Validation, in []string) []string {
	var out []string
	for _, l := range in {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		if len(l) > MaxLabel || !labelRE.MatchString(l) {
			v.Add("label_names", "may hold only letters, digits, spaces, - and _ (at most 64 bytes each)")
			return nil
		}
		if !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	if len(out) > MaxLabels {
		v.Add("label_names", fmt.Sprintf("at most %d labels", MaxLabels))
	}
	return out
}
