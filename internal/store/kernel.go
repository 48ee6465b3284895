package store

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"time"

	"dco/internal/errs"
	"dco/internal/send"
)

// The kernel API: what a workflow's own store package (internal/<workflow>/
// <workflow>db, see README "How to add a workflow") builds its SQL on. Each
// name here is a thin export of what the store's own code uses, so a
// workflow's transactions are group-committed, scoped and audited exactly as
// the children's are, and none of it exists twice.

// Tx is a write transaction as a workflow sees it: statements are rewritten
// for the engine, and driver errors become coded errors (MapErr).
type Tx struct{ t *tx }

// Write runs fn in a write transaction, group-committed with other writers
// (group.go); any error from fn rolls back everything fn did, audit rows
// included.
func (s *Store) Write(ctx context.Context, fn func(t *Tx) error) error {
	return s.write(ctx, func(t *tx) error { return fn(&Tx{t}) })
}

// WriteAlone runs fn in a transaction of its own, as imports do: they are
// long and prepare their own statements.
func (s *Store) WriteAlone(ctx context.Context, fn func(t *Tx) error) error {
	return s.writeAlone(ctx, func(t *tx) error { return fn(&Tx{t}) })
}

// ScopedWrite runs fn as Write does; when fn was refused by scope (an error
// made by Refusal), the refusal is audited in a transaction of its own,
// against objectType and id, and the refusal's own error is returned. This
// is the one way a workflow's read or change of one record is refused.
func (s *Store) ScopedWrite(ctx context.Context, actor Actor, action, objectType string, id, childID int64, fn func(t *Tx) error) error {
	err := s.Write(ctx, fn)
	var r *refusal
	if errors.As(err, &r) {
		s.refuse(ctx, actor, action, objectType, id, childID)
		return r.err
	}
	return err
}

// ChildWrite runs fn as Write does for a change that creates or changes a
// child's record; a refusal by scope is audited against the child, as every
// other child route's is.
func (s *Store) ChildWrite(ctx context.Context, actor Actor, action string, childID int64, fn func(t *Tx) error) error {
	return s.childWrite(ctx, actor, action, childID, func(t *tx) error { return fn(&Tx{t}) })
}

// Query runs a read on the read pool (not audited: for figures that show no
// child's details).
func (s *Store) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return s.query(ctx, query, args...)
}

// Clock returns the store's time now, in UTC: the one clock every record's
// timestamps and "today" come from.
func (s *Store) Clock() time.Time { return s.now() }

// Refuse audits, in its own transaction, that actor asked for something
// outside their role or scope; the caller then returns its refusal.
func (s *Store) Refuse(ctx context.Context, a Actor, action, objectType string, objectID, childID int64) {
	s.refuse(ctx, a, action, objectType, objectID, childID)
}

// SettingsFor reads the settings keys that apply to ICB icbID: the ICB's own
// where set, else the defaults (ICB 0).
func (s *Store) SettingsFor(ctx context.Context, icbID int64, keys ...string) (map[string]Setting, error) {
	return settingsFor(ctx, s, icbID, keys...)
}

// IdentityWait refuses, before anything is looked up, an actor who must wait
// after too many failed identity checks (README "Identity checks"); action
// names what was attempted. dco itself never waits.
func (s *Store) IdentityWait(ctx context.Context, actor Actor, action string) error {
	return s.identityWait(ctx, actor, action)
}

// IdentityMismatch counts a failed identity check against actor and audits
// it against the registered child; via names the route.
func (s *Store) IdentityMismatch(ctx context.Context, actor Actor, childID int64, via string) {
	s.identityMismatch(ctx, actor, childID, via)
}

// CheckChild normalises a child's details and returns what is wrong with
// them: the one set of rules every route registering a child uses.
func (t *Tx) CheckChild(c *Child, today send.Date) map[string]string {
	return t.t.s.checkChild(c, today)
}

// Engine returns the transaction's engine (EngineSQLite or EnginePostgres),
// for the few statements that differ, such as row locks.
func (t *Tx) Engine() string { return t.t.s.engine }

// QueryRow runs a one-row query in the transaction.
func (t *Tx) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return t.t.queryRow(ctx, query, args...)
}

// Query runs a query in the transaction.
func (t *Tx) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return t.t.query(ctx, query, args...)
}

// ExecN runs a statement and returns the number of rows it affected.
func (t *Tx) ExecN(ctx context.Context, query string, args ...any) (int64, error) {
	return t.t.execN(ctx, query, args...)
}

