package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"dco/internal/errs"
)

var emailRE = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)

// normaliseEmail lower-cases and trims an address.
func normaliseEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

const userColumns = `u.id, u.email, u.name, u.role, COALESCE(u.org_id, 0), COALESCE(u.la_id, 0), u.password_hash, u.disabled,
	u.must_change_password, u.version, u.created_at`

func scanUser(r interface{ Scan(...any) error }) (User, error) {
	var u User
	var role, created string
	if err := r.Scan(&u.ID, &u.Email, &u.Name, &role, &u.OrgID, &u.LAID, &u.PasswordHash, &u.Disabled,
		&u.MustChangePassword, &u.Version, &created); err != nil {
		return User{}, err
	}
	u.Role, u.CreatedAt = Role(role), parseTime(created)
	return u, nil
}

// orgKind returns the kind of organisation id, or "" if there is none.
func (t *tx) orgKind(ctx context.Context, id int64) (OrgKind, error) {
	k, _, err := orgOf(ctx, t, id)
	return k, err
}

// CaseData reports whether a role works with children's records: such an
// account always belongs to exactly one ICB (README, "Accounts").
func (r Role) CaseData() bool {
	return r == RoleDCO || r == RoleLA || r == RoleClinician || r == RoleProvider
}

// orgOf returns an organisation's kind and parent (the ICB of an LA or
// provider, 0 for an ICB), or "" when there is no such organisation.
func orgOf(ctx context.Context, r reader, id int64) (OrgKind, int64, error) {
	var kind string
	var parent int64
	err := r.queryRow(ctx, "SELECT kind, COALESCE(parent_id, 0) FROM orgs WHERE id = ?", id).Scan(&kind, &parent)
	if errors.Is(err, sql.ErrNoRows) {
		return "", 0, nil
	}
	if err != nil {
		return "", 0, mapErr(err, "find org")
	}
	return OrgKind(kind), parent, nil
}

// icbOfUser returns the ICB an account belongs to, from its role and
// organisations: a DCO's, viewer's or administrator's organisation is the
// ICB; an LA user's ICB is their LA's parent, a provider's or clinician's
// their provider's. 0 is none: the administrator of the whole service, or
// an account made before every case-data account had to belong to one.
func icbOfUser(ctx context.Context, r reader, role Role, orgID, laID int64) (int64, error) {
	switch role {
	case RoleDCO, RoleViewer, RoleAdmin:
		return orgID, nil
	}
	org := orgID
	if role == RoleLA {
		org = laID
	}
	if org == 0 {
		return 0, nil
	}
	_, parent, err := orgOf(ctx, r, org)
	return parent, err
}

// errAccountsForbidden refuses account management to anyone but dco itself
// and an administrator.
func errAccountsForbidden() error {
	return errs.E(errs.Forbidden, "Only an administrator can add or change accounts")
}

// errUserNotFound is the answer for an account that does not exist and,
// to an ICB's administrator, for one of another ICB, which they may not
// see.
func errUserNotFound() error { return errs.E(errs.NotFound, "No such user") }

// mayManageAccounts reports whether actor may add and change accounts:
// dco itself (the command line, the demo) and administrators.
func mayManageAccounts(a Actor) bool { return isSystem(a) || a.Role == RoleAdmin }

// managesICB reports whether actor may manage an account of icb: dco
// itself and the administrator of the whole service (of no ICB) any; an
// ICB's administrator only that ICB's.
func managesICB(a Actor, icb int64) bool {
	return managesAll(a) || (a.Role == RoleAdmin && icb == a.OrgID)
}

// managesAll reports whether actor manages every account: dco itself and
// the administrator of the whole service.
func managesAll(a Actor) bool { return isSystem(a) || (a.Role == RoleAdmin && a.OrgID == 0) }

// userICBSQL is icbOfUser in SQL, on users aliased u and their LA or
// provider aliased p (LEFT JOIN orgs p ON p.id = COALESCE(u.la_id, u.org_id)).
const userICBSQL = `CASE WHEN u.role IN ('dco', 'viewer', 'admin') THEN COALESCE(u.org_id, 0) ELSE COALESCE(p.parent_id, 0) END`

