package s23db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"

	"dco/internal/errs"
	"dco/internal/send"
	"dco/internal/store"
)

// ImportRow is one row of a notifications file: the child as the file
// gives them (store.Child.LAID is their LA of residence) and the notification.
type ImportRow struct {
	Line         int // the file line, for problems
	Child        store.Child
	Notification Notification
}

// ImportProblem is what is wrong with one row.
type ImportProblem struct {
	Line    int
	Field   string
	Message string
}

// ImportResult says what an import did, or would do in a dry run.
type ImportResult struct {
	Notifications   int // notifications stored
	ChildrenMatched int // rows whose child was already registered
	ChildrenCreated int // children registered by the import
	// Problems are the rows' problems, by line; when there are any, nothing
	// was stored.
	Problems []ImportProblem
}

// s23ImportOtherLA words the problem of a row whose LA is not the LA the
// child is registered in. A row cannot carry the reason a notification to
// another LA needs, so the LA is what to fix.
func s23ImportOtherLA(registered, given string) string {
	return "The child is registered in " + registered + ", not " + given + ": give " + registered +
		" as the child's local authority, or, if the child has moved, change the local authority on their record in dco first"
}

// errS23DryRun rolls back a dry run's transaction.
var errS23DryRun = errors.New("dry run")

// Import stores many notifications in one transaction: all or none. Each
// row's child is matched by NHS number, as on the form (sameIdentity: one
// problem on nhs_number whichever detail differs, counted and audited
// against the registered child as the form's are), or registered; a
// matched child the actor may see registered in another LA than the row
// gives is a problem on la_id, as a row cannot carry the reason for
// notifying another LA. Each
// notification passes the same checks Create makes, the order of the
// steps included. Every problem in every row is reported
// by line, and any problem stores nothing (the result's Problems, with an
// invalid error). A dry run makes every check and stores nothing. Only a
// DCO or dco itself may import. Each notification is audited "s23.import",
// each child registered "child.import", each grant "child.grant".
func (s *DB) Import(ctx context.Context, actor store.Actor, rows []ImportRow, dryRun bool) (ImportResult, error) {
	if !store.IsSystem(actor) && actor.Role != store.RoleDCO {
		s.st.Refuse(ctx, actor, ActionImport, s23ObjectType, 0, 0)
		return ImportResult{}, errs.E(errs.Forbidden, "Only a DCO can import notifications")
	}
	if err := s.st.IdentityWait(ctx, actor, ActionImport); err != nil {
		return ImportResult{}, err
	}
	now := s.st.Clock()
	var im *s23Importer
	err := s.st.WriteAlone(ctx, func(t *store.Tx) error {
		// A retried transaction starts again from nothing.
		im = &s23Importer{t: t, actor: actor, at: store.FmtTime(now), today: send.Today(now)}
		return im.run(ctx, rows, dryRun)
	})
	if im == nil {
		return ImportResult{}, err
	}
	for _, id := range im.mismatches {
		s.st.IdentityMismatch(ctx, actor, id, ActionImport)
	}
	res := im.res
	if errors.Is(err, errS23DryRun) {
		return res, nil
	}
	if err != nil {
		if len(res.Problems) > 0 {
			res.Notifications, res.ChildrenCreated, res.ChildrenMatched = 0, 0, 0
			return res, err
		}
		return ImportResult{}, err
	}
	return res, nil
}

// s23Importer is one attempt at an import's transaction: what the rows
// have done so far, and the statements every row runs.
type s23Importer struct {
	t          *store.Tx
	actor      store.Actor
	at         string
	today      send.Date
	res        ImportResult
	mismatches []int64                        // children whose identity a row contradicts
	orgs       map[int64]s23Org               // organisations read so far
	stds       map[int64]standards            // each ICB's local standards, for the ledger
	children   map[send.NHSNumber]store.Child // children matched or registered, by NHS number
	visible    map[int64]bool                 // children the actor may see, by id
	imported   map[int64]bool                 // children this import registers
	audit      []*store.AuditEntry

	insChild, insS23, findChild, grant *sql.Stmt
}

