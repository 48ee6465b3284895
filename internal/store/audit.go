package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"

	"dco/internal/errs"
)

// The audit trail is append-only and hash-chained: each row's hash is
// sha256(prev_hash + canonical encoding of its fields), and its id is the
// previous id plus one. Writers serialise on the single audit_head row
// (SELECT ... FOR UPDATE on PostgreSQL; the database write lock on SQLite),
// so the chain never forks. Rows are never updated or deleted; triggers
// refuse it on both engines.

// Audit outcomes.
const (
	OutcomeOK      = "ok"
	OutcomeRefused = "refused"
	OutcomeFailed  = "failed"
)

// ActionAccessRefused is the audit action for a request refused by scope.
const ActionAccessRefused = "access.refused"

// entry builds an audit row for what actor did.
func entry(a Actor, action, objectType string, objectID, childID int64, outcome, detail string) *AuditEntry {
	return &AuditEntry{
		UserID: a.UserID, Email: a.Email, Role: a.Role, OrgID: a.OrgID, Addr: a.Addr,
		Action: action, ObjectType: objectType, ObjectID: objectID, ChildID: childID,
		Outcome: outcome, Detail: detail,
	}
}

// withChildren names the children whose identifiable data the read
// returned: a page of a list, a search, an export, a duplicates check. Rule:
// every child a response shows appears in that child's "who has accessed
// this record" (ChildAccessLog), and only those children: a list filtered by
// a child the actor cannot see shows nothing of it, so names nothing. The
// ids, in order and once each, are added to Detail as "children=12,15,40",
// so the hash chain covers them; appendAudit indexes them in audit_children
// in the same transaction, one statement for the row however many children
// it names.
func (e *AuditEntry) withChildren(ids []int64) *AuditEntry {
	ids = slices.DeleteFunc(slices.Clone(ids), func(id int64) bool { return id <= 0 })
	slices.Sort(ids)
	e.Children = slices.Compact(ids)
	if len(e.Children) == 0 {
		return e
	}
	if e.Detail != "" {
		e.Detail += " "
	}
	e.Detail += childrenKey + joinIDs(e.Children)
	return e
}

// childrenKey starts the part of an audit Detail that names the children a
// read showed (withChildren).
const childrenKey = "children="

// childIDs collects the ids of the children in a page of results, for
// withChildren.
func childIDs[T any](xs []T, id func(T) int64) []int64 {
	out := make([]int64, 0, len(xs))
	for _, x := range xs {
		out = append(out, id(x))
	}
	return out
}

// joinIDs writes ids as "12,15,40".
func joinIDs(ids []int64) string {
	b := make([]byte, 0, len(ids)*7)
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, id, 10)
	}
	return string(b)
}

