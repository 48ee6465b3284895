package adviceweb

import (
	"context"
	"net/http"
	"strings"

	"dco/internal/advice"
	"dco/internal/advice/advicedb"
	"dco/internal/errs"
	"dco/internal/send"
	"dco/internal/store"
)

var advicePatchFields = map[string]bool{"la_reference": true, "received_on": true, "assessment_requested_on": true,
	"services_requested": true, "request_note": true, "status": true, "returned_on": true, "withdrawn_on": true,
	"response_note": true, "exception": true, "clear_exception": true, "version": true}

// apiAdvicePatch changes a request: its details; "status": "withdrawn"
// (with withdrawn_on) to withdraw it; "status": "returned" (with
// returned_on) to send the combined response, the DCO only; an exception
// recorded or cleared, the DCO only. version is the version last read:
// a stale one is a conflict, so two clients returning the same request
// cannot both succeed.
//
// Each call makes one change, in one store transaction, so that it is
// all or nothing: details sent together with a status or an exception are
// refused (422, naming every field), since a status change that failed
// after the details were saved would leave them changed.
func (s *Web) apiAdvicePatch(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := s.Actor(r)
	// The request first: one the caller may not see is "not found",
	// whatever the body says.
	rq, clock, ok := s.loadAdvice(w, r)
	if !ok {
		return
	}
	req, err := decodeAdviceJSON(r, advicePatchFields)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	if err := s.applyAdvicePatch(ctx, actor, rq, req); err != nil {
		s.Fail(w, r, err)
		return
	}
	got, err := s.db.GetAdviceRequest(ctx, actor, rq.ID)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.writeAdvice(w, r, http.StatusOK, got, clock)
}

// applyAdvicePatch makes the one change a PATCH asks for: the details, an
// exception, a return or a withdrawal.
func (s *Web) applyAdvicePatch(ctx context.Context, actor store.Actor, rq advicedb.Request, req adviceRequestJSON) error {
	if req.Version == nil {
		return errs.InvalidFields(map[string]string{"version": "Send the version of the record you last read"})
	}
	cal, err := s.adviceCalendar(ctx)
	if err != nil {
		return err
	}
	version := *req.Version
	status := strings.TrimSpace(str(req.Status))
	details := req.sendsDetails()
	if bad := checkAdvicePatchOneChange(req, status, details); len(bad) > 0 {
		return errs.InvalidFields(bad)
	}
	if details {
		if version, err = s.patchAdviceDetails(ctx, actor, cal, rq, version, req); err != nil {
			return err
		}
	}
	switch {
	case req.Exception != nil || req.ClearException:
		return s.patchAdviceException(ctx, actor, rq.ID, version, req)
	case status == string(advice.StateReturned):
		return s.patchAdviceReturn(ctx, actor, rq.ID, version, req)
	case status == string(advice.StateWithdrawn):
		return s.patchAdviceWithdraw(ctx, actor, rq.ID, version, req)
	case !details:
		return errs.InvalidFields(map[string]string{"": "Send at least one field to change"})
	}
	return nil
}

// sendsDetails reports whether a PATCH sends any of the request's details.
func (req adviceRequestJSON) sendsDetails() bool {
	return req.LAReference != nil || req.ReceivedOn != nil || req.AssessmentRequestedOn != nil ||
		req.ServicesRequested != nil || req.RequestNote != nil
}

