package advicedb

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"

	"dco/internal/advice"
	"dco/internal/errs"
	"dco/internal/send"
	"dco/internal/store"
)

// Advice uploaded as a document.

const documentColumns = `d.id, d.contribution_id, d.request_id, d.child_id, d.filename, d.content_type, d.size_bytes, d.sha256, d.created_at`

func scanDocument(row interface{ Scan(...any) error }, content bool) (Document, error) {
	var d Document
	var created string
	dst := []any{&d.ID, &d.ContributionID, &d.RequestID, &d.ChildID, &d.Filename, &d.ContentType, &d.Size, &d.SHA256, &created}
	if content {
		dst = append(dst, &d.Content)
	}
	if err := row.Scan(dst...); err != nil {
		return Document{}, err
	}
	d.CreatedAt = store.ParseTime(created)
	return d, nil
}

func loadDocuments(ctx context.Context, t *store.Tx, in string, ids []any, byID map[int64]*Contribution) error {
	rows, err := t.Query(ctx, "SELECT "+documentColumns+" FROM advice_documents d WHERE d.request_id IN "+in+" ORDER BY d.id", ids...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		d, err := scanDocument(rows, false)
		if err != nil {
			return store.MapErr(err, "scan document")
		}
		if c := byID[d.ContributionID]; c != nil {
			c.Document = &d // ordered by id: the newest wins
		}
	}
	return store.MapErr(rows.Err(), "read documents")
}

// UploadAdviceDocument stores advice written elsewhere as the answer to a
// contribution: a PDF or DOCX (by its content, not its name) of at most
// advice.MaxDocument bytes, with the date it was returned. Earlier uploads
// are kept; the newest is the advice. Audited "advice.document.upload".
func (s *DB) UploadAdviceDocument(ctx context.Context, actor store.Actor, id, version int64, filename string, content []byte, returnedOn send.Date) (Document, error) {
	const action = "advice.document.upload"
	if actor.Role != store.RoleClinician && !isDCO(actor) {
		s.st.Refuse(ctx, actor, action, "advice_contribution", id, 0)
		return Document{}, errs.E(errs.Forbidden, "Your role cannot record health advice")
	}
	bad := map[string]string{}
	ctype, ok := advice.SniffDocument(content)
	switch {
	case len(content) == 0:
		bad["document"] = "Select a PDF or Word (DOCX) file"
	case len(content) > advice.MaxDocument:
		bad["document"] = "The file must be smaller than 10 MB"
	case !ok:
		bad["document"] = "The file must be a PDF or a Word document (DOCX)"
	}
	name := advice.CleanFilename(filename, ctype)
	sum := sha256.Sum256(content)
	now := s.st.Clock()
	today, at := send.Today(now), store.FmtTime(now)
	var d Document
	err := s.adviceWrite(ctx, actor, action, id, func(t *store.Tx) error {
		c, r, err := answerable(ctx, t, actor, id, version)
		if err != nil {
			return err
		}
		advice.CheckReturned(bad, "returned_on", returnedOn, r.ReceivedOn, today)
		if len(bad) > 0 {
			return errs.InvalidFields(bad)
		}
		docID, err := t.InsertID(ctx, `INSERT INTO advice_documents (contribution_id, request_id, child_id, filename,
			content_type, size_bytes, sha256, content, uploaded_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			id, r.ID, c.ChildID, name, ctype, len(content), hex.EncodeToString(sum[:]), content, actor.UserID, at)
		if err != nil {
			return err
		}
		n, err := t.ExecN(ctx, `UPDATE advice_contributions SET kind = 'document', needs = '', outcomes = '',
			records_reviewed = ?, family_contacted = ?, senco_contacted = ?, checks_note = '', reuse_of_id = NULL,
			reuse_source = '', reuse_dated = '', returned_on = ?, version = version + 1, updated_at = ?
			WHERE id = ? AND version = ?`, false, false, false, returnedOn.String(), at, id, version)
		if err != nil {
			return err
		}
		if n != 1 {
			return store.ErrStale()
		}
		if _, err := t.ExecN(ctx, "DELETE FROM advice_provisions WHERE contribution_id = ?", id); err != nil {
			return err
		}
		d = Document{ID: docID, ContributionID: id, RequestID: r.ID, ChildID: c.ChildID, Filename: name,
			ContentType: ctype, Size: int64(len(content)), SHA256: hex.EncodeToString(sum[:]), CreatedAt: store.ParseTime(at)}
		return t.AppendAudit(ctx, store.Entry(actor, action, "advice_request", r.ID, c.ChildID, store.OutcomeOK,
			fmt.Sprintf("contribution=%d document=%d bytes=%d", id, docID, len(content))))
	})
	if err != nil {
		return Document{}, err
	}
	return d, nil
}

// GetAdviceDocument returns an uploaded document with its content, if the
// actor may see its request: an LA only once the response is returned.
// Audited "advice.document.view" with the child.
func (s *DB) GetAdviceDocument(ctx context.Context, actor store.Actor, docID int64) (Document, error) {
	const action = "advice.document.view"
	var d Document
	err := s.adviceWrite(ctx, actor, action, docID, func(t *store.Tx) error {
		var requestID int64
		err := t.QueryRow(ctx, "SELECT request_id FROM advice_documents WHERE id = ?", docID).Scan(&requestID)
		if errors.Is(err, sql.ErrNoRows) {
			return errAdviceNotFound()
		}
		if err != nil {
			return store.MapErr(err, "find document")
		}
		r, err := requestInScope(ctx, t, actor, requestID, false)
		if err != nil {
			return err
		}
		// An LA receives documents with the combined response, not before.
		visible := r
		hideFromLA(actor, &visible)
		if visible.ContributionsHidden {
			return errAdviceNotFound()
		}
		d, err = scanDocument(t.QueryRow(ctx, "SELECT "+documentColumns+", d.content FROM advice_documents d WHERE d.id = ?", docID), true)
		if err != nil {
			return store.MapErr(err, "read document")
		}
		return t.AppendAudit(ctx, store.Entry(actor, action, "advice_request", r.ID, r.ChildID, store.OutcomeOK, "document="+itoa(docID)))
	})
	if err != nil {
		return Document{}, err
	}
	return d, nil
}