// checkUser validates u as actor would save it, and returns the ICB it
// belongs to (0 for none). A role that works with children's records
// belongs to exactly one ICB, named by the field that fits the role: a DCO
// to an ICB (org_id), an LA user to a local authority (la_id), a clinician
// or provider user to a provider (org_id); the ICB of an LA or provider is
// its parent. A viewer (a board member) belongs to an ICB too, whose
// counts they see. An administrator names the ICB whose accounts they
// manage, or none: the administrator of the whole service, whom only dco
// itself or another such administrator adds. Every problem is reported at
// once, each against its field. An ICB's administrator placing an account
// outside their ICB is refused as a refusal (to be audited), still naming
// the field.
func checkUser(ctx context.Context, r reader, actor Actor, u *User) (int64, error) {
	if !mayManageAccounts(actor) {
		return 0, &refusal{errAccountsForbidden()}
	}
	bad := checkUserDetails(u)
	field, placed, err := checkUserPlace(ctx, r, u, bad)
	if err != nil {
		return 0, err
	}
	var icb int64
	outside := false
	if placed && u.Role.Valid() {
		if icb, err = icbOfUser(ctx, r, u.Role, u.OrgID, u.LAID); err != nil {
			return 0, err
		}
		if !managesICB(actor, icb) && bad[field] == "" {
			outside = true
			if icb == 0 {
				bad[field] = "Choose your ICB: only the administrator of the whole service adds an administrator of no ICB"
			} else {
				bad[field] = "Choose an organisation of your ICB: you can only add accounts to the ICB you manage"
			}
		}
	}
	if len(bad) > 0 {
		if outside {
			return 0, &refusal{errs.InvalidFields(bad)}
		}
		return 0, errs.InvalidFields(bad)
	}
	return icb, nil
}

// checkUserDetails normalises and checks an account's email, name and role.
func checkUserDetails(u *User) map[string]string {
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
	return bad
}

// checkUserPlace checks the organisation that places an account, as its
// role needs. field is the one that places it (la_id or org_id); placed is
// false when it does not (yet) name an organisation of the right kind.
func checkUserPlace(ctx context.Context, r reader, u *User, bad map[string]string) (field string, placed bool, err error) {
	field = "org_id"
	want := func(id int64, kind OrgKind, required bool, msg string) error {
		if id == 0 {
			placed = !required
			if required {
				bad[field] = msg
			}
			return nil
		}
		k, parent, err := orgOf(ctx, r, id)
		if err != nil {
			return err
		}
		if k != kind || (kind != OrgICB && parent == 0) {
			bad[field] = msg
			return nil
		}
		placed = true
		return nil
	}
	switch u.Role {
	case RoleLA:
		field = "la_id"
		err = want(u.LAID, OrgLA, true, "Choose the user's local authority")
		if u.OrgID != 0 {
			bad["org_id"] = "An LA user belongs to their local authority only: leave the organisation empty"
		}
	case RoleProvider:
		err = want(u.OrgID, OrgProvider, true, "Choose the health provider the user works for")
	case RoleClinician:
		err = want(u.OrgID, OrgProvider, true, "Choose the health provider the clinician works for")
	case RoleDCO:
		err = want(u.OrgID, OrgICB, true, "Choose the ICB the DCO works for")
	case RoleViewer:
		err = want(u.OrgID, OrgICB, true, "Choose the ICB the board member works for")
	case RoleAdmin:
		err = want(u.OrgID, OrgICB, false, "Choose the ICB whose accounts the administrator manages, or none")
	}
	if err != nil {
		return "", false, err
	}
	if u.Role != RoleLA && u.LAID != 0 {
		bad["la_id"] = "Only LA users belong to a local authority: leave the local authority empty"
	}
	return field, placed, nil
}

// ValidateUser checks u as CreateUser would for actor, without saving or
// auditing anything, so that a form can report the store's problems
// together with its own (a password too short) in one answer.
func (s *Store) ValidateUser(ctx context.Context, actor Actor, u *User) error {
	_, err := checkUser(ctx, s, actor, u)
	var r *refusal
	if errors.As(err, &r) {
		return r.err
	}
	return err
}

