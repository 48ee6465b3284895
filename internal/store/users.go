package store

import (
	"context"
	"database/sql"
	"errors"
	"regexp"
	"strings"

	"dco/internal/errs"
)

var emailRE = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)

// normaliseEmail lower-cases and trims an address.
func normaliseEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

const userColumns = `u.id, u.email, u.name, u.role, COALESCE(u.org_id, 0), COALESCE(u.la_id, 0), u.password_hash, u.disabled, u.version, u.created_at`

func scanUser(r interface{ Scan(...any) error }) (User, error) {
	var u User
	var role, created string
	if err := r.Scan(&u.ID, &u.Email, &u.Name, &role, &u.OrgID, &u.LAID, &u.PasswordHash, &u.Disabled, &u.Version, &created); err != nil {
		return User{}, err
	}
	u.Role, u.CreatedAt = Role(role), parseTime(created)
	return u, nil
}

// orgKind returns the kind of organisation id, or "" if there is none.
func (t *tx) orgKind(ctx context.Context, id int64) (OrgKind, error) {
	var kind string
	err := t.queryRow(ctx, "SELECT kind FROM orgs WHERE id = ?", id).Scan(&kind)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", mapErr(err, "find org")
	}
	return OrgKind(kind), nil
}

// checkUser validates a user against the rules for its role: an LA user
// belongs to an LA; a provider user to a provider (a clinician may); a DCO,
// viewer or admin may name their ICB.
func (t *tx) checkUser(ctx context.Context, u *User) error {
	u.Email = normaliseEmail(u.Email)
	u.Name = strings.TrimSpace(u.Name)
	bad := map[string]string{}
	switch {
	case u.Email == "":
		bad["email"] = "Enter an email address"
	case len(u.Email) > 254 || !emailRE.MatchString(u.Email):
		bad["email"] = "Enter an email address in the correct format, like name@example.nhs.uk"
	}
	switch {
	case u.Name == "":
		bad["name"] = "Enter the person's name"
	case len(u.Name) > 100:
		bad["name"] = "The name must be 100 characters or fewer"
	}
	if !u.Role.Valid() {
		bad["role"] = "Choose a role"
	}
	want := func(field string, id int64, kind OrgKind, required bool, msg string) error {
		if id == 0 {
			if required {
				bad[field] = msg
			}
			return nil
		}
		k, err := t.orgKind(ctx, id)
		if err != nil {
			return err
		}
		if k != kind {
			bad[field] = msg
		}
		return nil
	}
	var err error
	switch u.Role {
	case RoleLA:
		err = want("la_id", u.LAID, OrgLA, true, "Choose the user's local authority")
		if err == nil && u.OrgID != 0 {
			bad["org_id"] = "An LA user belongs to a local authority, not another organisation"
		}
	case RoleProvider:
		err = want("org_id", u.OrgID, OrgProvider, true, "Choose the user's provider organisation")
	case RoleClinician:
		err = want("org_id", u.OrgID, OrgProvider, false, "Choose a provider organisation, or none")
	case RoleDCO, RoleViewer, RoleAdmin:
		err = want("org_id", u.OrgID, OrgICB, false, "Choose the ICB, or none")
	}
	if err != nil {
		return err
	}
	if u.Role != RoleLA && u.LAID != 0 {
		bad["la_id"] = "Only LA users belong to a local authority"
	}
	if len(bad) > 0 {
		return errs.InvalidFields(bad)
	}
	return nil
}

// duplicateEmail turns a unique violation into a message a person can act on.
func duplicateEmail(err error) error {
	if errs.Is(err, errs.Conflict) {
		return &errs.Error{Code: errs.Conflict, Message: "A user with this email address already exists",
			Fields: map[string]string{"email": "A user with this email address already exists"}, Err: err}
	}
	return err
}

// CreateUser adds a user, setting u.ID and u.Version (1). The email address
// is lower-cased; one already in use is a conflict.
func (s *Store) CreateUser(ctx context.Context, actor Actor, u *User) error {
	now := s.now()
	return s.write(ctx, func(t *tx) error {
		if err := t.checkUser(ctx, u); err != nil {
			return err
		}
		id, err := t.insertID(ctx, `INSERT INTO users (email, name, role, org_id, la_id, password_hash, disabled, version, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`, u.Email, u.Name, string(u.Role), nullID(u.OrgID), nullID(u.LAID),
			u.PasswordHash, u.Disabled, fmtTime(now), fmtTime(now))
		if err != nil {
			return duplicateEmail(err)
		}
		u.ID, u.Version, u.CreatedAt = id, 1, parseTime(fmtTime(now))
		return t.appendAudit(ctx, entry(actor, "user.create", "user", id, 0, OutcomeOK, "role="+string(u.Role)))
	})
}

