package store

import (
	"context"
	"database/sql"
	"errors"
	"regexp"
	"strings"

	"dco/internal/errs"
)

var (
	laCodeRE  = regexp.MustCompile(`^[0-9]{3}$`)
	odsCodeRE = regexp.MustCompile(`^[A-Z0-9]{3,10}$`)
	// An upper-tier LA's ONS code: unitary (E06), metropolitan district
	// (E08), London borough (E09) or county (E10); E07 districts are allowed
	// for completeness. The ICB's is E54.
	laONSRE  = regexp.MustCompile(`^E(0[6-9]|10)[0-9]{6}$`)
	anyONSRE = regexp.MustCompile(`^[ENSW][0-9]{8}$`)
)

// Valid reports whether k is a known organisation kind.
func (k OrgKind) Valid() bool { return k == OrgICB || k == OrgLA || k == OrgProvider }

const orgColumns = `o.id, o.kind, o.name, o.code, o.ons_code, COALESCE(o.parent_id, 0), o.version, o.created_at`

func scanOrg(r interface{ Scan(...any) error }) (Org, error) {
	var o Org
	var kind, created string
	if err := r.Scan(&o.ID, &kind, &o.Name, &o.Code, &o.ONSCode, &o.ParentID, &o.Version, &created); err != nil {
		return Org{}, err
	}
	o.Kind, o.CreatedAt = OrgKind(kind), parseTime(created)
	return o, nil
}

// normaliseOrg trims and upper-cases what should be, and checks the fields
// that need no database.
func normaliseOrg(o *Org) map[string]string {
	o.Name = strings.TrimSpace(o.Name)
	o.Code = strings.ToUpper(strings.TrimSpace(o.Code))
	o.ONSCode = strings.ToUpper(strings.TrimSpace(o.ONSCode))
	bad := map[string]string{}
	if !o.Kind.Valid() {
		bad["kind"] = "Choose the kind of organisation"
	}
	switch {
	case o.Name == "":
		bad["name"] = "Enter the organisation's name"
	case len(o.Name) > 200:
		bad["name"] = "The name must be 200 characters or fewer"
	}
	switch o.Kind {
	case OrgLA:
		if !laCodeRE.MatchString(o.Code) {
			bad["code"] = "Enter the LA's three-digit DfE number, like 800"
		}
		if o.ONSCode != "" && !laONSRE.MatchString(o.ONSCode) {
			bad["ons_code"] = "Enter the LA's ONS code, like E06000022"
		}
	case OrgICB, OrgProvider:
		if !odsCodeRE.MatchString(o.Code) {
			bad["code"] = "Enter the ODS code: 3 to 10 letters and numbers"
		}
		if o.ONSCode != "" && !anyONSRE.MatchString(o.ONSCode) {
			bad["ons_code"] = "Enter the ONS code: a letter and 8 digits, like E54000040"
		}
	}
	return bad
}

// parentFor settles an LA's or provider's ICB: the one named, which must be
// an ICB, or else the only ICB there is. An ICB has no parent.
func (t *tx) parentFor(ctx context.Context, o *Org, bad map[string]string) error {
	if o.Kind == OrgICB {
		if o.ParentID != 0 {
			bad["parent_id"] = "An ICB does not belong to another organisation"
		}
		return nil
	}
	if o.ParentID != 0 {
		var kind string
		err := t.queryRow(ctx, "SELECT kind FROM orgs WHERE id = ?", o.ParentID).Scan(&kind)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return mapErr(err, "find parent")
		}
		if kind != string(OrgICB) {
			bad["parent_id"] = "Choose the ICB this organisation belongs to"
		}
		return nil
	}
	rows, err := t.query(ctx, "SELECT id FROM orgs WHERE kind = 'icb' ORDER BY id LIMIT 2")
	if err != nil {
		return err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return mapErr(err, "scan icb")
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return mapErr(err, "list icbs")
	}
	switch len(ids) {
	case 0:
		bad["parent_id"] = "Add the ICB before its local authorities and providers"
	case 1:
		o.ParentID = ids[0]
	default:
		bad["parent_id"] = "Choose the ICB this organisation belongs to"
	}
	return nil
}

// duplicateOrg turns a unique violation into a message a person can act on.
func duplicateOrg(err error) error {
	if errs.Is(err, errs.Conflict) {
		return &errs.Error{Code: errs.Conflict, Message: "An organisation with this code already exists", Err: err}
	}
	return err
}