// parseIDs reads "12,15,40" (in any order) back into ids, in order; ok is
// false when it is not such a list.
func parseIDs(s string) (ids []int64, ok bool) {
	if s == "" {
		return nil, true
	}
	for part := range strings.SplitSeq(s, ",") {
		id, err := strconv.ParseInt(part, 10, 64)
		if err != nil {
			return nil, false
		}
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids, true
}

// detailChildren returns the children an audit Detail names (withChildren).
func detailChildren(detail string) []int64 {
	i := strings.LastIndex(detail, childrenKey)
	if i < 0 || (i > 0 && detail[i-1] != ' ') {
		return nil
	}
	ids, _ := parseIDs(detail[i+len(childrenKey):])
	return ids
}

// canonical is the encoding the hash covers: every stored field in a fixed
// order, each length-prefixed so no two rows encode alike.
func canonical(e *AuditEntry, at string) string {
	var b strings.Builder
	field := func(s string) {
		b.WriteString(strconv.Itoa(len(s)))
		b.WriteByte(':')
		b.WriteString(s)
		b.WriteByte(';')
	}
	num := func(n int64) { field(strconv.FormatInt(n, 10)) }
	num(e.ID)
	field(at)
	num(e.UserID)
	field(e.Email)
	field(string(e.Role))
	num(e.OrgID)
	field(e.Addr)
	field(e.Action)
	field(e.ObjectType)
	num(e.ObjectID)
	num(e.ChildID)
	field(e.Outcome)
	field(e.Detail)
	return b.String()
}

func auditHash(prev string, e *AuditEntry, at string) string {
	sum := sha256.Sum256([]byte(prev + canonical(e, at)))
	return hex.EncodeToString(sum[:])
}

const (
	auditInsert = "INSERT INTO audit_log (" + auditColumns + ") VALUES "
	auditFields = 15
	auditChunk  = 64
)

var (
	auditRow = placeholders(auditFields)
)

// appendAudit adds rows to the chain inside the caller's transaction, filling
// their ID, At, PrevHash and Hash. Call it last in a transaction, after the
// change it records, so the head row is held for as short a time as possible.
func (t *tx) appendAudit(ctx context.Context, es ...*AuditEntry) error {
	if len(es) == 0 {
		return nil
	}
	ctx = t.c(ctx)
	var lastID int64
	var prev string
	if err := t.queryRow(ctx, "SELECT last_id, hash FROM audit_head WHERE id = 1"+t.s.forUpdate()).Scan(&lastID, &prev); err != nil {
		return mapErr(err, "lock audit head")
	}
	now := t.s.now()
	at := fmtTime(now)
	// Rows go in auditChunk at a time, one statement each: an import's
	// thousands of rows cost tens of round trips, not thousands.
	args := make([]any, 0, auditChunk*auditFields)
	for start := 0; start < len(es); start += auditChunk {
		chunk := es[start:min(start+auditChunk, len(es))]
		args = args[:0]
		for _, e := range chunk {
			if e.Outcome == "" {
				e.Outcome = OutcomeOK
			}
			lastID++
			e.ID, e.At, e.PrevHash = lastID, parseTime(at), prev
			e.Hash = auditHash(prev, e, at)
			args = append(args, e.ID, at, e.UserID, e.Email, string(e.Role), e.OrgID, e.Addr,
				e.Action, e.ObjectType, e.ObjectID, e.ChildID, e.Outcome, e.Detail, e.PrevHash, e.Hash)
			prev = e.Hash
		}
		if err := t.execPrepared(ctx, insertRowsSQL(auditInsert, auditRow, len(chunk), ""), args...); err != nil {
			return err
		}
	}
	for _, e := range es {
		// One statement for all the children a row names, the same text
		// whatever their number, so it is prepared once per transaction.
		if len(e.Children) > 0 {
			if err := t.execPrepared(ctx, t.s.auditChildrenInsert(), e.ID, "["+joinIDs(e.Children)+"]"); err != nil {
				return err
			}
		}
	}
	if _, err := t.exec(ctx, "UPDATE audit_head SET last_id = ?, hash = ? WHERE id = 1", lastID, prev); err != nil {
		return err
	}
	return nil
}

// Audit appends a standalone row to the audit trail: a sign-in, a failed
// sign-in, a refused request. Changes to records write their own rows in
// their own transactions. The Outcome defaults to "ok"; Children, if any,
// are named in the Detail and indexed, as withChildren does.
func (s *Store) Audit(ctx context.Context, e AuditEntry) error {
	if e.Action == "" {
		return errs.E(errs.Invalid, "an audit entry needs an action")
	}
	if ids := e.Children; len(ids) > 0 {
		e.Children = nil
		e.withChildren(ids)
	}
	return s.write(ctx, func(t *tx) error { return t.appendAudit(ctx, &e) })
}

// refuse records, in its own transaction, that actor asked for something
// outside their scope. Failure to write it is logged, not returned: the
// caller is already refusing.
func (s *Store) refuse(ctx context.Context, a Actor, action, objectType string, objectID, childID int64) {
	e := entry(a, ActionAccessRefused, objectType, objectID, childID, OutcomeRefused, "action="+action)
	if err := s.write(ctx, func(t *tx) error { return t.appendAudit(ctx, e) }); err != nil {
		s.log.Error("audit refused access", "err", err, "user_id", a.UserID, "action", action)
	}
}

// VerifyAudit walks the whole chain, recomputing every hash. It returns how
// many rows it checked and the id of the first row that does not follow from
// the one before (0 when the chain is intact). A deleted row shows as the id
// after the gap; rows cut from the end show as the id after the last one left.
func (s *Store) VerifyAudit(ctx context.Context) (checked int64, firstBroken int64, err error) {
	var opts *sql.TxOptions
	if s.engine == EnginePostgres {
		opts = &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
	}
	rtx, err := s.db.BeginTx(ctx, opts) // one snapshot for rows and head
	if err != nil {
		return 0, 0, mapErr(err, "begin")
	}
	defer rtx.Rollback()
	var headID int64
	var headHash string
	if err := rtx.QueryRowContext(ctx, "SELECT last_id, hash FROM audit_head WHERE id = 1").Scan(&headID, &headHash); err != nil {
		return 0, 0, mapErr(err, "read audit head")
	}
	// Each row with the children audit_children indexes for it: the index
	// must name exactly the children the row's hashed detail names.
	rows, err := rtx.QueryContext(ctx, `SELECT a.id, a.at, a.user_id, a.email, a.role, a.org_id, a.addr, a.action,
		a.object_type, a.object_id, a.child_id, a.outcome, a.detail, a.prev_hash, a.hash, COALESCE(g.ids, '')
		FROM audit_log a LEFT JOIN (SELECT audit_id, `+s.concatIDs("child_id")+` AS ids
			FROM audit_children GROUP BY audit_id) g ON g.audit_id = a.id
		ORDER BY a.id`)
	if err != nil {
		return 0, 0, mapErr(err, "read audit")
	}
	defer rows.Close()
	var prevID, indexed int64
	var prev string
	for rows.Next() {
		var e AuditEntry
		var at, role, ids string
		if err := rows.Scan(&e.ID, &at, &e.UserID, &e.Email, &role, &e.OrgID, &e.Addr, &e.Action, &e.ObjectType,
			&e.ObjectID, &e.ChildID, &e.Outcome, &e.Detail, &e.PrevHash, &e.Hash, &ids); err != nil {
			return checked, 0, mapErr(err, "scan audit")
		}
		e.Role = Role(role)
		checked++
		if e.ID != prevID+1 || e.PrevHash != prev || auditHash(prev, &e, at) != e.Hash {
			return checked, e.ID, nil
		}
		got, ok := parseIDs(ids)
		if !ok || !slices.Equal(got, detailChildren(e.Detail)) {
			return checked, e.ID, nil
		}
		indexed += int64(len(got))
		prevID, prev = e.ID, e.Hash
	}
	if err := rows.Err(); err != nil {
		return checked, 0, mapErr(err, "read audit")
	}
	if headID != prevID || headHash != prev {
		return checked, prevID + 1, nil
	}
	// An index row of no audit row claims an access that never happened.
	var total int64
	if err := rtx.QueryRowContext(ctx, "SELECT count(*) FROM audit_children").Scan(&total); err != nil {
		return checked, 0, mapErr(err, "count audit children")
	}
	if total != indexed {
		var orphan int64
		if err := rtx.QueryRowContext(ctx, `SELECT COALESCE(min(c.audit_id), 0) FROM audit_children c
			WHERE NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.id = c.audit_id)`).Scan(&orphan); err != nil {
			return checked, 0, mapErr(err, "read audit children")
		}
		return checked, max(orphan, 1), nil
	}
	return checked, 0, nil
}

const auditColumns = `id, at, user_id, email, role, org_id, addr, action, object_type, object_id, child_id, outcome, detail, prev_hash, hash`

func scanAudit(rows *sql.Rows) ([]AuditEntry, error) {
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		var at, role string
		if err := rows.Scan(&e.ID, &at, &e.UserID, &e.Email, &role, &e.OrgID, &e.Addr, &e.Action, &e.ObjectType,
			&e.ObjectID, &e.ChildID, &e.Outcome, &e.Detail, &e.PrevHash, &e.Hash); err != nil {
			return nil, mapErr(err, "scan audit")
		}
		e.At, e.Role, e.Children = parseTime(at), Role(role), detailChildren(e.Detail)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, mapErr(err, "read audit")
	}
	return out, nil
}

