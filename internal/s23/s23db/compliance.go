package s23db

import (
	"context"
	"fmt"
	"slices"

	"dco/internal/s23"
	"dco/internal/send"
	"dco/internal/store"
)

// Compliance works out each provider's compliance for the days first to
// last under a local standard of standardDays (s23.ComplianceFor): the one
// definition the oversight page, its downloads and the API share. A DCO
// sees their ICB's providers, a provider its own figures, an LA the
// notifications made to it. It reads no child's details, so it is not
// audited.
func (s *DB) Compliance(ctx context.Context, actor store.Actor, first, last send.Date, standardDays int) ([]s23.Compliance, s23.Compliance, error) {
	scope, args, err := s23Scope(actor, "n")
	if err != nil {
		if e, ok := store.Refused(err); ok {
			return nil, s23.Compliance{}, e
		}
		return nil, s23.Compliance{}, err
	}
	// Three disjoint parts, each served by an index on (scope, la_notified_on,
	// parent_informed_on): told in the period; informed by its end and not
	// told; informed by its end and told after it.
	f, l := first.String(), last.String()
	part := `SELECT n.provider_org_id, p.name, n.kind, n.parent_informed_on, n.discussion_offered_on, n.la_notified_on
		FROM s23_notifications n JOIN orgs p ON p.id = n.provider_org_id WHERE ` + scope + ` AND n.kind = 's23' AND `
	rows, err := s.st.Query(ctx, part+`n.la_notified_on >= ? AND n.la_notified_on <= ?
		UNION ALL `+part+`n.la_notified_on = '' AND n.parent_informed_on <> '' AND n.parent_informed_on <= ?
		UNION ALL `+part+`n.la_notified_on > ? AND n.parent_informed_on <> '' AND n.parent_informed_on <= ?`,
		slices.Concat(args, []any{f, l}, args, []any{l}, args, []any{l, l})...)
	if err != nil {
		return nil, s23.Compliance{}, err
	}
	defer rows.Close()
	var rs []s23.Record
	for rows.Next() {
		var r s23.Record
		var kind, parent, offered, notified string
		if err := rows.Scan(&r.ProviderID, &r.ProviderName, &kind, &parent, &offered, &notified); err != nil {
			return nil, s23.Compliance{}, store.MapErr(err, "scan compliance")
		}
		r.Kind = s23.Kind(kind)
		for _, x := range []struct {
			v string
			d *send.Date
		}{{parent, &r.Steps.ParentInformedOn}, {offered, &r.Steps.DiscussionOfferedOn}, {notified, &r.Steps.LANotifiedOn}} {
			if x.v != "" {
				if *x.d, err = send.ParseDate(x.v); err != nil {
					return nil, s23.Compliance{}, fmt.Errorf("compliance date: %w", err)
				}
			}
		}
		rs = append(rs, r)
	}
	if err := rows.Err(); err != nil {
		return nil, s23.Compliance{}, store.MapErr(err, "read compliance")
	}
	by, total := s23.ComplianceFor(rs, first, last, standardDays)
	return by, total, nil
}
