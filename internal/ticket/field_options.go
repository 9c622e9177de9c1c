package ticket

import (
	"context"
	"database/sql"
	"errors"
	"slices"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
)

// Options of dropdown (tagger) and multiselect fields, one at a time, as
// Zendesk's /ticket_fields/{id}/options API has them. An option's id never
// changes; a new option takes the id after the field's highest. Changing an
// option's tag (value) behaves as in Zendesk: tickets keep the tag they
// have, and their field value no longer matches an option until changed.

// FieldOptions lists the options of a dropdown or multiselect field.
func (s *Service) FieldOptions(ctx context.Context, fieldID int64) ([]desk.FieldOption, error) {
	f, err := s.optionField(ctx, fieldID)
	if err != nil {
		return nil, err
	}
	return f.CustomFieldOptions, nil
}

// FieldOption returns one option of a dropdown or multiselect field.
func (s *Service) FieldOption(ctx context.Context, fieldID, optionID int64) (*desk.FieldOption, error) {
	f, err := s.optionField(ctx, fieldID)
	if err != nil {
		return nil, err
	}
	i := optionIndex(f.CustomFieldOptions, optionID)
	if i < 0 {
		return nil, desk.NotFound()
	}
	return &f.CustomFieldOptions[i], nil
}

// SaveFieldOption creates an option, or updates the one with in.ID (as
// Zendesk's POST does); it says whether the option is new.
func (s *Service) SaveFieldOption(ctx context.Context, fieldID int64, in desk.FieldOption) (*desk.FieldOption, bool, error) {
	if err := requireFieldAdmin(ctx); err != nil {
		return nil, false, err
	}
	var saved desk.FieldOption
	var created bool
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		last, err := lastOptionID(ctx, tx, fieldID) // locks the field first
		if err != nil {
			return err
		}
		f, err := optionFieldTx(ctx, tx, fieldID)
		if err != nil {
			return err
		}
		opt := desk.FieldOption{ID: in.ID, Name: in.Name, Value: in.Value}
		i := optionIndex(f.CustomFieldOptions, in.ID)
		switch {
		case in.ID == 0:
			created = true
			f.CustomFieldOptions = append(f.CustomFieldOptions, opt)
			i = len(f.CustomFieldOptions) - 1
		case i < 0:
			return desk.NotFound()
		default:
			f.CustomFieldOptions[i] = opt
		}
		if msg := normalizeOptions(f.CustomFieldOptions, last); msg != "" {
			return desk.Invalid("custom_field_option", msg)
		}
		if err := writeField(ctx, tx, f, store.Now()); err != nil {
			return err
		}
		finishField(f)
		saved = f.CustomFieldOptions[i]
		return nil
	})
	if err != nil {
		return nil, false, wrapf(err, "ticket: save option of field %d", fieldID)
	}
	return &saved, created, nil
}

// DeleteFieldOption removes an option; a dropdown keeps at least one.
func (s *Service) DeleteFieldOption(ctx context.Context, fieldID, optionID int64) error {
	if err := requireFieldAdmin(ctx); err != nil {
		return err
	}
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		if _, err := lastOptionID(ctx, tx, fieldID); err != nil { // locks the field
			return err
		}
		f, err := optionFieldTx(ctx, tx, fieldID)
		if err != nil {
			return err
		}
		i := optionIndex(f.CustomFieldOptions, optionID)
		if i < 0 {
			return desk.NotFound()
		}
		if len(f.CustomFieldOptions) == 1 {
			return desk.Invalid("custom_field_options", "a dropdown needs at least one option")
		}
		f.CustomFieldOptions = slices.Delete(f.CustomFieldOptions, i, i+1)
		return writeField(ctx, tx, f, store.Now())
	})
	return wrapf(err, "ticket: delete option %d of field %d", optionID, fieldID)
}

// optionField reads a field the caller may see and that has options.
func (s *Service) optionField(ctx context.Context, fieldID int64) (*desk.TicketField, error) {
	f, err := s.Field(ctx, fieldID)
	if err != nil {
		return nil, err
	}
	if !hasOptions(f.Type) {
		return nil, desk.NotFound()
	}
	return f, nil
}

// optionFieldTx reads a field with options inside tx, for a change.
func optionFieldTx(ctx context.Context, tx *store.Tx, fieldID int64) (*desk.TicketField, error) {
	f, err := scanField(tx.QueryRow(ctx, `SELECT `+fieldColumns+` FROM ticket_fields WHERE id = ?`, fieldID))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !hasOptions(f.Type)) {
		return nil, desk.NotFound()
	}
	return f, err
}

func optionIndex(opts []desk.FieldOption, id int64) int {
	return slices.IndexFunc(opts, func(o desk.FieldOption) bool { return o.ID == id })
}
