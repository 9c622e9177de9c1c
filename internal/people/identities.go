package people

import (
	"context"
	"database/sql"
	"errors"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/frontdesk/frontdesk/internal/auth"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/events"
	"github.com/frontdesk/frontdesk/internal/store"
)

// Identity types.
const (
	IdentityEmail = "email"
	IdentityPhone = "phone_number"
)

var errBadEmail = errors.New("invalid email address")

// NormalizeEmail trims and lower-cases a bare address ("bob@example.com")
// and validates it: net/mail must accept it exactly as given (no display
// name, angle brackets, comments or quoting) and the domain must hold a dot.
func NormalizeEmail(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" || len(s) > 254 || !validText(s) || strings.ContainsAny(s, "\"<>()[],;:\\") ||
		strings.IndexFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		return "", errBadEmail
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return "", errBadEmail
	}
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at > 64 || !validDomain(s[at+1:], true) {
		return "", errBadEmail
	}
	return s, nil
}

// NormalizeSenderEmail is NormalizeEmail for the From address of a
// received e-mail: it also accepts an address on a single-label host
// ("root@localhost", "cron@intranet"), which local mail systems and cron
// jobs send from (RT, for one, files their mail as tickets). Such an
// address is only ever taken from mail Frontdesk received; the API and the
// sign-up forms keep NormalizeEmail's rule that the domain hold a dot.
func NormalizeSenderEmail(s string) (string, error) {
	e, err := NormalizeEmail(s)
	if err == nil {
		return e, nil
	}
	e, ok := localHostAddress(s)
	if !ok {
		return "", err
	}
	return e, nil
}

// IsLocalHostAddress reports whether s is a valid address on a
// single-label host, which only NormalizeSenderEmail accepts.
func IsLocalHostAddress(s string) bool {
	_, ok := localHostAddress(s)
	return ok
}

func localHostAddress(s string) (string, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at > 64 || strings.Contains(s[at+1:], ".") {
		return "", false
	}
	// Check it as if the host were qualified: the same characters, label
	// and length rules apply to the local part and the host name.
	if _, err := NormalizeEmail(s + ".invalid"); err != nil || !validDomain(s[at+1:]+".invalid", false) {
		return "", false
	}
	if strings.Trim(s[at+1:], "0123456789") == "" {
		return "", false
	}
	return s, true
}

// validDomain checks a host name: dot-separated labels of letters, digits
// and inner hyphens, with a top-level label that is not all digits.
func validDomain(d string, unicodeLetters bool) bool {
	if len(d) == 0 || len(d) > 253 || !strings.Contains(d, ".") {
		return false
	}
	labels := strings.Split(d, ".")
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for _, r := range l {
			switch {
			case r == '-', r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			case unicodeLetters && r >= utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			default:
				return false
			}
		}
	}
	tld := labels[len(labels)-1]
	return strings.Trim(tld, "0123456789") != ""
}

// normalizePhone trims a phone number and checks it looks like one.
func normalizePhone(s string) (string, bool) {
	s = strings.TrimSpace(s)
	digits := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case strings.ContainsRune(" +-().x/", r):
		default:
			return "", false
		}
	}
	return s, digits >= 3 && len(s) <= 40
}

// ownerOfEmail finds the user holding email as any email identity (or, for
// rows that predate identities, as users.email).
func ownerOfEmail(ctx context.Context, q store.Querier, email string) (id int64, orgID *int64, found bool, err error) {
	var org sql.NullInt64
	// UNION ALL keeps each branch on its unique index on both stores.
	err = q.QueryRow(ctx, `SELECT u.id, u.organization_id FROM user_identities i JOIN users u ON u.id = i.user_id
		WHERE i.type = ? AND i.value = ?
		UNION ALL SELECT u.id, u.organization_id FROM users u WHERE u.email = ? LIMIT 1`, IdentityEmail, email, email).Scan(&id, &org)
	if isNoRows(err) {
		return 0, nil, false, nil
	}
	if err != nil {
		return 0, nil, false, err
	}
	return id, int64Ptr(org), true, nil
}

const identityCols = `id, user_id, type, value, is_primary, verified, created_at, updated_at`

func scanIdentity(sc scanner) (desk.Identity, error) {
	var i desk.Identity
	var created, updated int64
	err := sc.Scan(&i.ID, &i.UserID, &i.Type, &i.Value, &i.Primary, &i.Verified, &created, &updated)
	i.CreatedAt = desk.TimeFromMicros(created)
	i.UpdatedAt = desk.TimeFromMicros(updated)
	return i, err
}

