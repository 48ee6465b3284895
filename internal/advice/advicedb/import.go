package advicedb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"

	"dco/internal/advice"
	"dco/internal/errs"
	"dco/internal/send"
	"dco/internal/store"
)

// ImportRow is one past or current advice request from a DCO team's
// spreadsheet, read by internal/importer.
type ImportRow struct {
	Line        int   // the line of the file, for errors
	LAID        int64 // the LA that asked
	LAReference string
	// Child is found by its NHS number; when it is not registered it is
	// registered from these fields, in the row's LA.
	Child       store.Child
	ReceivedOn  send.Date
	ReturnedOn  send.Date // the file's returned_on: the date returned, or withdrawn (outcome withdrawn)
	Outcome     advice.Outcome
	Exception   send.Exception
	ExceptionOn send.Date
}

// ImportResult is what an import stored, or would have stored.
type ImportResult struct {
	Requests    int
	NewChildren int
	Open        int
	Returned    int
	Withdrawn   int
}

// LineError is one problem with one line of an imported file.
type LineError struct {
	Line    int
	Column  string // the file's column, when the problem is one field's
	Message string
}

// ImportError lists every line of a file that could not be imported.
type ImportError struct{ Lines []LineError }

// Error lists the lines: "line 3: …; line 7: …".
func (e *ImportError) Error() string {
	parts := make([]string, len(e.Lines))
	for i, l := range e.Lines {
		parts[i] = fmt.Sprintf("line %d: %s", l.Line, l.Message)
	}
	return strings.Join(parts, "; ")
}

// errDryRun rolls back a dry run once everything has been checked.
var errDryRun = errors.New("dry run")

// knownChild is a child an import has met, in the database or earlier in
// the file.
type knownChild struct {
	id          int64
	given, fam  string
	dob         send.Date
	firstLine   int
	newInImport bool
}

// importLA is an LA an import has met.
type importLA struct {
	name string
	icb  int64
	ok   bool
}

// adviceImportPlan is what checking an import's rows found: the LAs and
// children they name, each row's due date, and every problem, by line.
type adviceImportPlan struct {
	las      map[int64]importLA
	children map[send.NHSNumber]*knownChild
	dues     []send.Date
	bad      []LineError
}

// ImportAdviceRequests stores many advice requests in one transaction: all
// or none. Every row is checked first, against the database and the rest
// of the file, and every bad row is reported by line (an *ImportError
// inside an invalid error). A child not yet registered is registered; a
// registered one must have the name and date of birth the row gives. The
// due date of each is the health-advice rule of cal. With dryRun nothing
// is kept, and the result says what would have been. Only the DCO team
// (or dco itself) imports. Audited "advice.import" per request and
// "child.import" per new child.
func (s *DB) ImportAdviceRequests(ctx context.Context, actor store.Actor, cal *send.Calendar, rows []ImportRow, dryRun bool) (ImportResult, error) {
	const action = "advice.import"
	if !isDCO(actor) {
		s.st.Refuse(ctx, actor, action, "advice_request", 0, 0)
		return ImportResult{}, errs.E(errs.Forbidden, "Only the DCO team can import advice requests")
	}
	now := s.st.Clock()
	today, at := send.Today(now), store.FmtTime(now)
	var res ImportResult
	err := s.st.WriteAlone(ctx, func(t *store.Tx) error {
		res = ImportResult{}
		plan, err := checkAdviceImport(ctx, t, actor, cal, rows, today)
		if err != nil {
			return err
		}
		if len(plan.bad) > 0 {
			return &errs.Error{Code: errs.Invalid, Err: &ImportError{Lines: plan.bad},
				Message: fmt.Sprintf("%d problem(s) found: nothing was imported", len(plan.bad))}
		}
		if err := writeAdviceImport(ctx, t, actor, plan, rows, at, &res); err != nil {
			return err
		}
		if dryRun {
			return errDryRun
		}
		return nil
	})
	if errors.Is(err, errDryRun) {
		return res, nil
	}
	if err != nil {
		return ImportResult{}, err
	}
	return res, nil
}