// GetUser returns one user.
func (s *Store) GetUser(ctx context.Context, id int64) (User, error) {
	u, err := scanUser(s.queryRow(ctx, "SELECT "+userColumns+" FROM users u WHERE u.id = ?", id))
	if err != nil {
		return User{}, scanErr(err, "No such user")
	}
	return u, nil
}

// GetUserByEmail returns the user with an email address, in any case.
func (s *Store) GetUserByEmail(ctx context.Context, email string) (User, error) {
	u, err := scanUser(s.queryRow(ctx, "SELECT "+userColumns+" FROM users u WHERE u.email = ?", normaliseEmail(email)))
	if err != nil {
		return User{}, scanErr(err, "No such user")
	}
	return u, nil
}

// ListUsers returns every user, by email.
func (s *Store) ListUsers(ctx context.Context) ([]User, error) {
	rows, err := s.query(ctx, "SELECT "+userColumns+" FROM users u ORDER BY u.email")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, mapErr(err, "scan user")
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, mapErr(err, "list users")
	}
	return out, nil
}

// UpdateUser saves a user's email, name, role, organisations and disabled
// flag (not the password: see SetPasswordHash). u.Version must be the version
// read; a stale one is a conflict. Disabling a user here also ends their
// sessions and API tokens, as DisableUser does.
func (s *Store) UpdateUser(ctx context.Context, actor Actor, u *User) error {
	return s.write(ctx, func(t *tx) error {
		var version int64
		if err := t.queryRow(ctx, "SELECT version FROM users WHERE id = ?"+s.forUpdate(), u.ID).Scan(&version); err != nil {
			return scanErr(err, "No such user")
		}
		if version != u.Version {
			return errStale()
		}
		if err := t.checkUser(ctx, u); err != nil {
			return err
		}
		n, err := t.execN(ctx, `UPDATE users SET email = ?, name = ?, role = ?, org_id = ?, la_id = ?, disabled = ?,
			version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
			u.Email, u.Name, string(u.Role), nullID(u.OrgID), nullID(u.LAID), u.Disabled, fmtTime(s.now()), u.ID, u.Version)
		if err != nil {
			return duplicateEmail(err)
		}
		if n != 1 {
			return errStale()
		}
		u.Version++
		if u.Disabled {
			if err := t.endUserAccess(ctx, u.ID); err != nil {
				return err
			}
		}
		return t.appendAudit(ctx, entry(actor, "user.update", "user", u.ID, 0, OutcomeOK, "role="+string(u.Role)))
	})
}

// SetPasswordHash stores a new password hash (argon2id, made by the caller)
// and raises the user's version.
func (s *Store) SetPasswordHash(ctx context.Context, actor Actor, userID int64, hash string) error {
	return s.write(ctx, func(t *tx) error {
		n, err := t.execN(ctx, "UPDATE users SET password_hash = ?, version = version + 1, updated_at = ? WHERE id = ?",
			hash, fmtTime(s.now()), userID)
		if err != nil {
			return err
		}
		if n != 1 {
			return errs.E(errs.NotFound, "No such user")
		}
		return t.appendAudit(ctx, entry(actor, "user.password", "user", userID, 0, OutcomeOK, ""))
	})
}

// endUserAccess deletes every session and API token of a user.
func (t *tx) endUserAccess(ctx context.Context, userID int64) error {
	if _, err := t.exec(ctx, "DELETE FROM sessions WHERE user_id = ?", userID); err != nil {
		return err
	}
	_, err := t.exec(ctx, "DELETE FROM api_tokens WHERE user_id = ?", userID)
	return err
}

// DisableUser disables the user with an email address and, in the same
// transaction, deletes their sessions and API tokens and audits it.
func (s *Store) DisableUser(ctx context.Context, actor Actor, email string) error {
	return s.write(ctx, func(t *tx) error {
		var id int64
		err := t.queryRow(ctx, "UPDATE users SET disabled = ?, version = version + 1, updated_at = ? WHERE email = ? RETURNING id",
			true, fmtTime(s.now()), normaliseEmail(email)).Scan(&id)
		if err != nil {
			return scanErr(err, "No such user")
		}
		if err := t.endUserAccess(ctx, id); err != nil {
			return err
		}
		return t.appendAudit(ctx, entry(actor, "user.disable", "user", id, 0, OutcomeOK, ""))
	})
}
