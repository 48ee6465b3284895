package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"dco/internal/errs"
	"dco/internal/send"
)

// Scope. Every query on children carries the actor's scope in its WHERE
// clause (docs/design.md §2):
//   - dco: the children of the ICB the DCO's OrgID names; none when it
//     names none;
//   - la: children whose LA of residence is the actor's LA;
//   - clinician: children granted to the actor in child_access, by a DCO or
//     by an open part of advice assigned to them (grantClinician, advice.go);
//   - provider: children granted to the actor's organisation, or that it
//     registered;
//   - viewer and admin: none (forbidden); System (dco's own work): every child.
// A child out of scope is not_found, exactly as an absent one is, and the
// attempt is audited as access.refused.

// isSystem reports whether a is dco itself (imports, demo seeding).
func isSystem(a Actor) bool {
	return a.UserID == 0 && a.Role == System.Role && a.Email == System.Email
}

// refusal marks an error as a refusal by scope, to be audited as such once
// the transaction that found it has rolled back.
type refusal struct{ err error }

// Error returns the refused request's error text.
func (r *refusal) Error() string { return r.err.Error() }

// Unwrap returns the coded error the caller sees.
func (r *refusal) Unwrap() error { return r.err }

func errChildNotFound() error {
	return &refusal{errs.E(errs.NotFound, "No child was found with those details")}
}

func errNoCaseData() error {
	return &refusal{errs.E(errs.Forbidden, "Your role does not give access to children's records")}
}

// scopeOf returns the SQL condition, on children aliased c, that limits rows
// to what a may see.
func scopeOf(a Actor) (string, []any, error) {
	if cond, args, ok := icbWide(a, "c"); ok {
		return cond, args, nil
	}
	switch a.Role {
	case RoleLA:
		return "c.la_id = ?", []any{a.LAID}, nil
	case RoleClinician:
		return "EXISTS (SELECT 1 FROM child_access g WHERE g.child_id = c.id AND g.user_id = ?)", []any{a.UserID}, nil
	case RoleProvider:
		return "(c.created_by_org_id = ? OR EXISTS (SELECT 1 FROM child_access g WHERE g.child_id = c.id AND g.org_id = ?))",
			[]any{a.OrgID, a.OrgID}, nil
	}
	return "", nil, errNoCaseData()
}

// icbWide is the scope every kind of record shares for dco itself and for a
// DCO: everything for dco itself; the whole ICB named by the DCO's
// organisation; nothing for a DCO of no ICB (an account made before every
// DCO had to name one), never every ICB's. ok is false for every other
// actor, whose scope is the record kind's own.
func icbWide(a Actor, alias string) (cond string, args []any, ok bool) {
	if isSystem(a) {
		return "1 = 1", nil, true
	}
	if a.Role != RoleDCO {
		return "", nil, false
	}
	if a.OrgID != 0 {
		return alias + ".icb_id = ?", []any{a.OrgID}, true
	}
	return "1 = 0", nil, true
}

// childWrite runs fn in a write transaction for actor; if fn was refused by
// scope, the refusal is audited in a transaction of its own.
func (s *Store) childWrite(ctx context.Context, actor Actor, action string, childID int64, fn func(t *tx) error) error {
	err := s.write(ctx, fn)
	var r *refusal
	if errors.As(err, &r) {
		s.refuse(ctx, actor, action, "child", childID, childID)
		return r.err
	}
	return err
}

const childColumns = `c.id, c.nhs_number, c.given_name, c.family_name, c.date_of_birth, c.postcode, c.icb_id, c.la_id, la.name,
	c.setting, c.looked_after, c.elective_home_ed, c.missing_education, c.youth_justice, c.continuing_care,
	c.personal_health_budget, c.version, c.created_at, c.updated_at`

const childFrom = ` FROM children c JOIN orgs la ON la.id = c.la_id`

func scanChild(r interface{ Scan(...any) error }) (Child, error) {
	var c Child
	var nhs, dob, created, updated string
	err := r.Scan(&c.ID, &nhs, &c.GivenName, &c.FamilyName, &dob, &c.Postcode, &c.ICBID, &c.LAID, &c.LAName,
		&c.Setting, &c.Flags.LookedAfter, &c.Flags.ElectiveHomeEd, &c.Flags.MissingEducation, &c.Flags.YouthJustice,
		&c.Flags.ContinuingCare, &c.Flags.PersonalHealthBudget, &c.Version, &created, &updated)
	if err != nil {
		return Child{}, err
	}
	c.NHSNumber = send.NHSNumber(nhs)
	if c.DateOfBirth, err = send.ParseDate(dob); err != nil {
		return Child{}, fmt.Errorf("child %d date of birth: %w", c.ID, err)
	}
	c.CreatedAt, c.UpdatedAt = parseTime(created), parseTime(updated)
	return c, nil
}