// CheckAdviceImport makes every check ImportAdviceRequests makes on rows,
// against the database and each other, and returns the problems by line,
// writing nothing. An import tool runs it on the rows of a file that
// parsed when other rows did not, so that the problems only the database
// can find (a reference already recorded, an NHS number registered with
// another name or date of birth) are reported with the file's own, in one
// pass; the import itself stays all or nothing. Only the DCO team (or dco
// itself) checks; nothing is read that is not reported, so it is not
// audited.
func (s *DB) CheckAdviceImport(ctx context.Context, actor store.Actor, cal *send.Calendar, rows []ImportRow) ([]LineError, error) {
	if !isDCO(actor) {
		s.st.Refuse(ctx, actor, "advice.import", "advice_request", 0, 0)
		return nil, errs.E(errs.Forbidden, "Only the DCO team can import advice requests")
	}
	today := send.Today(s.st.Clock())
	var bad []LineError
	err := s.st.WriteAlone(ctx, func(t *store.Tx) error {
		plan, err := checkAdviceImport(ctx, t, actor, cal, rows, today)
		if err != nil {
			return err
		}
		bad = plan.bad
		return errDryRun
	})
	if err != nil && !errors.Is(err, errDryRun) {
		return nil, err
	}
	return bad, nil
}

// checkAdviceImport checks every row against the database and the rows
// before it, and plans the import: the LAs and children met and each
// row's due date. Problems are in plan.bad, in line order; the error is
// for a database that could not be read.
func checkAdviceImport(ctx context.Context, t *store.Tx, actor store.Actor, cal *send.Calendar, rows []ImportRow, today send.Date) (*adviceImportPlan, error) {
	c := &adviceImportCheck{t: t, actor: actor, cal: cal, today: today, refs: map[string]int{},
		plan: &adviceImportPlan{las: map[int64]importLA{}, children: map[send.NHSNumber]*knownChild{}, dues: make([]send.Date, len(rows))}}
	var err error
	c.findChild, err = t.Prepare(ctx, "SELECT id, given_key, family_key, date_of_birth FROM children WHERE nhs_number = ?")
	if err != nil {
		return nil, store.MapErr(err, "prepare child look-up")
	}
	defer c.findChild.Close()
	c.findRef, err = t.Prepare(ctx,
		// la_reference <> '' lets both engines use the partial unique
		// index, which a bound parameter alone does not.
		"SELECT count(*) FROM advice_requests WHERE la_id = ? AND la_reference = ? AND la_reference <> ''")
	if err != nil {
		return nil, store.MapErr(err, "prepare reference look-up")
	}
	defer c.findRef.Close()

	for i := range rows {
		if err := c.row(ctx, i, &rows[i]); err != nil {
			return nil, err
		}
	}
	plan := c.plan
	sort.SliceStable(plan.bad, func(i, j int) bool { return plan.bad[i].Line < plan.bad[j].Line })
	return plan, nil
}

// adviceImportCheck is one import's rows being checked: what the rows
// before have met, and the look-ups the checks run.
type adviceImportCheck struct {
	t                  *store.Tx
	actor              store.Actor
	cal                *send.Calendar
	today              send.Date
	plan               *adviceImportPlan
	refs               map[string]int // la_id/reference → first line
	findChild, findRef *sql.Stmt
}

func (c *adviceImportCheck) fail(line int, format string, args ...any) {
	c.plan.bad = append(c.plan.bad, LineError{Line: line, Message: fmt.Sprintf(format, args...)})
}