// InsertID runs an INSERT (without RETURNING) and returns the new row's id.
func (t *Tx) InsertID(ctx context.Context, query string, args ...any) (int64, error) {
	return t.t.insertID(ctx, query, args...)
}

// Prepare prepares query for the engine in the transaction, for a statement
// an import runs once a row; the caller closes it.
func (t *Tx) Prepare(ctx context.Context, query string) (*sql.Stmt, error) {
	st, err := t.t.tx.PrepareContext(ctx, t.t.s.rebind(query))
	if err != nil {
		return nil, mapErr(err, "prepare")
	}
	return st, nil
}

// AppendAudit appends audit rows in the transaction, so they are written
// only if the change or read they record is.
func (t *Tx) AppendAudit(ctx context.Context, es ...*AuditEntry) error {
	return t.t.appendAudit(ctx, es...)
}

// ChildInScope reads one child if actor may see it; lock holds the row for
// an update. Otherwise it is a refusal: not_found exactly as an absent child.
func (t *Tx) ChildInScope(ctx context.Context, actor Actor, id int64, lock bool) (Child, error) {
	return t.t.childInScope(ctx, actor, id, lock)
}

// ChildVisible reports whether actor may see child id.
func (t *Tx) ChildVisible(ctx context.Context, actor Actor, id int64) (bool, error) {
	return t.t.childVisible(ctx, actor, id)
}

// ChildByNHS reads the child registered with an NHS number, whoever may see
// it; sql.ErrNoRows when there is none. The caller decides, with
// ChildVisible and SameIdentity, what the actor may be told of it.
func (t *Tx) ChildByNHS(ctx context.Context, nhs send.NHSNumber) (Child, error) {
	return scanChild(t.t.queryRow(ctx, "SELECT "+childColumns+childFrom+" WHERE c.nhs_number = ?", string(nhs)))
}

// PlaceChild settles the LA of a child actor registers (PlaceRule) and
// fills its LA name and ICB, adding to bad what is wrong.
func (t *Tx) PlaceChild(ctx context.Context, actor Actor, c *Child, bad map[string]string) error {
	return t.t.placeChild(ctx, actor, c, bad)
}

// InsertChild registers c (already checked and placed) as actor at time at,
// setting c.ID, and gives the registering organisation sight of it, as
// CreateChild does. The caller audits it. A child already registered with
// the NHS number is the one conflict answer of CreateChild.
func (t *Tx) InsertChild(ctx context.Context, actor Actor, c *Child, at string) error {
	if err := t.t.queryRow(ctx, insertChildSQL, childArgs(actor, c, at)...).Scan(&c.ID); err != nil {
		if err := mapErr(err, "insert child"); errs.Is(err, errs.Conflict) {
			return errDuplicateNHS(err)
		} else {
			return err
		}
	}
	if err := t.t.grantRegistrar(ctx, actor, c.ID, at); err != nil {
		return err
	}
	c.Version, c.CreatedAt, c.UpdatedAt = 1, parseTime(at), parseTime(at)
	return nil
}

// InsertChildSQL registers a child with ChildArgs, returning its id: for an
// import's prepared statement (Tx.Prepare).
const InsertChildSQL = insertChildSQL

// ChildArgs are InsertChildSQL's arguments for c registered by actor at at.
func ChildArgs(actor Actor, c *Child, at string) []any { return childArgs(actor, c, at) }

// ChildColumns are the columns ScanChild reads, on children aliased c and
// their LA aliased la; a workflow's query adds its own columns after them.
const ChildColumns = childColumns

// ChildFrom joins a child (c) to its LA (la).
const ChildFrom = childFrom

// ScanChild reads a row that starts with ChildColumns.
func ScanChild(r interface{ Scan(...any) error }) (Child, error) { return scanChild(r) }

// ScanAll reads every row with scan; what names the rows in errors.
func ScanAll[T any](rows *sql.Rows, what string, scan func(interface{ Scan(...any) error }) (T, error)) ([]T, error) {
	return scanAll(rows, what, scan)
}

// Entry builds an audit row for what actor did.
func Entry(a Actor, action, objectType string, objectID, childID int64, outcome, detail string) *AuditEntry {
	return entry(a, action, objectType, objectID, childID, outcome, detail)
}

// WithChildren names the children a list, search or download showed, so
// each child's "who has accessed this record" shows it (see withChildren).
func (e *AuditEntry) WithChildren(ids []int64) *AuditEntry { return e.withChildren(ids) }

// ChildIDs collects the ids of the children in a page of results, for
// WithChildren.
func ChildIDs[T any](xs []T, id func(T) int64) []int64 { return childIDs(xs, id) }