func scanChildren(rows *sql.Rows) ([]Child, error) {
	return scanAll(rows, "children", scanChild)
}

// scanAll reads every row with scan and closes rows; what names the rows in
// an error.
func scanAll[T any](rows *sql.Rows, what string, scan func(interface{ Scan(...any) error }) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, mapErr(err, "scan "+what)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, mapErr(err, "read "+what)
	}
	return out, nil
}

// scanString reads a row of one text column.
func scanString(rows interface{ Scan(...any) error }) (string, error) {
	var s string
	err := rows.Scan(&s)
	return s, err
}

// childInScope reads one child if actor may see it; lock holds the row for
// an update. Otherwise it is a refusal: not_found, or forbidden for a role
// that sees no case data.
func (t *tx) childInScope(ctx context.Context, actor Actor, id int64, lock bool) (Child, error) {
	scope, args, err := scopeOf(actor)
	if err != nil {
		return Child{}, err
	}
	q := "SELECT " + childColumns + childFrom + " WHERE c.id = ? AND " + scope
	if lock && t.s.engine == EnginePostgres {
		q += " FOR UPDATE OF c"
	}
	c, err := scanChild(t.queryRow(ctx, q, append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return Child{}, errChildNotFound()
	}
	if err != nil {
		return Child{}, mapErr(err, "read child")
	}
	return c, nil
}

var postcodeRE = regexp.MustCompile(`^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$`)

// NormalisePostcode returns a UK postcode in capitals with one space before
// the inward code ("BA1 1AA"), and whether it has the shape of one.
func NormalisePostcode(p string) (string, bool) {
	p = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return unicode.ToUpper(r)
	}, p)
	if !postcodeRE.MatchString(p) {
		return p, false
	}
	return p[:len(p)-3] + " " + p[len(p)-3:], true
}

// MsgNotUTF8 refuses text that is not UTF-8, which SQLite would store as
// it came and PostgreSQL refuse: one answer on both engines, and the one
// the web layer gives for any field.
const MsgNotUTF8 = "This must be text, but it contains characters that cannot be read (not UTF-8). Type it again, or paste it as plain text."

// nameKey is the case-folded, space-collapsed form of a name, used to sort,
// search and match duplicates identically on both engines.
func nameKey(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }

// checkChild normalises a child's fields and returns what is wrong with them.
// today is today's date in England; callers checking many children pass it
// once, as finding it loads the time zone.
func (s *Store) checkChild(c *Child, today send.Date) map[string]string {
	bad := map[string]string{}
	if strings.TrimSpace(string(c.NHSNumber)) == "" {
		bad["nhs_number"] = "Enter the NHS number"
	} else if n, err := send.ParseNHSNumber(string(c.NHSNumber)); err != nil {
		msg := err.Error()
		bad["nhs_number"] = strings.ToUpper(msg[:1]) + msg[1:]
	} else {
		c.NHSNumber = n
	}
	name := func(field, label string, v *string) {
		*v = strings.TrimSpace(*v)
		switch {
		case *v == "":
			bad[field] = "Enter the " + label
		case !utf8.ValidString(*v):
			bad[field] = MsgNotUTF8
		case len([]rune(*v)) > 100:
			bad[field] = "The " + label + " must be 100 characters or fewer"
		}
	}
	name("given_name", "given name", &c.GivenName)
	name("family_name", "family name", &c.FamilyName)
	switch {
	case c.DateOfBirth.IsZero():
		bad["date_of_birth"] = "Enter the date of birth"
	case c.DateOfBirth.After(today):
		bad["date_of_birth"] = "The date of birth must be today or in the past"
	case c.DateOfBirth.Before(send.NewDate(today.Year()-26, today.Month(), today.Day())):
		bad["date_of_birth"] = "The date of birth must be within the last 26 years"
	}
	if strings.TrimSpace(c.Postcode) == "" {
		c.Postcode = ""
	} else if p, ok := NormalisePostcode(c.Postcode); ok {
		c.Postcode = p
	} else {
		bad["postcode"] = "Enter a real postcode, like BA1 1AA"
	}
	c.Setting = strings.TrimSpace(c.Setting)
	if !utf8.ValidString(c.Setting) {
		bad["setting"] = MsgNotUTF8
	} else if len([]rune(c.Setting)) > 200 {
		bad["setting"] = "The setting must be 200 characters or fewer"
	}
	return bad
}

