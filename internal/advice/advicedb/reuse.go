package advicedb

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"dco/internal/advice"
	"dco/internal/errs"
	"dco/internal/store"
)

// Advice already given, offered for reuse (SEND Regulations 2014 reg 6(4)).

// AdviceReuseMonths is the setting advice_reuse_months as it applies to
// ICB icbID (its own value, else the default): how old advice given for
// another purpose may be and still be offered for reuse. It is
// advice.DefaultReuseMonths when unset or unreadable. Pass the request's
// ICB.
func (s *DB) AdviceReuseMonths(ctx context.Context, icbID int64) int {
	n, err := adviceReuseMonths(ctx, s.st, icbID)
	if err != nil {
		return advice.DefaultReuseMonths
	}
	return n
}

// adviceReuseMonths reads advice_reuse_months for an ICB through r (the
// store, or a transaction); an
// unset or unusable value is advice.DefaultReuseMonths.
func adviceReuseMonths(ctx context.Context, r interface {
	SettingsFor(ctx context.Context, icbID int64, keys ...string) (map[string]store.Setting, error)
}, icbID int64) (int, error) {
	m, err := r.SettingsFor(ctx, icbID, "advice_reuse_months")
	if err != nil {
		return 0, err
	}
	v, ok := m["advice_reuse_months"]
	if !ok {
		return advice.DefaultReuseMonths, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(v.Value))
	if err != nil || n < 1 || n > 120 {
		return advice.DefaultReuseMonths, nil
	}
	return n, nil
}

// AdviceReuseCandidates lists advice already returned for the request's
// child, in dco, dated within the reuse period before the request was
// received: what can be offered for reuse under reg 6(4). Audited
// "advice.reuse_candidates" with the child.
func (s *DB) AdviceReuseCandidates(ctx context.Context, actor store.Actor, requestID int64) ([]Contribution, error) {
	const action = "advice.reuse_candidates"
	var out []Contribution
	err := s.adviceWrite(ctx, actor, action, requestID, func(t *store.Tx) error {
		r, err := requestInScope(ctx, t, actor, requestID, false)
		if err != nil {
			return err
		}
		months, err := adviceReuseMonths(ctx, t, r.ICBID)
		if err != nil {
			return err
		}
		if out, err = reuseCandidates(ctx, t, r, months); err != nil {
			return err
		}
		return t.AppendAudit(ctx, store.Entry(actor, action, "advice_request", requestID, r.ChildID, store.OutcomeOK, fmt.Sprintf("results=%d", len(out))))
	})
	return out, err
}

func reuseCandidates(ctx context.Context, t *store.Tx, r Request, months int) ([]Contribution, error) {
	from := advice.ReuseFrom(r.ReceivedOn, months)
	rows, err := t.Query(ctx, "SELECT "+contributionColumns+contributionFrom+`
		WHERE k.child_id = ? AND k.request_id <> ? AND k.kind IN ('advice', 'document')
		AND k.returned_on >= ? AND k.returned_on <= ? ORDER BY k.returned_on DESC, k.id DESC LIMIT 50`,
		r.ChildID, r.ID, from.String(), r.ReceivedOn.String())
	if err != nil {
		return nil, err
	}
	return store.ScanAll(rows, "contributions", scanContribution)
}

// reuseOf fills a.Reuse's source and date from the earlier contribution
// a.ReuseOfID, which must be one of the request's reuse candidates; the
// agreements recorded for this reuse are kept.
func reuseOf(ctx context.Context, t *store.Tx, r Request, months int, a *Answer) error {
	cands, err := reuseCandidates(ctx, t, r, months)
	if err != nil {
		return err
	}
	for _, c := range cands {
		if c.ID == a.ReuseOfID {
			a.Reuse.Source = fmt.Sprintf("%s advice returned on %s", advice.ServiceLabel(c.Service), c.ReturnedOn.Long())
			a.Reuse.Dated = c.ReturnedOn
			return nil
		}
	}
	return errs.InvalidFields(map[string]string{"reuse_of_id": fmt.Sprintf("Choose advice returned for this child in the %d months before the request", months)})
}