// accountDetail is the audit detail of an account added (old nil) or
// changed: its role, organisations and ICB, and before a change what they
// were, as ids. It never holds a name or an email address; AccountChanges
// reads it back.
func accountDetail(old *User, oldICB int64, u *User, icb int64) string {
	var b strings.Builder
	if old != nil {
		fmt.Fprintf(&b, "old_role=%s old_org_id=%d old_la_id=%d old_icb_id=%d ", old.Role, old.OrgID, old.LAID, oldICB)
	}
	fmt.Fprintf(&b, "role=%s org_id=%d la_id=%d icb_id=%d", u.Role, u.OrgID, u.LAID, icb)
	return b.String()
}

// accountWrite runs fn in a write transaction; a refusal (another ICB's
// account, or not an administrator) is audited in a transaction of its own
// once fn's has rolled back.
func (s *Store) accountWrite(ctx context.Context, actor Actor, action string, userID int64, fn func(t *tx) error) error {
	err := s.write(ctx, fn)
	var r *refusal
	if errors.As(err, &r) {
		s.refuse(ctx, actor, action, "user", userID, 0)
		return r.err
	}
	return err
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
// is lower-cased; one already in use is a conflict. checkUser says who may
// add whom. An account an administrator adds must choose its own password
// at first sign-in (u.MustChangePassword is set); dco itself (the command
// line, the demo) decides for the accounts it adds. Audited "user.create"
// with the account's role, organisations and ICB.
func (s *Store) CreateUser(ctx context.Context, actor Actor, u *User) error {
	now := s.now()
	if !isSystem(actor) {
		u.MustChangePassword = true
	}
	return s.accountWrite(ctx, actor, "user.create", 0, func(t *tx) error {
		icb, err := checkUser(ctx, t, actor, u)
		if err != nil {
			return err
		}
		id, err := t.insertID(ctx, `INSERT INTO users (email, name, role, org_id, la_id, password_hash, disabled, must_change_password,
			version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`, u.Email, u.Name, string(u.Role),
			nullID(u.OrgID), nullID(u.LAID), u.PasswordHash, u.Disabled, u.MustChangePassword, fmtTime(now), fmtTime(now))
		if err != nil {
			return duplicateEmail(err)
		}
		u.ID, u.Version, u.CreatedAt = id, 1, parseTime(fmtTime(now))
		return t.appendAudit(ctx, entry(actor, "user.create", "user", id, 0, OutcomeOK, accountDetail(nil, 0, u, icb)))
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

// ListUsersFor returns the accounts actor manages, by email: every
// account for dco itself and the administrator of the whole service, an
// ICB's own for that ICB's administrator (managesICB). Names and email
// addresses only; not audited, as ListUsers is not.
func (s *Store) ListUsersFor(ctx context.Context, actor Actor) ([]User, error) {
	if !mayManageAccounts(actor) {
		s.refuse(ctx, actor, "user.list", "user", 0, 0)
		return nil, errAccountsForbidden()
	}
	if managesAll(actor) {
		return s.ListUsers(ctx)
	}
	rows, err := s.query(ctx, "SELECT "+userColumns+` FROM users u LEFT JOIN orgs p ON p.id = COALESCE(u.la_id, u.org_id)
		WHERE `+userICBSQL+` = ? ORDER BY u.email`, actor.OrgID)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, "users", scanUser)
}

// GetUserFor returns one account actor manages; another ICB's is not
// found, exactly as an absent one.
func (s *Store) GetUserFor(ctx context.Context, actor Actor, id int64) (User, error) {
	if !mayManageAccounts(actor) {
		s.refuse(ctx, actor, "user.view", "user", id, 0)
		return User{}, errAccountsForbidden()
	}
	u, err := s.GetUser(ctx, id)
	if err != nil {
		return User{}, err
	}
	icb, err := icbOfUser(ctx, s, u.Role, u.OrgID, u.LAID)
	if err != nil {
		return User{}, err
	}
	if !managesICB(actor, icb) {
		s.refuse(ctx, actor, "user.view", "user", id, 0)
		return User{}, errUserNotFound()
	}
	return u, nil
}

// lockManagedUser reads, locked for update, the account id as it is now,
// with its ICB, and checks that actor manages it (managesICB): another
// ICB's account is not found, as an absent one is.
func (t *tx) lockManagedUser(ctx context.Context, actor Actor, where string, arg any) (User, int64, error) {
	if !mayManageAccounts(actor) {
		return User{}, 0, &refusal{errAccountsForbidden()}
	}
	old, err := scanUser(t.queryRow(ctx, "SELECT "+userColumns+" FROM users u WHERE "+where+t.s.forUpdate(), arg))
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, 0, errUserNotFound()
	}
	if err != nil {
		return User{}, 0, mapErr(err, "find user")
	}
	icb, err := icbOfUser(ctx, t, old.Role, old.OrgID, old.LAID)
	if err != nil {
		return User{}, 0, err
	}
	if !managesICB(actor, icb) {
		return User{}, 0, &refusal{errUserNotFound()}
	}
	return old, icb, nil
}

// UpdateUser saves a user's email, name, role, organisations and disabled
// flag (not the password: see SetPasswordHash). u.Version must be the version
// read; a stale one is a conflict. Disabling a user here also ends their
// sessions and API tokens, as DisableUser does. The account must be one
// actor manages, before and after (checkUser). Audited "user.update" with
// the role, organisations and ICB before and after.
func (s *Store) UpdateUser(ctx context.Context, actor Actor, u *User) error {
	return s.accountWrite(ctx, actor, "user.update", u.ID, func(t *tx) error {
		old, oldICB, err := t.lockManagedUser(ctx, actor, "u.id = ?", u.ID)
		if err != nil {
			return err
		}
		if old.Version != u.Version {
			return errStale()
		}
		icb, err := checkUser(ctx, t, actor, u)
		if err != nil {
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
		return t.appendAudit(ctx, entry(actor, "user.update", "user", u.ID, 0, OutcomeOK, accountDetail(&old, oldICB, u, icb)))
	})
}

// SetPasswordHash stores a new password hash (argon2id, made by the caller)
// for an account actor manages and raises the user's version. Set by an
// administrator for someone else, it is a reset: like the password of a new
// account it works once, to choose the person's own (must_change_password).
func (s *Store) SetPasswordHash(ctx context.Context, actor Actor, userID int64, hash string) error {
	return s.accountWrite(ctx, actor, "user.password", userID, func(t *tx) error {
		if _, _, err := t.lockManagedUser(ctx, actor, "u.id = ?", userID); err != nil {
			return err
		}
		reset := !isSystem(actor) && actor.UserID != userID
		n, err := t.execN(ctx, `UPDATE users SET password_hash = ?, must_change_password = ?, version = version + 1, updated_at = ?
			WHERE id = ?`, hash, reset, fmtTime(s.now()), userID)
		if err != nil {
			return err
		}
		if n != 1 {
			return errs.E(errs.NotFound, "No such user")
		}
		detail := ""
		if reset {
			detail = "must_change_password=true"
		}
		return t.appendAudit(ctx, entry(actor, "user.password", "user", userID, 0, OutcomeOK, detail))
	})
}

// SetOwnPassword stores the password actor has chosen for their own
// account (its argon2id hash, made by the caller), clears
// must_change_password and ends every other session of theirs, keeping the
// one whose id hash is keepSession. Audited "user.password".
func (s *Store) SetOwnPassword(ctx context.Context, actor Actor, hash, keepSession string) error {
	if actor.UserID == 0 || hash == "" {
		return errs.E(errs.Invalid, "a new password needs a signed-in user and a hash")
	}
	return s.write(ctx, func(t *tx) error {
		n, err := t.execN(ctx, `UPDATE users SET password_hash = ?, must_change_password = ?, version = version + 1, updated_at = ?
			WHERE id = ? AND NOT disabled`, hash, false, fmtTime(s.now()), actor.UserID)
		if err != nil {
			return err
		}
		if n != 1 {
			return errs.E(errs.NotFound, "No such user")
		}
		if _, err := t.exec(ctx, "DELETE FROM sessions WHERE user_id = ? AND id_hash <> ?", actor.UserID, keepSession); err != nil {
			return err
		}
		return t.appendAudit(ctx, entry(actor, "user.password", "user", actor.UserID, 0, OutcomeOK, "chosen by the user"))
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

// DisableUser disables the user with an email address, an account actor
// manages, and, in the same transaction, deletes their sessions and API
// tokens and audits it.
func (s *Store) DisableUser(ctx context.Context, actor Actor, email string) error {
	return s.accountWrite(ctx, actor, "user.disable", 0, func(t *tx) error {
		old, _, err := t.lockManagedUser(ctx, actor, "u.email = ?", normaliseEmail(email))
		if err != nil {
			return err
		}
		if _, err := t.exec(ctx, "UPDATE users SET disabled = ?, version = version + 1, updated_at = ? WHERE id = ?",
			true, fmtTime(s.now()), old.ID); err != nil {
			return err
		}
		if err := t.endUserAccess(ctx, old.ID); err != nil {
			return err
		}
		return t.appendAudit(ctx, entry(actor, "user.disable", "user", old.ID, 0, OutcomeOK, ""))
	})
}

// AccountChange is an account added, or whose role or organisation was
// changed, as the audit trail recorded it (user.create, user.update): what
// a DCO's home page lists for their ICB.
type AccountChange struct {
	At     time.Time
	UserID int64
	Name   string // the account's name now
	Added  bool   // added, rather than changed
	// Role, OrgID and LAID are as the change left them; OldRole, OldOrgID
	// and OldLAID as it found them ("" and 0 for an account added).
	Role              Role
	OrgID, LAID       int64
	OldRole           Role
	OldOrgID, OldLAID int64
	// By is who made the change.
	ByUserID int64
	ByEmail  string
	ByRole   Role
}

// AccountChanges lists, newest first, the accounts of actor's ICB added,
// or whose role or organisation changed, from from up to to: those whose
// ICB before or after the change is the DCO's, so that an account moved
// out of the ICB is listed too. A DCO of no ICB has none; dco itself sees
// every ICB's. It reads the audit trail, names only, and is not audited.
func (s *Store) AccountChanges(ctx context.Context, actor Actor, from, to time.Time) ([]AccountChange, error) {
	if !isSystem(actor) && actor.Role != RoleDCO {
		return nil, errs.E(errs.Forbidden, "Only the DCO team sees the changes to its ICB's accounts")
	}
	if !isSystem(actor) && actor.OrgID == 0 {
		return nil, nil
	}
	rows, err := s.query(ctx, `SELECT a.at, a.object_id, COALESCE(u.name, ''), a.action, a.detail, a.user_id, a.email, a.role
		FROM audit_log a LEFT JOIN users u ON u.id = a.object_id
		WHERE a.action IN ('user.create', 'user.update') AND a.outcome = 'ok' AND a.at >= ? AND a.at < ?
		ORDER BY a.id DESC`, fmtTime(from), fmtTime(to))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []AccountChange
	for rows.Next() {
		var c AccountChange
		var at, action, detail, byRole string
		if err := rows.Scan(&at, &c.UserID, &c.Name, &action, &detail, &c.ByUserID, &c.ByEmail, &byRole); err != nil {
			return nil, mapErr(err, "scan account change")
		}
		c.At, c.ByRole, c.Added = parseTime(at), Role(byRole), action == "user.create"
		d := map[string]string{}
		for _, kv := range strings.Fields(detail) {
			k, v, _ := strings.Cut(kv, "=")
			d[k] = v
		}
		id := func(k string) int64 { n, _ := strconv.ParseInt(d[k], 10, 64); return n }
		c.Role, c.OrgID, c.LAID = Role(d["role"]), id("org_id"), id("la_id")
		if !c.Added {
			c.OldRole, c.OldOrgID, c.OldLAID = Role(d["old_role"]), id("old_org_id"), id("old_la_id")
			if c.OldRole == c.Role && c.OldOrgID == c.OrgID && c.OldLAID == c.LAID {
				continue // a name, address or status change: not a change of place
			}
		}
		if !isSystem(actor) && id("icb_id") != actor.OrgID && (c.Added || id("old_icb_id") != actor.OrgID) {
			continue
		}
		out = append(out, c)
	}
	return out, mapErr(rows.Err(), "list account changes")
}