// laOf returns the name and ICB of an LA, or ok=false if id is not an LA.
func (t *tx) laOf(ctx context.Context, id int64) (name string, icbID int64, ok bool, err error) {
	var kind string
	err = t.queryRow(ctx, "SELECT kind, name, COALESCE(parent_id, 0) FROM orgs WHERE id = ?", id).Scan(&kind, &name, &icbID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", 0, false, nil
	}
	if err != nil {
		return "", 0, false, mapErr(err, "find la")
	}
	return name, icbID, kind == string(OrgLA) && icbID != 0, nil
}

// The placement messages: the la_id problems of a child put where the
// actor may not put it. Each says what to do instead.
const (
	msgOwnLA    = "You can only record children who live in your local authority"
	msgOwnICB   = "Choose one of your ICB's local authorities"
	msgNoICB    = "Your account does not belong to an ICB, so you cannot choose a local authority: ask the service administrator to add you to your ICB"
	msgMoveByDC = "Only the DCO team of the child's ICB can change the child's local authority. Keep it as it is, or ask the DCO team to move the child."
)

// homeICB is the ICB an actor works in, for deciding where it may put a
// child: a DCO's organisation, the ICB of an LA user's LA, or the ICB of a
// provider or clinician's provider organisation (its parent). 0 when the
// actor belongs to none.
func (t *tx) homeICB(ctx context.Context, actor Actor) (int64, error) {
	var id int64
	switch actor.Role {
	case RoleDCO:
		return actor.OrgID, nil
	case RoleLA:
		id = actor.LAID
	case RoleProvider, RoleClinician:
		id = actor.OrgID
	}
	if id == 0 {
		return 0, nil
	}
	var icb int64
	err := t.queryRow(ctx, "SELECT COALESCE(parent_id, 0) FROM orgs WHERE id = ? AND kind IN ('la', 'provider')", id).Scan(&icb)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, mapErr(err, "find the actor's ICB")
	}
	return icb, nil
}

// placeRule is the one rule for where actor may register a child: in an LA
// (laID, of ICB laICB) of its own ICB (home, from homeICB), and an LA user
// only in its own LA; dco itself anywhere. It returns the la_id problem, or
// "" when the LA is allowed. Moving a registered child is moveChild's.
func placeRule(actor Actor, home, laID, laICB int64) string {
	switch {
	case isSystem(actor):
		return ""
	case actor.Role == RoleLA:
		if laID != actor.LAID {
			return msgOwnLA
		}
		return ""
	case home == 0:
		return msgNoICB
	case laICB != home:
		return msgOwnICB
	}
	return ""
}

// placeChild settles c.LAID for a child actor registers (an LA actor's own
// LA when c.LAID is 0) and fills c.LAName and c.ICBID, adding to bad what is
// wrong: the LA must be one placeRule allows the actor.
func (t *tx) placeChild(ctx context.Context, actor Actor, c *Child, bad map[string]string) error {
	if actor.Role == RoleLA && !isSystem(actor) && c.LAID == 0 {
		c.LAID = actor.LAID
	}
	if c.LAID == 0 {
		bad["la_id"] = "Choose the child's local authority"
		return nil
	}
	name, icb, ok, err := t.laOf(ctx, c.LAID)
	if err != nil {
		return err
	}
	if !ok {
		bad["la_id"] = "Choose the child's local authority"
		return nil
	}
	home, err := t.homeICB(ctx, actor)
	if err != nil {
		return err
	}
	if msg := placeRule(actor, home, c.LAID, icb); msg != "" {
		bad["la_id"] = msg
		return nil
	}
	c.LAName, c.ICBID = name, icb
	return nil
}