// run imports the rows in the transaction: every row is checked, and any
// problem, or a dry run, rolls it all back.
func (im *s23Importer) run(ctx context.Context, rows []ImportRow, dryRun bool) error {
	im.orgs, im.stds = map[int64]s23Org{}, map[int64]standards{}
	im.children, im.visible, im.imported = map[send.NHSNumber]store.Child{}, map[int64]bool{}, map[int64]bool{}
	defer im.close()
	if err := im.prepare(ctx); err != nil {
		return err
	}
	for i := range rows {
		if err := im.row(ctx, &rows[i]); err != nil {
			return err
		}
	}
	if len(im.res.Problems) > 0 {
		return errs.E(errs.Invalid, "%d problem(s) in the file: nothing was imported", len(im.res.Problems))
	}
	if err := im.t.AppendAudit(ctx, im.audit...); err != nil {
		return err
	}
	if dryRun {
		return errS23DryRun
	}
	return nil
}

// prepare readies the statements every row runs.
func (im *s23Importer) prepare(ctx context.Context) error {
	for _, p := range []struct {
		stmt **sql.Stmt
		q    string
	}{
		{&im.insChild, store.InsertChildSQL},
		{&im.insS23, insertS23SQL},
		{&im.findChild, "SELECT " + store.ChildColumns + store.ChildFrom + " WHERE c.nhs_number = ?"},
		{&im.grant, grantNotifierSQL},
	} {
		st, err := im.t.Prepare(ctx, p.q)
		if err != nil {
			return err
		}
		*p.stmt = st
	}
	return nil
}

// close closes the statements prepare readied.
func (im *s23Importer) close() {
	for _, st := range []*sql.Stmt{im.insChild, im.insS23, im.findChild, im.grant} {
		if st != nil {
			st.Close()
		}
	}
}

// problem records a row's problems, by field.
func (im *s23Importer) problem(line int, bad map[string]string) {
	for _, f := range slices.Sorted(maps.Keys(bad)) {
		im.res.Problems = append(im.res.Problems, ImportProblem{Line: line, Field: f, Message: bad[f]})
	}
}

// row imports one row: its child, matched or registered, then its
// notification. A problem is recorded, not returned: the error is for
// what stops the whole import.
func (im *s23Importer) row(ctx context.Context, r *ImportRow) error {
	c := r.Child
	bad := im.t.CheckChild(&c, im.today)
	delete(bad, "postcode") // a notifications file carries no postcode
	if len(bad) > 0 {
		im.problem(r.Line, bad)
		return nil
	}
	known, ok, err := im.child(ctx, r.Line, c)
	if err != nil || !ok {
		return err
	}
	if !store.SameIdentity(known, c, im.visible[known.ID]) {
		im.problem(r.Line, map[string]string{"nhs_number": store.MsgIdentityMismatch})
		if !im.imported[known.ID] {
			im.mismatches = append(im.mismatches, known.ID)
		}
		return nil
	}
	return im.notification(ctx, r.Line, &r.Notification, known)
}

// child returns the row's child: one an earlier row met, one registered
// under its NHS number, or one the row registers. ok is false when the row
// has a problem instead.
func (im *s23Importer) child(ctx context.Context, line int, c store.Child) (known store.Child, ok bool, err error) {
	known, seen := im.children[c.NHSNumber]
	if seen {
		im.res.ChildrenMatched++
		return known, true, nil
	}
	known, err = store.ScanChild(im.findChild.QueryRowContext(ctx, string(c.NHSNumber)))
	switch {
	case err == nil:
		im.res.ChildrenMatched++
		if im.visible[known.ID], err = im.t.ChildVisible(ctx, im.actor, known.ID); err != nil {
			return store.Child{}, false, err
		}
	case errors.Is(err, sql.ErrNoRows):
		if known, ok, err = im.register(ctx, line, c); err != nil || !ok {
			return store.Child{}, false, err
		}
	default:
		return store.Child{}, false, store.MapErr(err, "find child")
	}
	im.children[c.NHSNumber] = known
	return known, true, nil
}