// CreateOrg adds an organisation, setting o.ID, o.Version (1) and, for an LA
// or provider, o.ParentID to the ICB when there is only one. A code already
// used by an organisation of the same kind is a conflict.
func (s *Store) CreateOrg(ctx context.Context, actor Actor, o *Org) error {
	bad := normaliseOrg(o)
	now := s.now()
	return s.write(ctx, func(t *tx) error {
		if err := t.parentFor(ctx, o, bad); err != nil {
			return err
		}
		if len(bad) > 0 {
			return errs.InvalidFields(bad)
		}
		id, err := t.insertID(ctx, `INSERT INTO orgs (kind, name, code, ons_code, parent_id, version, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, 1, ?, ?)`, string(o.Kind), o.Name, o.Code, o.ONSCode, nullID(o.ParentID), fmtTime(now), fmtTime(now))
		if err != nil {
			return duplicateOrg(err)
		}
		o.ID, o.Version, o.CreatedAt = id, 1, parseTime(fmtTime(now))
		return t.appendAudit(ctx, entry(actor, "org.create", "org", id, 0, OutcomeOK, "kind="+string(o.Kind)+" code="+o.Code))
	})
}

// ListOrgs returns the organisations of one kind ("" for all), by kind then name.
func (s *Store) ListOrgs(ctx context.Context, kind OrgKind) ([]Org, error) {
	q, args := "SELECT "+orgColumns+" FROM orgs o", []any{}
	if kind != "" {
		q += " WHERE o.kind = ?"
		args = append(args, string(kind))
	}
	rows, err := s.query(ctx, q+" ORDER BY o.kind, o.name, o.id", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Org
	for rows.Next() {
		o, err := scanOrg(rows)
		if err != nil {
			return nil, mapErr(err, "scan org")
		}
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, mapErr(err, "list orgs")
	}
	return out, nil
}

// GetOrg returns one organisation.
func (s *Store) GetOrg(ctx context.Context, id int64) (Org, error) {
	o, err := scanOrg(s.queryRow(ctx, "SELECT "+orgColumns+" FROM orgs o WHERE o.id = ?", id))
	if err != nil {
		return Org{}, scanErr(err, "No such organisation")
	}
	return o, nil
}

// FindLA finds a local authority by its DfE number ("800") or ONS code
// ("E06000022").
func (s *Store) FindLA(ctx context.Context, code string) (Org, error) {
	code = strings.ToUpper(strings.TrimSpace(code))
	if code == "" {
		return Org{}, errs.E(errs.NotFound, "No such local authority")
	}
	o, err := scanOrg(s.queryRow(ctx, "SELECT "+orgColumns+" FROM orgs o WHERE o.kind = 'la' AND (o.code = ? OR o.ons_code = ?)", code, code))
	if err != nil {
		return Org{}, scanErr(err, "No such local authority")
	}
	return o, nil
}

// FindOrgByCode finds an organisation of a kind by its code.
func (s *Store) FindOrgByCode(ctx context.Context, kind OrgKind, code string) (Org, error) {
	code = strings.ToUpper(strings.TrimSpace(code))
	o, err := scanOrg(s.queryRow(ctx, "SELECT "+orgColumns+" FROM orgs o WHERE o.kind = ? AND o.code = ?", string(kind), code))
	if err != nil {
		return Org{}, scanErr(err, "No such organisation")
	}
	return o, nil
}

// UpdateOrg saves an organisation's name, codes and ICB. Its kind cannot
// change. o.Version must be the version read; a stale one is a conflict and
// nothing is written. On success o.Version is the new version.
func (s *Store) UpdateOrg(ctx context.Context, actor Actor, o *Org) error {
	bad := normaliseOrg(o)
	return s.write(ctx, func(t *tx) error {
		var kind string
		var version int64
		err := t.queryRow(ctx, "SELECT kind, version FROM orgs WHERE id = ?"+s.forUpdate(), o.ID).Scan(&kind, &version)
		if err != nil {
			return scanErr(err, "No such organisation")
		}
		if OrgKind(kind) != o.Kind {
			bad["kind"] = "The kind of an organisation cannot be changed"
		}
		if version != o.Version {
			return errStale()
		}
		if err := t.parentFor(ctx, o, bad); err != nil {
			return err
		}
		if len(bad) > 0 {
			return errs.InvalidFields(bad)
		}
		n, err := t.execN(ctx, `UPDATE orgs SET name = ?, code = ?, ons_code = ?, parent_id = ?, version = version + 1, updated_at = ?
			WHERE id = ? AND version = ?`, o.Name, o.Code, o.ONSCode, nullID(o.ParentID), fmtTime(s.now()), o.ID, o.Version)
		if err != nil {
			return duplicateOrg(err)
		}
		if n != 1 {
			return errStale()
		}
		o.Version++
		return t.appendAudit(ctx, entry(actor, "org.update", "org", o.ID, 0, OutcomeOK, ""))
	})
}

// errStale is the conflict for an update made from an old version.
func errStale() error {
	return errs.E(errs.Conflict, "This record was changed by someone else after you opened it. Reload it to see their changes, then make yours again.")
}