// moveChild settles the LA of a registered child (cur, as stored) that
// actor changes to c. Keeping the LA is every editor's right. Moving it to
// another LA is the DCO team's of the child's ICB alone, and only to an LA
// of that ICB (dco itself may move any child anywhere): a move by anyone
// else is refused here, whatever route it came by, so that no one can take
// a child out of its home LA's and DCO's sight.
func (t *tx) moveChild(ctx context.Context, actor Actor, cur Child, c *Child, bad map[string]string) error {
	if c.LAID == 0 || c.LAID == cur.LAID {
		c.LAID, c.LAName, c.ICBID = cur.LAID, cur.LAName, cur.ICBID
		return nil
	}
	if !isSystem(actor) && (actor.Role != RoleDCO || actor.OrgID == 0 || actor.OrgID != cur.ICBID) {
		bad["la_id"] = msgMoveByDC
		return nil
	}
	return t.placeChild(ctx, actor, c, bad)
}

// placementRefused reports whether an la_id problem is a refusal of where
// the actor put the child (rather than an LA that is not one).
func placementRefused(msg string) bool {
	return msg == msgOwnLA || msg == msgOwnICB || msg == msgNoICB || msg == msgMoveByDC
}

// errMoveRefused is a change of LA refused by moveChild: the caller audits
// it, with the LAs, once the transaction has rolled back.
type errMoveRefused struct {
	err      error
	from, to int64
}

// Error returns the refused change's error text.
func (e *errMoveRefused) Error() string { return e.err.Error() }

// Unwrap returns the coded error the caller sees.
func (e *errMoveRefused) Unwrap() error { return e.err }

// laChange is the audit detail of a change of LA: the LAs' ids, never
// their names.
func laChange(from, to int64) string {
	return "la_from=" + itoa(from) + " la_to=" + itoa(to)
}

// mayRegister reports whether a role may register children.
func mayRegister(a Actor) bool {
	return isSystem(a) || a.Role == RoleDCO || a.Role == RoleLA || a.Role == RoleProvider
}

// msgDuplicateNHS is the one answer to registering an NHS number that dco
// holds already, wherever that child lives: it names neither the other
// record nor its LA, and says what to do next.
const msgDuplicateNHS = "A child with this NHS number is already registered. Check the NHS number; if the child has moved to your area, ask the DCO team to move their record."

func errDuplicateNHS(err error) error {
	const msg = msgDuplicateNHS
	return &errs.Error{Code: errs.Conflict, Message: msg, Fields: map[string]string{"nhs_number": msg}, Err: err}
}

const insertChildSQL = `INSERT INTO children (nhs_number, given_name, family_name, given_key, family_key, search_name,
	date_of_birth, postcode, icb_id, la_id, setting, looked_after, elective_home_ed, missing_education, youth_justice,
	continuing_care, personal_health_budget, created_by_org_id, created_by_user_id, version, created_at, updated_at)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?) RETURNING id`

// childInsert and childRow make a multi-row insertChildSQL: childFields
// arguments a row, as childArgs gives them.
const (
	childInsert = `INSERT INTO children (nhs_number, given_name, family_name, given_key, family_key, search_name,
	date_of_birth, postcode, icb_id, la_id, setting, looked_after, elective_home_ed, missing_education, youth_justice,
	continuing_care, personal_health_budget, created_by_org_id, created_by_user_id, version, created_at, updated_at) VALUES `
	childRow    = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)"
	childFields = 21
	childChunk  = 40
)

// firstDuplicateNHS returns the index of the first child in cs whose NHS
// number is registered already or comes earlier in cs, or -1.
func (t *tx) firstDuplicateNHS(ctx context.Context, cs []Child) (int, error) {
	first := -1
	seen := make(map[string]bool, len(cs))
	for i := range cs {
		nhs := string(cs[i].NHSNumber)
		if seen[nhs] {
			first = i
			break
		}
		seen[nhs] = true
	}
	const chunk = 500
	args := make([]any, 0, chunk)
	for start := 0; start < len(cs) && (first < 0 || start < first); start += chunk {
		part := cs[start:min(start+chunk, len(cs))]
		args = args[:0]
		for i := range part {
			args = append(args, string(part[i].NHSNumber))
		}
		rows, err := t.queryPrepared(ctx, insertRowsSQL("SELECT nhs_number FROM children WHERE nhs_number IN (", "?", len(part), ")"), args...)
		if err != nil {
			return 0, err
		}
		registered, err := scanAll(rows, "NHS numbers", scanString)
		if err != nil {
			return 0, err
		}
		known := map[string]bool{}
		for _, nhs := range registered {
			known[nhs] = true
		}
		for i := range part {
			if known[string(part[i].NHSNumber)] && (first < 0 || start+i < first) {
				first = start + i
				break
			}
		}
	}
	return first, nil
}