// row checks row i: its LA, its dates and outcome, its reference and its
// child. A row whose LA cannot be used is checked no further.
func (c *adviceImportCheck) row(ctx context.Context, i int, row *ImportRow) error {
	las, dues := c.plan.las, c.plan.dues
	l, seen := las[row.LAID]
	if !seen {
		var err error
		if l.name, l.icb, l.ok, err = c.t.LAOf(ctx, row.LAID); err != nil {
			return err
		}
		las[row.LAID] = l
	}
	switch {
	case !l.ok:
		c.fail(row.Line, "la_code is not a local authority in dco")
		return nil
	case store.PlaceRule(c.actor, c.actor.OrgID, row.LAID, l.icb) != "": // only a DCO imports: its home is its OrgID
		c.fail(row.Line, "la_code names an LA outside your ICB")
		return nil
	}
	// The request's one set of rules (advice.Request.Validate), as the
	// form, the API and the file's reader apply them.
	rec := advice.Request{LAReference: row.LAReference, ReceivedOn: row.ReceivedOn}
	vbad := rec.Validate(c.today)
	row.LAReference = rec.LAReference
	for _, k := range sortedKeys(vbad) {
		c.plan.bad = append(c.plan.bad, LineError{Line: row.Line, Column: k, Message: k + ": " + vbad[k]})
	}
	if !row.ReceivedOn.IsZero() {
		var err error
		if dues[i], err = advice.Due(c.cal, row.ReceivedOn); err != nil {
			return err
		}
	}
	if rbad := advice.CheckRecord(row.ReceivedOn, dues[i], row.ReturnedOn, c.today, row.Outcome, row.Exception, row.ExceptionOn); len(rbad) > 0 {
		for _, k := range sortedKeys(rbad) {
			c.fail(row.Line, "%s", rbad[k])
		}
	}
	if err := c.reference(ctx, row); err != nil {
		return err
	}
	return c.child(ctx, row, l)
}

// reference checks the row's LA reference: once in the file and not yet
// recorded for its LA.
func (c *adviceImportCheck) reference(ctx context.Context, row *ImportRow) error {
	row.LAReference = strings.TrimSpace(row.LAReference)
	if row.LAReference == "" {
		return nil
	}
	key := itoa(row.LAID) + "/" + row.LAReference
	if first, dup := c.refs[key]; dup {
		c.fail(row.Line, "la_reference %q is also on line %d for the same LA", row.LAReference, first)
	} else {
		c.refs[key] = row.Line
		var n int
		if err := c.findRef.QueryRowContext(ctx, row.LAID, row.LAReference).Scan(&n); err != nil {
			return store.MapErr(err, "find reference")
		}
		if n > 0 {
			c.fail(row.Line, "la_reference %q is already recorded for this LA", row.LAReference)
		}
	}
	return nil
}

// child checks the row's child: the same as on an earlier line with its
// NHS number, the same as the child registered with it, or, when neither,
// a child that may be registered in the row's LA l.
func (c *adviceImportCheck) child(ctx context.Context, row *ImportRow, l importLA) error {
	children := c.plan.children
	ch := &row.Child
	ch.LAID = row.LAID
	if k, met := children[ch.NHSNumber]; met {
		if !sameChild(k, *ch) {
			c.fail(row.Line, "nhs_number %s is given with a different name or date of birth on line %d", ch.NHSNumber, k.firstLine)
		}
		return nil
	}
	var id int64
	var given, fam, dob string
	err := c.findChild.QueryRowContext(ctx, string(ch.NHSNumber)).Scan(&id, &given, &fam, &dob)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		cbad := c.t.CheckChild(ch, c.today)
		for _, k := range sortedKeys(cbad) {
			c.plan.bad = append(c.plan.bad, LineError{Line: row.Line, Column: k, Message: k + ": " + cbad[k]})
		}
		ch.LAName, ch.ICBID = l.name, l.icb
		children[ch.NHSNumber] = &knownChild{given: store.NameKey(ch.GivenName), fam: store.NameKey(ch.FamilyName),
			dob: ch.DateOfBirth, firstLine: row.Line, newInImport: true}
	case err != nil:
		return store.MapErr(err, "find child")
	default:
		d, _ := send.ParseDate(dob)
		k := &knownChild{id: id, given: given, fam: fam, dob: d, firstLine: row.Line}
		children[ch.NHSNumber] = k
		if !sameChild(k, *ch) {
			c.fail(row.Line, "nhs_number %s is registered with a different name or date of birth", ch.NHSNumber)
		}
	}
	return nil
}