// ListAudit returns a page of the audit trail, newest first, and how many
// rows match in all. Who may read it is decided by the caller.
func (s *Store) ListAudit(ctx context.Context, f AuditFilter) ([]AuditEntry, int, error) {
	where, args := "1 = 1", []any{}
	if f.Action != "" {
		where += " AND action = ?"
		args = append(args, f.Action)
	}
	if f.UserID != 0 {
		where += " AND user_id = ?"
		args = append(args, f.UserID)
	}
	if f.ChildID != 0 {
		where += " AND (child_id = ? OR id IN (SELECT audit_id FROM audit_children WHERE child_id = ?))"
		args = append(args, f.ChildID, f.ChildID)
	}
	var total int
	if err := s.queryRow(ctx, "SELECT count(*) FROM audit_log WHERE "+where, args...).Scan(&total); err != nil {
		return nil, 0, mapErr(err, "count audit")
	}
	limit, offset := pageOf(f.Limit, f.Offset)
	rows, err := s.query(ctx, "SELECT "+auditColumns+" FROM audit_log WHERE "+where+" ORDER BY id DESC LIMIT ? OFFSET ?",
		append(args, limit, offset)...)
	if err != nil {
		return nil, 0, err
	}
	out, err := scanAudit(rows)
	return out, total, err
}

// ChildAccessLog answers "who has accessed this record": every audit row
// about the child, newest first: those about its record (child_id) and
// those of a list, search or export that showed it (audit_children), each
// once. Only a DCO may ask, and asking is itself audited as
// "child.access_log".
func (s *Store) ChildAccessLog(ctx context.Context, actor Actor, childID int64) ([]AuditEntry, error) {
	const action = "child.access_log"
	if actor.Role != RoleDCO {
		s.refuse(ctx, actor, action, "child", childID, childID)
		return nil, errs.E(errs.Forbidden, "Only a DCO can see who has accessed a record")
	}
	var out []AuditEntry
	refused := false
	err := s.write(ctx, func(t *tx) error {
		if _, err := t.childInScope(ctx, actor, childID, false); err != nil {
			refused = errs.Is(err, errs.NotFound)
			return err
		}
		rows, err := t.query(ctx, "SELECT "+auditColumns+" FROM audit_log WHERE child_id = ?"+
			" UNION SELECT "+auditColumns+" FROM audit_log WHERE id IN (SELECT audit_id FROM audit_children WHERE child_id = ?)"+
			" ORDER BY id DESC", childID, childID)
		if err != nil {
			return err
		}
		if out, err = scanAudit(rows); err != nil {
			return err
		}
		return t.appendAudit(ctx, entry(actor, action, "child", childID, childID, OutcomeOK, ""))
	})
	if refused {
		s.refuse(ctx, actor, action, "child", childID, childID)
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// pageOf applies the default page size (50) and the ceiling (1000).
func pageOf(limit, offset int) (int, int) {
	if limit <= 0 {
		limit = 50
	}
	if limit > 1000 {
		limit = 1000
	}
	if offset < 0 {
		offset = 0
	}
	return limit, offset
}