// childArgs are insertChildSQL's arguments for c, created by actor at now.
func childArgs(actor Actor, c *Child, now string) []any {
	var byOrg any
	if actor.Role == RoleProvider && !isSystem(actor) {
		byOrg = nullID(actor.OrgID)
	}
	g, f := nameKey(c.GivenName), nameKey(c.FamilyName)
	return []any{string(c.NHSNumber), c.GivenName, c.FamilyName, g, f, g + " " + f,
		c.DateOfBirth.String(), c.Postcode, c.ICBID, c.LAID, c.Setting, c.Flags.LookedAfter, c.Flags.ElectiveHomeEd,
		c.Flags.MissingEducation, c.Flags.YouthJustice, c.Flags.ContinuingCare, c.Flags.PersonalHealthBudget,
		byOrg, actor.UserID, now, now}
}

// grantRegistrar gives a provider that registered a child sight of it.
func (t *tx) grantRegistrar(ctx context.Context, actor Actor, childID int64, now string) error {
	if actor.Role != RoleProvider || isSystem(actor) || actor.OrgID == 0 {
		return nil
	}
	_, err := t.exec(ctx, `INSERT INTO child_access (child_id, org_id, reason, created_by, created_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, childID, actor.OrgID, "registered by this organisation", actor.UserID, now)
	return err
}

// CreateChild registers a child, setting c.ID, c.Version (1), c.LAName and
// c.ICBID. An LA user registers children of their own LA (c.LAID 0 means
// theirs); a DCO, provider or clinician only in an LA of its own ICB
// (placeRule), a refusal audited with the LA asked for; a provider's
// organisation is granted sight of the child it registers. Audited
// "child.create".
//
// An NHS number already registered is settled by duplicateChild
// (registration.go): for a user of the registered child's ICB, a conflict
// whose message says nothing of the other record, not even whether it is in
// the actor's own LA; for anyone else, a request for their DCO team,
// answered *RegistrationSent, so that they are not told dco holds the
// number. The attempt is audited against the record it collided with, so
// the DCO sees it in "who has accessed this record" and can move a child
// who has changed LA, and it counts towards the user's identity-check
// throttle: a user who must wait is refused (too_many) before anything is
// looked up.
func (s *Store) CreateChild(ctx context.Context, actor Actor, c *Child) error {
	const action = "child.create"
	if !mayRegister(actor) {
		s.refuse(ctx, actor, action, "child", 0, 0)
		return errs.E(errs.Forbidden, "Your role cannot register children")
	}
	if err := s.identityWait(ctx, actor, action); err != nil {
		return err
	}
	err := s.createChild(ctx, actor, c)
	if errs.Is(err, errs.Invalid) && placementRefused(errs.FieldsOf(err)["la_id"]) {
		s.refuseDetail(ctx, actor, action, 0, "la_to="+itoa(c.LAID))
	}
	if errs.Is(err, errs.Conflict) && errs.FieldsOf(err)["nhs_number"] != "" {
		return s.duplicateChild(ctx, actor, c, err)
	}
	return err
}

func (s *Store) createChild(ctx context.Context, actor Actor, c *Child) error {
	const action = "child.create"
	now := s.now()
	bad := s.checkChild(c, send.Today(now))
	at := fmtTime(now)
	return s.write(ctx, func(t *tx) error {
		if err := t.placeChild(ctx, actor, c, bad); err != nil {
			return err
		}
		if len(bad) > 0 {
			return errs.InvalidFields(bad)
		}
		var id int64
		if err := t.queryRow(ctx, insertChildSQL, childArgs(actor, c, at)...).Scan(&id); err != nil {
			if err := mapErr(err, "insert child"); errs.Is(err, errs.Conflict) {
				return errDuplicateNHS(err)
			} else {
				return err
			}
		}
		if err := t.grantRegistrar(ctx, actor, id, at); err != nil {
			return err
		}
		c.ID, c.Version = id, 1
		c.CreatedAt, c.UpdatedAt = parseTime(at), parseTime(at)
		return t.appendAudit(ctx, entry(actor, action, "child", id, id, OutcomeOK, ""))
	})
}

// GetChild returns a child the actor may see, with LAName. Audited
// "child.view"; a child out of scope is not_found and audited as refused.
func (s *Store) GetChild(ctx context.Context, actor Actor, id int64) (Child, error) {
	const action = "child.view"
	var c Child
	err := s.childWrite(ctx, actor, action, id, func(t *tx) error {
		var err error
		if c, err = t.childInScope(ctx, actor, id, false); err != nil {
			return err
		}
		return t.appendAudit(ctx, entry(actor, action, "child", id, id, OutcomeOK, ""))
	})
	if err != nil {
		return Child{}, err
	}
	return c, nil
}

// changedFields names the fields that differ, for the audit detail: names of
// fields, never their values.
func changedFields(a, b Child) string {
	var f []string
	add := func(changed bool, name string) {
		if changed {
			f = append(f, name)
		}
	}
	add(a.NHSNumber != b.NHSNumber, "nhs_number")
	add(a.GivenName != b.GivenName, "given_name")
	add(a.FamilyName != b.FamilyName, "family_name")
	add(!a.DateOfBirth.Equal(b.DateOfBirth), "date_of_birth")
	add(a.Postcode != b.Postcode, "postcode")
	add(a.LAID != b.LAID, "la_id")
	add(a.Setting != b.Setting, "setting")
	add(a.Flags != b.Flags, "flags")
	return "fields=" + strings.Join(f, ",")
}

// UpdateChild saves a child the actor may see. c.Version must be the version
// read: a stale one is a conflict and nothing is written. c.LAID 0, or the
// child's own, keeps the LA; only the DCO team of the child's ICB moves a
// child to another LA, of that ICB (moveChild), and a move refused is
// audited as refused with both LAs. On success c.Version is the new
// version. Audited "child.update" with the names of changed fields and,
// for a move, the LA it left and the LA it went to.
func (s *Store) UpdateChild(ctx context.Context, actor Actor, c *Child) error {
	const action = "child.update"
	if err := s.identityWait(ctx, actor, action); err != nil {
		return err
	}
	now := s.now()
	bad := s.checkChild(c, send.Today(now))
	at := fmtTime(now)
	err := s.childWrite(ctx, actor, action, c.ID, func(t *tx) error {
		cur, err := t.childInScope(ctx, actor, c.ID, true)
		if err != nil {
			return err
		}
		if cur.Version != c.Version {
			return errStale()
		}
		to := c.LAID
		if err := t.moveChild(ctx, actor, cur, c, bad); err != nil {
			return err
		}
		if len(bad) > 0 {
			if placementRefused(bad["la_id"]) && to != 0 && to != cur.LAID {
				return &errMoveRefused{err: errs.InvalidFields(bad), from: cur.LAID, to: to}
			}
			return errs.InvalidFields(bad)
		}
		g, f := nameKey(c.GivenName), nameKey(c.FamilyName)
		n, err := t.execN(ctx, `UPDATE children SET nhs_number = ?, given_name = ?, family_name = ?, given_key = ?, family_key = ?,
			search_name = ?, date_of_birth = ?, postcode = ?, icb_id = ?, la_id = ?, setting = ?, looked_after = ?,
			elective_home_ed = ?, missing_education = ?, youth_justice = ?, continuing_care = ?, personal_health_budget = ?,
			version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
			string(c.NHSNumber), c.GivenName, c.FamilyName, g, f, g+" "+f, c.DateOfBirth.String(), c.Postcode, c.ICBID, c.LAID,
			c.Setting, c.Flags.LookedAfter, c.Flags.ElectiveHomeEd, c.Flags.MissingEducation, c.Flags.YouthJustice,
			c.Flags.ContinuingCare, c.Flags.PersonalHealthBudget, at, c.ID, c.Version)
		if errs.Is(err, errs.Conflict) {
			return errDuplicateNHS(err)
		}
		if err != nil {
			return err
		}
		if n != 1 {
			return errStale()
		}
		c.Version++
		c.CreatedAt, c.UpdatedAt = cur.CreatedAt, parseTime(at)
		detail := changedFields(cur, *c)
		if c.LAID != cur.LAID {
			detail += " " + laChange(cur.LAID, c.LAID)
		}
		return t.appendAudit(ctx, entry(actor, action, "child", c.ID, c.ID, OutcomeOK, detail))
	})
	var moved *errMoveRefused
	if errors.As(err, &moved) {
		s.refuseDetail(ctx, actor, action, c.ID, laChange(moved.from, moved.to))
		return moved.err
	}
	if errs.Is(err, errs.Conflict) && errs.FieldsOf(err)["nhs_number"] != "" {
		return s.duplicateAttempt(ctx, actor, action, string(c.NHSNumber), err)
	}
	return err
}

