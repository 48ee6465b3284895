package store

import (
	"context"
	"database/sql"
	"fmt"

	"dco/internal/errs"
	"dco/internal/send"
)

// ImportChildren registers many children in one transaction: all or none.
// A row that fails validation or names an LA the actor may not register
// in (placeRule, as CreateChild), or an NHS number already registered (or
// repeated in the batch), stores nothing and names the row (counting from 1).
// Each child gets its own "child.import" audit row. The children are
// normalised in place and, on success, get their IDs and versions. It
// returns how many children were stored.
func (s *Store) ImportChildren(ctx context.Context, actor Actor, cs []Child) (int, error) {
	const action = "child.import"
	if !mayRegister(actor) {
		s.refuse(ctx, actor, action, "child", 0, 0)
		return 0, errs.E(errs.Forbidden, "Your role cannot register children")
	}
	if len(cs) == 0 {
		return 0, nil
	}
	now := s.now()
	at, today := fmtTime(now), send.Today(now)
	err := s.writeAlone(ctx, func(t *tx) error {
		if err := s.checkImportedChildren(ctx, t, actor, cs, today); err != nil {
			return err
		}
		// An NHS number repeated in the batch or registered already: name
		// the first row that has one, before anything is written.
		if i, err := t.firstDuplicateNHS(ctx, cs); err != nil {
			return err
		} else if i >= 0 {
			e := errDuplicateNHS(nil).(*errs.Error)
			e.Message = fmt.Sprintf("Row %d: %s Nothing was imported.", i+1, e.Message)
			return e
		}
		if err := t.insertImportedChildren(ctx, actor, cs, at); err != nil {
			return err
		}
		audit := make([]*AuditEntry, 0, len(cs))
		for i := range cs {
			c := &cs[i]
			if err := t.grantRegistrar(ctx, actor, c.ID, at); err != nil {
				return err
			}
			c.Version, c.CreatedAt, c.UpdatedAt = 1, parseTime(at), parseTime(at)
			audit = append(audit, entry(actor, action, "child", c.ID, c.ID, OutcomeOK, ""))
		}
		return t.appendAudit(ctx, audit...)
	})
	if err != nil {
		for i := range cs {
			cs[i].ID, cs[i].Version = 0, 0
		}
		return 0, err
	}
	return len(cs), nil
}

// checkImportedChildren checks and normalises each child of an import, and
// places it in its LA (an LA user's own when none is given) and that LA's
// ICB, as CreateChild does; the first bad row is the error, named.
func (s *Store) checkImportedChildren(ctx context.Context, t *tx, actor Actor, cs []Child, today send.Date) error {
	type la struct {
		name string
		icb  int64
		ok   bool
	}
	las := map[int64]la{}
	home, err := t.homeICB(ctx, actor)
	if err != nil {
		return err
	}
	for i := range cs {
		c := &cs[i]
		bad := s.checkChild(c, today)
		if actor.Role == RoleLA && !isSystem(actor) && c.LAID == 0 {
			c.LAID = actor.LAID
		}
		l, seen := las[c.LAID]
		if !seen {
			var err error
			if l.name, l.icb, l.ok, err = t.laOf(ctx, c.LAID); err != nil {
				return err
			}
			las[c.LAID] = l
		}
		if !l.ok {
			bad["la_id"] = "Choose the child's local authority"
		} else if msg := placeRule(actor, home, c.LAID, l.icb); msg != "" {
			bad["la_id"] = msg
		}
		if len(bad) > 0 {
			e := errs.InvalidFields(bad)
			e.Message = fmt.Sprintf("Row %d could not be imported: nothing was imported", i+1)
			return e
		}
		c.LAName, c.ICBID = l.name, l.icb
	}
	return nil
}

// insertImportedChildren writes the children childChunk at a time, one
// statement each, and gives each its id.
func (t *tx) insertImportedChildren(ctx context.Context, actor Actor, cs []Child, at string) error {
	args := make([]any, 0, childChunk*childFields)
	ids := make(map[string]int64, childChunk)
	for start := 0; start < len(cs); start += childChunk {
		chunk := cs[start:min(start+childChunk, len(cs))]
		args = args[:0]
		for i := range chunk {
			args = append(args, childArgs(actor, &chunk[i], at)...)
		}
		rows, err := t.queryPrepared(ctx, insertRowsSQL(childInsert, childRow, len(chunk), " RETURNING id, nhs_number"), args...)
		if err != nil {
			if errs.Is(err, errs.Conflict) {
				// Registered by someone else since the check above.
				e := errDuplicateNHS(err).(*errs.Error)
				e.Message = fmt.Sprintf("Rows %d to %d: %s Nothing was imported.", start+1, start+len(chunk), e.Message)
				return e
			}
			return fmt.Errorf("rows %d to %d: %w", start+1, start+len(chunk), err)
		}
		clear(ids)
		if err := readChildIDs(rows, ids); err != nil {
			return err
		}
		for i := range chunk {
			c := &chunk[i]
			if c.ID = ids[string(c.NHSNumber)]; c.ID == 0 {
				return errs.E(errs.Internal, "row %d: the database returned no id", start+i+1)
			}
		}
	}
	return nil
}

// readChildIDs reads the id given to each NHS number by an insert into
// ids, and closes rows.
func readChildIDs(rows *sql.Rows, ids map[string]int64) error {
	for rows.Next() {
		var id int64
		var nhs string
		if err := rows.Scan(&id, &nhs); err != nil {
			rows.Close()
			return mapErr(err, "insert children")
		}
		ids[nhs] = id
	}
	if err := rows.Close(); err != nil {
		return mapErr(err, "insert children")
	}
	if err := rows.Err(); err != nil {
		return mapErr(err, "insert children")
	}
	return nil
}
