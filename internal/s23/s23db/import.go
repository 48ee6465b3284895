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
	at, today := store.FmtTime(now), send.Today(now)
	var res ImportResult
	var mismatches []int64
	err := s.st.WriteAlone(ctx, func(t *store.Tx) error {
		res, mismatches = ImportResult{}, nil
		orgs := map[int64]s23Org{}
		stds := map[int64]standards{} // each ICB's local standards, for the ledger
		children := map[send.NHSNumber]store.Child{}
		visible := map[int64]bool{}  // children the actor may see, by id
		imported := map[int64]bool{} // children this import registers
		problem := func(line int, bad map[string]string) {
			for _, f := range slices.Sorted(maps.Keys(bad)) {
				res.Problems = append(res.Problems, ImportProblem{Line: line, Field: f, Message: bad[f]})
			}
		}
		insChild, err := t.Prepare(ctx, store.InsertChildSQL)
		if err != nil {
			return err
		}
		defer insChild.Close()
		insS23, err := t.Prepare(ctx, insertS23SQL)
		if err != nil {
			return err
		}
		defer insS23.Close()
		findChild, err := t.Prepare(ctx, "SELECT "+store.ChildColumns+store.ChildFrom+" WHERE c.nhs_number = ?")
		if err != nil {
			return err
		}
		defer findChild.Close()
		grant, err := t.Prepare(ctx, grantNotifierSQL)
		if err != nil {
			return err
		}
		defer grant.Close()
		var audit []*store.AuditEntry
		for i := range rows {
			r := &rows[i]
			c, n := r.Child, &r.Notification
			bad := t.CheckChild(&c, today)
			delete(bad, "postcode") // a notifications file carries no postcode
			if len(bad) > 0 {
				problem(r.Line, bad)
				continue
			}
			known, seen := children[c.NHSNumber]
			if !seen {
				known, err = store.ScanChild(findChild.QueryRowContext(ctx, string(c.NHSNumber)))
				switch {
				case err == nil:
					res.ChildrenMatched++
					if visible[known.ID], err = t.ChildVisible(ctx, actor, known.ID); err != nil {
						return err
					}
				case errors.Is(err, sql.ErrNoRows):
					la, err := s23OrgOf(ctx, t, c.LAID, orgs)
					if err != nil {
						return err
					}
					if la.kind != store.OrgLA || la.parent == 0 {
						problem(r.Line, map[string]string{"la_id": "Choose the child's local authority"})
						continue
					}
					if msg := store.PlaceRule(actor, actor.OrgID, c.LAID, la.parent); msg != "" { // a DCO's home is its OrgID
						problem(r.Line, map[string]string{"la_id": msg})
						continue
					}
					c.LAName, c.ICBID = la.name, la.parent
					if err := insChild.QueryRowContext(ctx, store.ChildArgs(actor, &c, at)...).Scan(&c.ID); err != nil {
						return fmt.Errorf("line %d: %w", r.Line, store.MapErr(err, "insert child"))
					}
					c.Version, c.CreatedAt, c.UpdatedAt = 1, store.ParseTime(at), store.ParseTime(at)
					audit = append(audit, store.Entry(actor, "child.import", "child", c.ID, c.ID, store.OutcomeOK, "via="+ActionImport))
					res.ChildrenCreated++
					known, visible[c.ID], imported[c.ID] = c, true, true
				default:
					return store.MapErr(err, "find child")
				}
				children[c.NHSNumber] = known
			} else {
				res.ChildrenMatched++
			}
			if !store.SameIdentity(known, c, visible[known.ID]) {
				problem(r.Line, map[string]string{"nhs_number": store.MsgIdentityMismatch})
				if !imported[known.ID] {
					mismatches = append(mismatches, known.ID)
				}
				continue
			}
			bad = checkS23(n, today)
			if err := placeS23(ctx, t, actor, n, known, bad, orgs); err != nil {
				return err
			}
			if _, ok := bad["la_reason"]; ok && n.LAReason == "" {
				// A file gives one LA, the child's and the one notified, and
				// no reason: the LA is what to fix, so say where the child is.
				delete(bad, "la_reason")
				bad["la_id"] = s23ImportOtherLA(known.LAName, n.LAName)
			}
			if len(bad) > 0 {
				problem(r.Line, bad)
				continue
			}
			n.ChildID, n.Child = known.ID, known
			if err := insS23.QueryRowContext(ctx, s23Args(actor, n, at)...).Scan(&n.ID); err != nil {
				return fmt.Errorf("line %d: %w", r.Line, store.MapErr(err, "insert notification"))
			}
			n.Version, n.CreatedBy, n.CreatedAt, n.UpdatedAt = 1, actor.UserID, store.ParseTime(at), store.ParseTime(at)
			if err := syncDeadlines(ctx, t, *n, stds); err != nil {
				return fmt.Errorf("line %d: %w", r.Line, err)
			}
			audit = append(audit, store.Entry(actor, ActionImport, s23ObjectType, n.ID, known.ID, store.OutcomeOK, "kind="+string(n.Kind)))
			g, err := grant.ExecContext(ctx, known.ID, n.ProviderOrgID, s23GrantReason, actor.UserID, at)
			if err != nil {
				return store.MapErr(err, "grant")
			}
			if k, _ := g.RowsAffected(); k > 0 {
				audit = append(audit, s23GrantEntry(actor, known.ID, n.ProviderOrgID))
			}
			res.Notifications++
		}
		if len(res.Problems) > 0 {
			return errs.E(errs.Invalid, "%d problem(s) in the file: nothing was imported", len(res.Problems))
		}
		if err := t.AppendAudit(ctx, audit...); err != nil {
			return err
		}
		if dryRun {
			return errS23DryRun
		}
		return nil
	})
	for _, id := range mismatches {
		s.st.IdentityMismatch(ctx, actor, id, ActionImport)
	}
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