// refuseDetail audits a refused change of a child, as refuse does, with
// what was refused in the detail (ids only).
func (s *Store) refuseDetail(ctx context.Context, a Actor, action string, childID int64, detail string) {
	e := entry(a, ActionAccessRefused, "child", childID, childID, OutcomeRefused, "action="+action+" "+detail)
	if err := s.write(ctx, func(t *tx) error { return t.appendAudit(ctx, e) }); err != nil {
		s.log.Error("audit refused change", "err", err, "user_id", a.UserID, "action", action)
	}
}

// escapeLike escapes LIKE's wildcards; queries use ESCAPE '\'.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// searchWhere turns a filter into SQL conditions on children aliased c.
func searchWhere(f ChildFilter) (string, []any) {
	var where []string
	var args []any
	if q := strings.TrimSpace(f.Query); q != "" {
		digits := strings.NewReplacer(" ", "", "-", "").Replace(q)
		if digits != "" && strings.Trim(digits, "0123456789") == "" {
			if len(digits) == 10 {
				where, args = append(where, "c.nhs_number = ?"), append(args, digits)
			} else {
				where, args = append(where, `c.nhs_number LIKE ? ESCAPE '\'`), append(args, escapeLike(digits)+"%")
			}
		} else {
			where, args = append(where, `c.search_name LIKE ? ESCAPE '\'`), append(args, "%"+escapeLike(nameKey(q))+"%")
		}
	}
	if !f.DateOfBirth.IsZero() {
		where, args = append(where, "c.date_of_birth = ?"), append(args, f.DateOfBirth.String())
	}
	if f.LAID != 0 {
		where, args = append(where, "c.la_id = ?"), append(args, f.LAID)
	}
	if len(where) == 0 {
		return "1 = 1", nil
	}
	return strings.Join(where, " AND "), args
}