// Identities lists a user's identities, primary first. Staff see anyone's;
// end-users only their own.
func (s *Service) Identities(ctx context.Context, userID int64) ([]desk.Identity, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	if !p.IsStaff() && p.UserID != userID {
		return nil, desk.NotFound()
	}
	if _, err := visibleUser(ctx, s.DB, p, userID); err != nil {
		return nil, err
	}
	rows, err := s.DB.Query(ctx, `SELECT `+identityCols+` FROM user_identities WHERE user_id = ?
		ORDER BY is_primary DESC, type, id`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []desk.Identity{}
	for rows.Next() {
		i, err := scanIdentity(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, i)
	}
	return out, rows.Err()
}

// AddIdentity adds an email or phone_number identity to a user. Admins may
// add to anyone, agents to end-users. The first email becomes primary.
// Every new identity starts unverified, whoever adds it: only its owner can
// prove an address (see errVerifiedByAdmins).
func (s *Service) AddIdentity(ctx context.Context, userID int64, typ, value string) (*desk.Identity, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	switch typ {
	case IdentityEmail:
		v, err := NormalizeEmail(value)
		if err != nil {
			return nil, desk.Invalid("value", "is not a valid email address")
		}
		value = v
	case IdentityPhone:
		v, ok := normalizePhone(value)
		if !ok {
			return nil, desk.Invalid("value", "is not a valid phone number")
		}
		value = v
	default:
		return nil, desk.Invalid("type", "must be email or phone_number")
	}
	var out desk.Identity
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		u, err := visibleUser(ctx, tx, p, userID)
		if err != nil {
			return err
		}
		if !p.IsAdmin() && !(p.IsStaff() && u.Role == desk.RoleEndUser && p.Can().EditEndUsers) {
			return desk.Forbidden("You are not allowed to add identities to this user")
		}
		if u.IsOwner && !p.System && p.UserID != u.ID && typ == IdentityEmail {
			return errOwnerCredentials()
		}
		taken, err := exists(ctx, tx, `SELECT COUNT(*) FROM user_identities WHERE type = ? AND value = ?`, typ, value)
		if err != nil {
			return err
		}
		if !taken && typ == IdentityEmail {
			taken, err = exists(ctx, tx, `SELECT COUNT(*) FROM users WHERE email = ?`, value)
			if err != nil {
				return err
			}
		}
		if taken {
			return desk.Invalid("value", "is already being used by another user")
		}
		primary := typ == IdentityEmail && u.Email == ""
		now := store.Now()
		id, err := tx.InsertID(ctx, `INSERT INTO user_identities (user_id, type, value, is_primary, verified, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, userID, typ, value, primary, false, now, now)
		if err != nil {
			if store.IsUniqueViolation(err) {
				return desk.Invalid("value", "is already being used by another user")
			}
			return err
		}
		if primary {
			if _, err := tx.Exec(ctx, `UPDATE users SET email = ?, updated_at = ? WHERE id = ?`, value, now, userID); err != nil {
				return err
			}
		}
		if err := refreshUserSearch(ctx, tx, userID); err != nil {
			return err
		}
		if out, err = scanIdentity(tx.QueryRow(ctx, `SELECT `+identityCols+` FROM user_identities WHERE id = ?`, id)); err != nil {
			return err
		}
		return s.changedTx(ctx, tx, events.Event{Type: events.UserUpdated, UserID: userID})
	})
	if err != nil {
		return nil, mapErr(err, "value")
	}
	return &out, nil
}

// UserByEmail finds the user owning email (any email identity). It checks
// no permissions: it is for sign-in and the CLI.
func (s *Service) UserByEmail(ctx context.Context, email string) (*desk.User, error) {
	e, err := NormalizeEmail(email)
	if err != nil {
		return nil, desk.NotFound()
	}
	id, _, found, err := ownerOfEmail(ctx, s.DB, e)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, desk.NotFound()
	}
	return loadUser(ctx, s.DB, id)
}

// CheckPassword signs a user in with email and password. Every failure —
// unknown email, no or wrong password, suspended or deleted user — is the
// same EUNAUTHORIZED and takes about as long. Old hashes are upgraded.
func (s *Service) CheckPassword(ctx context.Context, email, password string) (*desk.User, error) {
	e, err := NormalizeEmail(email)
	if err != nil || password == "" {
		auth.DummyCheck(password)
		return nil, unauthorized()
	}
	var (
		id                int64
		hash              sql.NullString
		active, suspended bool
	)
	err = s.DB.QueryRow(ctx, `SELECT u.id, u.password_hash, u.active, u.suspended FROM user_identities i
		JOIN users u ON u.id = i.user_id WHERE i.type = ? AND i.value = ?
		UNION ALL SELECT u.id, u.password_hash, u.active, u.suspended FROM users u WHERE u.email = ? LIMIT 1`,
		IdentityEmail, e, e).Scan(&id, &hash, &active, &suspended)
	if err != nil && !isNoRows(err) {
		return nil, err
	}
	if err != nil || hash.String == "" {
		auth.DummyCheck(password)
		return nil, unauthorized()
	}
	if !auth.CheckPassword(hash.String, password) || !active || suspended {
		return nil, unauthorized()
	}
	q, args := `UPDATE users SET last_login_at = ?`, []any{store.Now()}
	if auth.NeedsRehash(hash.String) {
		if h, err := auth.HashPassword(password); err == nil {
			q += `, password_hash = ?`
			args = append(args, h)
		}
	}
	if _, err := s.DB.Exec(ctx, q+` WHERE id = ?`, append(args, id)...); err != nil {
		return nil, err
	}
	return loadUser(ctx, s.DB, id)
}

// EnsureRequesterTx finds the user owning email (any identity) or creates an
// end-user with that name/email (no password hash). A new end-user joins the
// organization whose domain name matches the email's domain. It runs inside
// the caller's transaction (ticket creation) and checks no permissions; the
// caller publishes events.UserCreated when created is true.
func EnsureRequesterTx(ctx context.Context, tx *store.Tx, name, email string) (userID int64, orgID *int64, created bool, err error) {
	e, err := NormalizeEmail(email)
	if err != nil {
		return 0, nil, false, desk.Invalid("email", "is not a valid email address")
	}
	return ensureRequesterTx(ctx, tx, name, e)
}

// EnsureSenderTx is EnsureRequesterTx for the sender of a received e-mail:
// it also accepts an address on a single-label host (see
// NormalizeSenderEmail).
func EnsureSenderTx(ctx context.Context, tx *store.Tx, name, email string) (userID int64, orgID *int64, created bool, err error) {
	e, err := NormalizeSenderEmail(email)
	if err != nil {
		return 0, nil, false, desk.Invalid("email", "is not a valid email address")
	}
	return ensureRequesterTx(ctx, tx, name, e)
}

func ensureRequesterTx(ctx context.Context, tx *store.Tx, name, e string) (userID int64, orgID *int64, created bool, err error) {
	if id, org, found, err := ownerOfEmail(ctx, tx, e); err != nil || found {
		return id, org, false, err
	}
	name = requesterName(name, e)
	domain := e[strings.LastIndexByte(e, '@')+1:]
	now := store.Now()
	// A new end-user's search document, as refreshUserSearch would build
	// it from the row about to be written (no phone, tags, notes or field
	// values yet; the one email).
	doc := searchDoc(name, e, "", "", "", fieldSearchText("{}"))
	if tx.Dialect() == store.Postgres {
		return newRequesterPostgres(ctx, tx, name, e, domain, doc, now)
	}
	var org sql.NullInt64
	err = tx.QueryRow(ctx, `SELECT organization_id FROM organization_domains WHERE domain = ?`, domain).Scan(&org)
	if err != nil && !isNoRows(err) {
		return 0, nil, false, err
	}
	// ON CONFLICT DO NOTHING: a concurrent transaction may create the same
	// requester; we then use theirs instead of failing the whole ticket.
	id, err := tx.InsertID(ctx, `INSERT INTO users (name, name_fold, email, role, organization_id, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, name, nameFold(name), e, string(desk.RoleEndUser), nullInt(org.Int64), now, now)
	if isNoRows(err) {
		return raceOwner(ctx, tx, e)
	}
	if err != nil {
		return 0, nil, false, err
	}
	_, err = tx.InsertID(ctx, `INSERT INTO user_identities (user_id, type, value, is_primary, verified, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, id, IdentityEmail, e, true, false, now, now)
	if isNoRows(err) {
		if _, err := tx.Exec(ctx, `DELETE FROM users WHERE id = ?`, id); err != nil {
			return 0, nil, false, err
		}
		return raceOwner(ctx, tx, e)
	}
	if err != nil {
		return 0, nil, false, err
	}
	return joinedRequester(ctx, tx, id, org, doc)
}

// newRequesterPostgres is the tail of ensureRequesterTx on PostgreSQL: the
// organization by domain, the user, its email identity and its search
// document in one statement (each statement of a ticket create is a round
// trip there; see BENCHMARKS.md). A concurrent creation of the same user
// or identity is handled as on SQLite: theirs is used.
func newRequesterPostgres(ctx context.Context, tx *store.Tx, name, e, domain, doc string, now int64) (int64, *int64, bool, error) {
	var id int64
	var org sql.NullInt64
	var identities int
	err := tx.QueryRow(ctx, `WITH u AS (INSERT INTO users (name, name_fold, email, role, organization_id, created_at, updated_at)
			VALUES (?, ?, ?, ?, (SELECT organization_id FROM organization_domains WHERE domain = ?), ?, ?)
			ON CONFLICT DO NOTHING RETURNING id, organization_id),
		i AS (INSERT INTO user_identities (user_id, type, value, is_primary, verified, created_at, updated_at)
			SELECT u.id, ?, ?, ?, ?, ?, ? FROM u ON CONFLICT DO NOTHING RETURNING user_id),
		s AS (INSERT INTO user_search (id, doc) SELECT u.id, ? FROM u ON CONFLICT (id) DO UPDATE SET doc = excluded.doc)
		SELECT u.id, u.organization_id, (SELECT COUNT(*) FROM i) FROM u`,
		name, nameFold(name), e, string(desk.RoleEndUser), domain, now, now,
		IdentityEmail, e, true, false, now, now, doc).Scan(&id, &org, &identities)
	if isNoRows(err) {
		return raceOwner(ctx, tx, e) // the user was created meanwhile
	}
	if err != nil {
		return 0, nil, false, err
	}
	if identities == 0 {
		// The address became another user's identity meanwhile.
		if _, err := tx.Exec(ctx, `DELETE FROM users WHERE id = ?`, id); err != nil {
			return 0, nil, false, err
		}
		if err := tx.DeleteSearchDoc(ctx, "user_search", id); err != nil {
			return 0, nil, false, err
		}
		return raceOwner(ctx, tx, e)
	}
	if org.Valid {
		if _, err := joinOrgTx(ctx, tx, id, org.Int64, true); err != nil {
			return 0, nil, false, err
		}
	}
	return id, int64Ptr(org), true, nil
}

// joinedRequester finishes a new requester on SQLite: the organization
// membership by domain, and its search document.
func joinedRequester(ctx context.Context, tx *store.Tx, id int64, org sql.NullInt64, doc string) (int64, *int64, bool, error) {
	if org.Valid {
		// Domain-based joining: the organization owning the address's
		// domain gets the new user as a (default) member.
		if _, err := joinOrgTx(ctx, tx, id, org.Int64, true); err != nil {
			return 0, nil, false, err
		}
	}
	if err := tx.SetSearchDoc(ctx, "user_search", id, doc); err != nil {
		return 0, nil, false, err
	}
	return id, int64Ptr(org), true, nil
}

func raceOwner(ctx context.Context, tx *store.Tx, email string) (int64, *int64, bool, error) {
	id, org, found, err := ownerOfEmail(ctx, tx, email)
	if err == nil && !found {
		err = desk.Invalid("email", "is already being used by another user")
	}
	return id, org, false, err
}

// requesterName cleans a name taken from mail headers, falling back to the
// address's local part.
func requesterName(name, email string) string {
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(name, " "))
	name = strings.Join(strings.Fields(name), " ")
	if name == "" {
		name = email[:strings.LastIndexByte(email, '@')]
	}
	if r := []rune(name); len(r) > maxName {
		name = strings.TrimSpace(string(r[:maxName]))
	}
	return name
}

// UserRoleTx returns a user's role and organization, and whether the user
// may act: active is false for deleted and for suspended users.
func UserRoleTx(ctx context.Context, q store.Querier, id int64) (role desk.Role, orgID *int64, active bool, err error) {
	var (
		r                   string
		org                 sql.NullInt64
		isActive, suspended bool
	)
	err = q.QueryRow(ctx, `SELECT role, organization_id, active, suspended FROM users WHERE id = ?`, id).Scan(&r, &org, &isActive, &suspended)
	if isNoRows(err) {
		return "", nil, false, desk.NotFound()
	}
	if err != nil {
		return "", nil, false, err
	}
	return desk.Role(r), int64Ptr(org), isActive && !suspended, nil
}

// IsGroupMemberTx reports whether user is a member of group.
func IsGroupMemberTx(ctx context.Context, q store.Querier, userID, groupID int64) (bool, error) {
	return exists(ctx, q, `SELECT COUNT(*) FROM group_memberships WHERE user_id = ? AND group_id = ?`, userID, groupID)
}