// ICBWide is the scope every kind of record shares for dco itself and for a
// DCO (their whole ICB, on the record's icb_id column under alias); ok is
// false for every other actor, whose scope is the workflow's own.
func ICBWide(a Actor, alias string) (cond string, args []any, ok bool) { return icbWide(a, alias) }

// IsSystem reports whether a is dco itself (imports, demo seeding).
func IsSystem(a Actor) bool { return isSystem(a) }

// Refusal marks err as a refusal by scope: ScopedWrite and ChildWrite audit
// it once the transaction that found it has rolled back.
func Refusal(err error) error { return &refusal{err} }

// Refused returns the error a refusal carries, when err is one.
func Refused(err error) (error, bool) {
	var r *refusal
	if errors.As(err, &r) {
		return r.err, true
	}
	return nil, false
}

// MapErr turns a driver error into a coded error; op names the operation
// for the log.
func MapErr(err error, op string) error { return mapErr(err, op) }

// ErrStale is the conflict of a change made to a version already replaced.
func ErrStale() error { return errStale() }

// FmtTime formats a timestamp as every timestamp is stored.
func FmtTime(t time.Time) string { return fmtTime(t) }

// ParseTime reads a stored timestamp.
func ParseTime(s string) time.Time { return parseTime(s) }

// PageOf applies the default page size (50) and the ceiling (1000).
func PageOf(limit, offset int) (int, int) { return pageOf(limit, offset) }

// PlaceRule is the one rule for where actor may register a child (an LA of
// ICB laICB, for an actor whose ICB is home); it returns the la_id problem,
// or "" when allowed.
func PlaceRule(actor Actor, home, laID, laICB int64) string {
	return placeRule(actor, home, laID, laICB)
}

// SameIdentity decides whether details typed with an NHS number are those of
// the registered child known (README "Identity checks").
func SameIdentity(known, typed Child, visible bool) bool { return sameIdentity(known, typed, visible) }

// TypedView is what an actor who may not see the registered child is shown
// of it after a match: what they typed, with the child's id and LA.
func TypedView(known, typed Child) Child { return typedView(known, typed) }

// MsgIdentityMismatch is the one answer to details that are not those of the
// child registered with the NHS number given.
const MsgIdentityMismatch = msgIdentityMismatch

// The ledger of deadlines and settings, as a workflow's store package
// writes them (deadlines.go; docs/design.md §4, "The ledger of deadlines").

// SetDeadline records clock d in the ledger, in the transaction of the
// change to its record (see the unexported tx.SetDeadline).
func (t *Tx) SetDeadline(ctx context.Context, d Deadline) error { return t.t.SetDeadline(ctx, d) }

// CloseDeadlines closes every open clock of a record that ends unmet.
func (t *Tx) CloseDeadlines(ctx context.Context, kind, recordType string, recordID int64) error {
	return t.t.CloseDeadlines(ctx, kind, recordType, recordID)
}

// DropDeadline removes a record's clock under rule when no rule sets it any
// more: the record's own correction took away the day it started from, or
// changed it to a kind that has no such clock. A clock that stopped unmet
// is closed (CloseDeadlines), not dropped: it did run.
func (t *Tx) DropDeadline(ctx context.Context, kind, recordType string, recordID int64, rule string) error {
	_, err := t.t.exec(ctx, "DELETE FROM deadlines WHERE kind = ? AND record_type = ? AND record_id = ? AND rule = ?",
		kind, recordType, recordID, rule)
	return err
}

// The kernel API a workflow that assigns work and registers children needs,
// added when the second workflow moved into its folder; each is as generic
// as the rest: work grants by (child, user, work id), the ledger's writer,
// and the child and settings helpers for a workflow's own transaction.

// GrantWork gives userID sight of childID for the work workID, in the
// transaction that hands them the work (work_grants.go); reason is
// recorded with the grant, at is the time of the change. It returns the
// "child.grant" audit entry to append when the user could not see the
// child before, else nil.
func (t *Tx) GrantWork(ctx context.Context, actor Actor, childID, userID, workID int64, reason, at string) (*AuditEntry, error) {
	return t.t.grantWork(ctx, actor, childID, userID, workID, reason, at)
}

// EndWorkGrants takes back the grants made for the work that cond (a
// condition on child_access's contribution_id, with the one argument arg)
// picks, because that work moved or closed (why words it for the audit). It
// returns a "child.revoke" audit entry for each user left with no sight of
// the child.
func (t *Tx) EndWorkGrants(ctx context.Context, actor Actor, childID int64, why, cond string, arg int64) ([]*AuditEntry, error) {
	return t.t.endWorkGrants(ctx, actor, childID, why, cond, arg)
}