// SearchChildren returns a page of the children the actor may see that match
// the filter, ordered by family name, given name and id, and how many match
// in all. Query matches an NHS number (whole, or its first digits) or a
// fragment of "given family", in any case. Audited "child.search" with the
// count and the children on the page (withChildren), so that each one's
// access log shows the search.
func (s *Store) SearchChildren(ctx context.Context, actor Actor, f ChildFilter) ([]Child, int, error) {
	const action = "child.search"
	var out []Child
	var total int
	err := s.childWrite(ctx, actor, action, 0, func(t *tx) error {
		scope, sargs, err := scopeOf(actor)
		if err != nil {
			return err
		}
		where, args := searchWhere(f)
		where = scope + " AND " + where
		args = append(sargs, args...)
		if err := t.queryRow(ctx, "SELECT count(*) FROM children c WHERE "+where, args...).Scan(&total); err != nil {
			return mapErr(err, "count children")
		}
		limit, offset := pageOf(f.Limit, f.Offset)
		if total > offset {
			rows, err := t.query(ctx, "SELECT "+childColumns+childFrom+" WHERE "+where+
				" ORDER BY c.family_key, c.given_key, c.id LIMIT ? OFFSET ?", append(args, limit, offset)...)
			if err != nil {
				return err
			}
			if out, err = scanChildren(rows); err != nil {
				return err
			}
		}
		return t.appendAudit(ctx, entry(actor, action, "child", 0, 0, OutcomeOK, fmt.Sprintf("results=%d", total)).
			withChildren(childIDs(out, func(c Child) int64 { return c.ID })))
	})
	if err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// FindDuplicates returns the children the actor may see that may be c: the
// same NHS number, or the same family name, given name (in any case) and
// date of birth; c itself (by c.ID) is left out. When c.ID names a child the
// actor may not see, it is not_found and audited as refused. Audited
// "child.duplicates" with the count and the children found.
func (s *Store) FindDuplicates(ctx context.Context, actor Actor, c Child) ([]Child, error) {
	const action = "child.duplicates"
	var out []Child
	err := s.childWrite(ctx, actor, action, c.ID, func(t *tx) error {
		scope, args, err := scopeOf(actor)
		if err != nil {
			return err
		}
		if c.ID != 0 {
			if _, err := t.childInScope(ctx, actor, c.ID, false); err != nil {
				return err
			}
		}
		nhs := strings.NewReplacer(" ", "", "-", "").Replace(string(c.NHSNumber))
		rows, err := t.query(ctx, "SELECT "+childColumns+childFrom+" WHERE "+scope+
			` AND c.id <> ? AND (c.nhs_number = ? OR (c.family_key = ? AND c.given_key = ? AND c.date_of_birth = ?))
			ORDER BY c.family_key, c.given_key, c.id LIMIT 100`,
			append(args, c.ID, nhs, nameKey(c.FamilyName), nameKey(c.GivenName), c.DateOfBirth.String())...)
		if err != nil {
			return err
		}
		if out, err = scanChildren(rows); err != nil {
			return err
		}
		return t.appendAudit(ctx, entry(actor, action, "child", c.ID, c.ID, OutcomeOK, fmt.Sprintf("results=%d", len(out))).
			withChildren(childIDs(out, func(d Child) int64 { return d.ID })))
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// GrantChildAccess lets a clinician (userID) or a provider organisation
// (orgID), exactly one of them, see a child, for a recorded reason. Only a
// DCO (within their scope) or dco itself may grant. Granting twice is not an
// error. Audited "child.grant".
func (s *Store) GrantChildAccess(ctx context.Context, actor Actor, childID, userID, orgID int64, reason string) error {
	const action = "child.grant"
	if !isSystem(actor) && actor.Role != RoleDCO {
		s.refuse(ctx, actor, action, "child", childID, childID)
		return errs.E(errs.Forbidden, "Only a DCO can give access to a child's record")
	}
	reason = strings.TrimSpace(reason)
	bad := map[string]string{}
	if (userID == 0) == (orgID == 0) {
		bad["grantee"] = "Choose a clinician or a provider organisation"
	}
	switch {
	case reason == "":
		bad["reason"] = "Enter the reason for giving access"
	case len(reason) > 200:
		bad["reason"] = "The reason must be 200 characters or fewer"
	}
	at := fmtTime(s.now())
	return s.childWrite(ctx, actor, action, childID, func(t *tx) error {
		if _, err := t.childInScope(ctx, actor, childID, false); err != nil {
			return err
		}
		detail := ""
		if userID != 0 {
			var role string
			var disabled bool
			// Held, so that a part's grant taken back meanwhile sees this one.
			if err := t.lockClinicians(ctx, userID); err != nil {
				return err
			}
			err := t.queryRow(ctx, "SELECT role, disabled FROM users WHERE id = ?", userID).Scan(&role, &disabled)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return mapErr(err, "find user")
			}
			if Role(role) != RoleClinician || disabled {
				bad["user_id"] = "Choose a clinician"
			}
			detail = "user_id=" + itoa(userID)
		}
		if orgID != 0 {
			k, err := t.orgKind(ctx, orgID)
			if err != nil {
				return err
			}
			if k != OrgProvider {
				bad["org_id"] = "Choose a provider organisation"
			}
			detail = "org_id=" + itoa(orgID)
		}
		if len(bad) > 0 {
			return errs.InvalidFields(bad)
		}
		if _, err := t.exec(ctx, `INSERT INTO child_access (child_id, user_id, org_id, reason, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, childID, nullID(userID), nullID(orgID), reason, actor.UserID, at); err != nil {
			return err
		}
		return t.appendAudit(ctx, entry(actor, action, "child", childID, childID, OutcomeOK, detail))
	})
}

// CountChildren returns how many children the actor may see. It reads no
// record, so it is not audited; viewer and admin are forbidden, as for every
// other child method.
func (s *Store) CountChildren(ctx context.Context, actor Actor) (int, error) {
	scope, args, err := scopeOf(actor)
	if err != nil {
		var r *refusal
		if errors.As(err, &r) {
			return 0, r.err
		}
		return 0, err
	}
	var n int
	if err := s.queryRow(ctx, "SELECT count(*) FROM children c WHERE "+scope, args...).Scan(&n); err != nil {
		return 0, mapErr(err, "count children")
	}
	return n, nil
}
