package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"dco/internal/errs"
	"dco/internal/send"
)

// Scope. Every query on children carries the actor's scope in its WHERE
// clause (docs/design.md §2):
//   - dco: the children of the ICB the DCO's OrgID names; none when it
//     names none;
//   - la: children whose LA of residence is the actor's LA;
//   - clinician: children granted to the actor in child_access, by a DCO or
//     by open work a workflow assigned to them (GrantWork, work_grants.go);
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

// NormalisePostcode is send.NormalisePostcode, the one postcode rule.
func NormalisePostcode(p string) (string, bool) { return send.NormalisePostcode(p) }

// MsgNotUTF8 is send.MsgNotUTF8, the one answer to text that is not UTF-8.
const MsgNotUTF8 = send.MsgNotUTF8

// nameKey is the case-folded, space-collapsed form of a name, used to sort,
// search and match duplicates identically on both engines.
func nameKey(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }

// checkChild normalises a child's fields and returns what is wrong with
// them: child.Validate, the one set of rules every route applies. today is
// today's date in England; callers checking many children pass it once, as
// finding it loads the time zone.
func (s *Store) checkChild(c *Child, today send.Date) map[string]string {
	return c.Validate(today)
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