// checkAdvicePatchOneChange refuses a status it does not know, and a PATCH
// that asks for more than one change, naming every field sent with another.
func checkAdvicePatchOneChange(req adviceRequestJSON, status string, details bool) map[string]string {
	bad := map[string]string{}
	if status != "" && status != string(advice.StateReturned) && status != string(advice.StateWithdrawn) {
		bad["status"] = "Status can be set to returned or withdrawn"
	}
	if (req.Exception != nil || req.ClearException) && status != "" {
		bad["exception"] = "Record the exception in its own request, before the status changes"
	}
	if details && (status != "" || req.Exception != nil || req.ClearException) {
		const msg = "Change the details in a request of their own: details and a status or an exception cannot be changed together"
		for field, sent := range map[string]bool{"la_reference": req.LAReference != nil, "received_on": req.ReceivedOn != nil,
			"assessment_requested_on": req.AssessmentRequestedOn != nil, "services_requested": req.ServicesRequested != nil,
			"request_note": req.RequestNote != nil} {
			if sent {
				bad[field] = msg
			}
		}
		switch {
		case status != "":
			bad["status"] = "Change the status in a request of its own, with only version and its date: details cannot be changed with it"
		case req.Exception != nil:
			bad["exception"] = "Record the exception in a request of its own: details cannot be changed with it"
		default:
			bad["clear_exception"] = "Clear the exception in a request of its own: details cannot be changed with it"
		}
	}
	return bad
}

// patchAdviceDetails changes the details a PATCH sends and returns the
// request's new version.
func (s *Web) patchAdviceDetails(ctx context.Context, actor store.Actor, cal *send.Calendar, rq advicedb.Request,
	version int64, req adviceRequestJSON) (int64, error) {
	bad := map[string]string{}
	up := rq
	up.Version = version
	if req.LAReference != nil {
		up.LAReference = *req.LAReference
	}
	if req.ReceivedOn != nil {
		up.ReceivedOn = apiDate(bad, "received_on", req.ReceivedOn)
	}
	if req.AssessmentRequestedOn != nil {
		up.AssessmentRequestedOn = apiDate(bad, "assessment_requested_on", req.AssessmentRequestedOn)
	}
	if req.ServicesRequested != nil {
		codes, unknown := advice.JoinServices(*req.ServicesRequested)
		if len(unknown) > 0 {
			bad["services_requested"] = "Use service codes from the API description"
		}
		up.ServicesRequested = codes
	}
	if req.RequestNote != nil {
		up.RequestNote = *req.RequestNote
	}
	if len(bad) > 0 {
		return 0, errs.InvalidFields(bad)
	}
	if err := s.db.UpdateAdviceRequest(ctx, actor, cal, &up); err != nil {
		return 0, err
	}
	return up.Version, nil
}

// patchAdviceException records the exception a PATCH sends, or clears it.
func (s *Web) patchAdviceException(ctx context.Context, actor store.Actor, id, version int64, req adviceRequestJSON) error {
	var e advice.Exception
	if !req.ClearException {
		bad := map[string]string{}
		e = advice.Exception{Kind: send.Exception(req.Exception.Kind), Reason: req.Exception.Reason}
		on := req.Exception.On
		e.On = apiDate(bad, "exception_on", &on)
		if len(bad) > 0 {
			return errs.InvalidFields(bad)
		}
	}
	_, err := s.db.RecordAdviceException(ctx, actor, id, version, e)
	return err
}

// patchAdviceReturn sends the combined response on the date returned_on.
func (s *Web) patchAdviceReturn(ctx context.Context, actor store.Actor, id, version int64, req adviceRequestJSON) error {
	bad := map[string]string{}
	on := apiDate(bad, "returned_on", req.ReturnedOn)
	if on.IsZero() && bad["returned_on"] == "" {
		bad["returned_on"] = "Send the date the response was returned, YYYY-MM-DD"
	}
	if len(bad) > 0 {
		return errs.InvalidFields(bad)
	}
	_, err := s.db.ReturnAdviceRequest(ctx, actor, id, version, on, str(req.ResponseNote))
	return err
}

// patchAdviceWithdraw withdraws the request on the date withdrawn_on.
func (s *Web) patchAdviceWithdraw(ctx context.Context, actor store.Actor, id, version int64, req adviceRequestJSON) error {
	bad := map[string]string{}
	on := apiDate(bad, "withdrawn_on", req.WithdrawnOn)
	if on.IsZero() && bad["withdrawn_on"] == "" {
		bad["withdrawn_on"] = "Send the date the request was withdrawn, YYYY-MM-DD"
	}
	if len(bad) > 0 {
		return errs.InvalidFields(bad)
	}
	return s.db.WithdrawAdviceRequest(ctx, actor, id, version, on)
}
