package advicedb

import (
	"context"
	"strings"
	"unicode/utf8"

	"dco/internal/advice"
	"dco/internal/errs"
	"dco/internal/store"
)

// Triage: which services the child is known to.

// TriageAdviceRequest records the DCO's triage of an open request: whether
// the child is known to health services, not known to any, or on a waiting
// list, which services, and a note. version must be the version read.
// Audited "advice.triage".
func (s *DB) TriageAdviceRequest(ctx context.Context, actor store.Actor, id, version int64, triage advice.Triage, services []string, note string) (int64, error) {
	const action = "advice.triage"
	if !isDCO(actor) {
		s.st.Refuse(ctx, actor, action, "advice_request", id, 0)
		return 0, errs.E(errs.Forbidden, "Only the DCO team can triage advice requests")
	}
	bad := map[string]string{}
	if _, err := advice.ParseTriage(string(triage)); err != nil || triage == "" {
		bad["triage"] = "Select whether the child is known to health services, not known, or on a waiting list"
	}
	codes, unknown := advice.JoinServices(services)
	if len(unknown) > 0 {
		bad["known_services"] = "Choose services from the list"
	}
	if triage != advice.TriageNotKnown && triage != "" && codes == "" {
		bad["known_services"] = "Select the services that know the child, or hold the waiting list"
	}
	note = strings.TrimSpace(note)
	if utf8.RuneCountInString(note) > 2000 {
		bad["triage_note"] = "The note must be 2000 characters or fewer"
	}
	if triage == advice.TriageNotKnown {
		codes = ""
	}
	at := store.FmtTime(s.st.Clock())
	err := s.adviceWrite(ctx, actor, action, id, func(t *store.Tx) error {
		cur, err := requestInScope(ctx, t, actor, id, true)
		if err != nil {
			return err
		}
		if len(bad) > 0 {
			return errs.InvalidFields(bad)
		}
		if cur.State != advice.StateOpen {
			return errs.E(errs.Conflict, "This request has been %s and can no longer be triaged", cur.State)
		}
		n, err := t.ExecN(ctx, `UPDATE advice_requests SET triage = ?, known_services = ?, triage_note = ?, triaged_at = ?,
			triaged_by = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
			string(triage), codes, note, at, actor.UserID, at, id, version)
		if err != nil {
			return err
		}
		if n != 1 {
			return store.ErrStale()
		}
		return t.AppendAudit(ctx, store.Entry(actor, action, "advice_request", id, cur.ChildID, store.OutcomeOK, "triage="+string(triage)))
	})
	if err != nil {
		return 0, err
	}
	return version + 1, nil
}