// register registers a child no one has registered yet, in the LA the row
// gives, if the actor may place a child there. ok is false when the row
// has a problem instead.
func (im *s23Importer) register(ctx context.Context, line int, c store.Child) (store.Child, bool, error) {
	actor := im.actor
	la, err := s23OrgOf(ctx, im.t, c.LAID, im.orgs)
	if err != nil {
		return store.Child{}, false, err
	}
	if la.kind != store.OrgLA || la.parent == 0 {
		im.problem(line, map[string]string{"la_id": "Choose the child's local authority"})
		return store.Child{}, false, nil
	}
	if msg := store.PlaceRule(actor, actor.OrgID, c.LAID, la.parent); msg != "" { // a DCO's home is its OrgID
		im.problem(line, map[string]string{"la_id": msg})
		return store.Child{}, false, nil
	}
	c.LAName, c.ICBID = la.name, la.parent
	if err := im.insChild.QueryRowContext(ctx, store.ChildArgs(actor, &c, im.at)...).Scan(&c.ID); err != nil {
		return store.Child{}, false, fmt.Errorf("line %d: %w", line, store.MapErr(err, "insert child"))
	}
	c.Version, c.CreatedAt, c.UpdatedAt = 1, store.ParseTime(im.at), store.ParseTime(im.at)
	im.audit = append(im.audit, store.Entry(actor, "child.import", "child", c.ID, c.ID, store.OutcomeOK, "via="+ActionImport))
	im.res.ChildrenCreated++
	im.visible[c.ID], im.imported[c.ID] = true, true
	return c, true, nil
}

// notification checks and stores a row's notification of its child, with
// its deadlines in the ledger and the provider's grant to the child.
func (im *s23Importer) notification(ctx context.Context, line int, n *Notification, known store.Child) error {
	actor, at := im.actor, im.at
	bad := checkS23(n, im.today)
	if err := placeS23(ctx, im.t, actor, n, known, bad, im.orgs); err != nil {
		return err
	}
	if _, ok := bad["la_reason"]; ok && n.LAReason == "" {
		// A file gives one LA, the child's and the one notified, and
		// no reason: the LA is what to fix, so say where the child is.
		delete(bad, "la_reason")
		bad["la_id"] = s23ImportOtherLA(known.LAName, n.LAName)
	}
	if len(bad) > 0 {
		im.problem(line, bad)
		return nil
	}
	n.ChildID, n.Child = known.ID, known
	if err := im.insS23.QueryRowContext(ctx, s23Args(actor, n, at)...).Scan(&n.ID); err != nil {
		return fmt.Errorf("line %d: %w", line, store.MapErr(err, "insert notification"))
	}
	n.Version, n.CreatedBy, n.CreatedAt, n.UpdatedAt = 1, actor.UserID, store.ParseTime(at), store.ParseTime(at)
	if err := syncDeadlines(ctx, im.t, *n, im.stds); err != nil {
		return fmt.Errorf("line %d: %w", line, err)
	}
	im.audit = append(im.audit, store.Entry(actor, ActionImport, s23ObjectType, n.ID, known.ID, store.OutcomeOK, "kind="+string(n.Kind)))
	g, err := im.grant.ExecContext(ctx, known.ID, n.ProviderOrgID, s23GrantReason, actor.UserID, at)
	if err != nil {
		return store.MapErr(err, "grant")
	}
	if k, _ := g.RowsAffected(); k > 0 {
		im.audit = append(im.audit, s23GrantEntry(actor, known.ID, n.ProviderOrgID))
	}
	im.res.Notifications++
	return nil
}