// sameChild reports whether a row's child is the child already met.
func sameChild(k *knownChild, c store.Child) bool {
	return k.given == store.NameKey(c.GivenName) && k.fam == store.NameKey(c.FamilyName) && k.dob.Equal(c.DateOfBirth)
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// writeAdviceImport stores the checked rows of plan: each new child once,
// then each request with its deadline, counted in res, and their audit.
func writeAdviceImport(ctx context.Context, t *store.Tx, actor store.Actor, plan *adviceImportPlan, rows []ImportRow, at string, res *ImportResult) error {
	const action = "advice.import"
	las, children, dues := plan.las, plan.children, plan.dues

	insertChild, err := t.Prepare(ctx, store.InsertChildSQL)
	if err != nil {
		return store.MapErr(err, "prepare child insert")
	}
	defer insertChild.Close()
	insertRequest, err := t.Prepare(ctx, `INSERT INTO advice_requests (icb_id, la_id, child_id,
		la_reference, received_on, due_on, state, returned_on, withdrawn_on, outcome, exception, exception_on, imported,
		created_by, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?) RETURNING id`)
	if err != nil {
		return store.MapErr(err, "prepare request insert")
	}
	defer insertRequest.Close()
	audit := make([]*store.AuditEntry, 0, len(rows))
	for i := range rows {
		row := &rows[i]
		k := children[row.Child.NHSNumber]
		if k.id == 0 {
			if err := insertChild.QueryRowContext(ctx, store.ChildArgs(actor, &row.Child, at)...).Scan(&k.id); err != nil {
				return fmt.Errorf("line %d: %w", row.Line, store.MapErr(err, "insert child"))
			}
			res.NewChildren++
			audit = append(audit, store.Entry(actor, "child.import", "child", k.id, k.id, store.OutcomeOK, "with an advice request"))
		}
		state, returned, withdrawn := importState(row, res)
		l := las[row.LAID]
		var id int64
		if err := insertRequest.QueryRowContext(ctx, l.icb, row.LAID, k.id, row.LAReference, row.ReceivedOn.String(),
			dues[i].String(), string(state), returned.String(), withdrawn.String(), string(row.Outcome), string(row.Exception),
			row.ExceptionOn.String(), true, actor.UserID, at, at).Scan(&id); err != nil {
			return fmt.Errorf("line %d: %w", row.Line, store.MapErr(err, "insert advice request"))
		}
		if err := syncAdviceDeadline(ctx, t, id); err != nil {
			return fmt.Errorf("line %d: %w", row.Line, err)
		}
		res.Requests++
		audit = append(audit, store.Entry(actor, action, "advice_request", id, k.id, store.OutcomeOK, fmt.Sprintf("line=%d", row.Line)))
	}
	return t.AppendAudit(ctx, audit...)
}

// importState is the state a row's request is stored in, with its date
// returned or withdrawn (a file's returned_on is the date withdrawn when
// the outcome is withdrawn), counted in res.
func importState(row *ImportRow, res *ImportResult) (state advice.State, returned, withdrawn send.Date) {
	state, returned = advice.StateOpen, row.ReturnedOn
	switch row.Outcome {
	case advice.OutcomeAdvice, advice.OutcomeNotKnown:
		state = advice.StateReturned
		res.Returned++
	case advice.OutcomeWithdrawn:
		state, returned, withdrawn = advice.StateWithdrawn, send.Date{}, row.ReturnedOn
		res.Withdrawn++
	default:
		res.Open++
	}
	return state, returned, withdrawn
}