// LockUsers holds the users' rows until the transaction ends, in id order,
// before work moves between them (see lockClinicians: the users who hold
// work are clinicians today).
func (t *Tx) LockUsers(ctx context.Context, ids ...int64) error {
	return t.t.lockClinicians(ctx, ids...)
}

// QueryRowPrepared runs a one-row query prepared once per transaction, for
// a query an import runs once a row.
func (t *Tx) QueryRowPrepared(ctx context.Context, query string, args ...any) (*sql.Row, error) {
	st, err := t.t.prepared(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryRowContext(t.t.c(ctx), args...), nil
}

// LAOf reads an LA's name and ICB; ok is false when id is no LA.
func (t *Tx) LAOf(ctx context.Context, id int64) (name string, icbID int64, ok bool, err error) {
	return t.t.laOf(ctx, id)
}

// SettingsFor reads, in the transaction, the settings keys that apply to
// ICB icbID, as Store.SettingsFor does.
func (t *Tx) SettingsFor(ctx context.Context, icbID int64, keys ...string) (map[string]Setting, error) {
	return settingsFor(ctx, t.t, icbID, keys...)
}

// SettingHook is run by SetSetting in the transaction that saves setting
// key for ICB icbID (0: the default every ICB without its own value
// uses), after the value is written: a workflow whose records depend on a
// setting, such as a deadline counted from a local standard, brings them
// up to date with it in the same transaction. An error refuses the change.
type SettingHook func(ctx context.Context, t *Tx, icbID int64, key string) error

// OnSettingSaved registers fn, under name, to run whenever a setting is
// saved, in the same transaction. A workflow's store package registers it
// when it is made on s; making it again replaces its hook, as the name is
// the same. Hooks run in the order of their names.
func (s *Store) OnSettingSaved(name string, fn SettingHook) { s.settingHooks.Store(name, fn) }

// runSettingHooks runs s's setting hooks in t.
func (t *tx) runSettingHooks(ctx context.Context, icbID int64, key string) error {
	var names []string
	t.s.settingHooks.Range(func(k, _ any) bool { names = append(names, k.(string)); return true })
	slices.Sort(names)
	for _, n := range names {
		if fn, ok := t.s.settingHooks.Load(n); ok {
			if err := fn.(SettingHook)(ctx, &Tx{t}, icbID, key); err != nil {
				return err
			}
		}
	}
	return nil
}

// CheckChild normalises a child's details and returns what is wrong with
// them, outside a transaction: the same rules as Tx.CheckChild, for a
// workflow's form or API that reports every problem of a request in one
// round before it reaches the store.
func (s *Store) CheckChild(c *Child, today send.Date) map[string]string {
	return s.checkChild(c, today)
}

// DuplicateAttempt settles an NHS number refused as registered already by
// a route that cannot turn the attempt into a registration request: it is
// audited against the registered child, under action, and counted against
// the user (see duplicateAttempt). It returns conflict.
func (s *Store) DuplicateAttempt(ctx context.Context, actor Actor, action, nhs string, conflict error) error {
	return s.duplicateAttempt(ctx, actor, action, nhs, conflict)
}

// ErrDuplicateNHS is the conflict answer to registering a child whose NHS
// number is registered already, as CreateChild gives it.
func ErrDuplicateNHS(err error) error { return errDuplicateNHS(err) }

// MayRegister reports whether actor's role registers children.
func MayRegister(a Actor) bool { return mayRegister(a) }

// NameKey is a name as names are compared: lower case, spaces collapsed.
func NameKey(s string) string { return nameKey(s) }

// NullID stores id 0 as NULL.
func NullID(id int64) any { return nullID(id) }

// ScanErr turns sql.ErrNoRows into not_found with the message notFound,
// and any other error into a coded one.
func ScanErr(err error, notFound string) error { return scanErr(err, notFound) }

// UserColumns are the columns ScanUser reads, on users aliased u.
const UserColumns = userColumns

// ScanUser reads a row of UserColumns.
func ScanUser(r interface{ Scan(...any) error }) (User, error) { return scanUser(r) }

// OptDate reads a stored date that may be empty.
func OptDate(s string) (send.Date, error) { return optDate(s) }

// Conds collects the conditions of a WHERE clause and their arguments, in
// the order the placeholders stand: how each workflow's list builds its
// filter.
type Conds struct {
	Where []string
	Args  []any
}

// Add appends a condition and the arguments of its placeholders.
func (c *Conds) Add(cond string, args ...any) {
	c.Where = append(c.Where, cond)
	c.Args = append(c.Args, args...)
}
