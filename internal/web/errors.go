package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"

	"dco/internal/errs"
)

// statusFor is the one mapping from an error code to an HTTP status.
func statusFor(code errs.Code) int {
	switch code {
	case errs.Invalid:
		// 422 for what was sent; fail turns it into 400 for an API
		// request that could not be read at all.
		return http.StatusUnprocessableEntity
	case errs.NotFound:
		return http.StatusNotFound
	case errs.Conflict:
		return http.StatusConflict
	case errs.Forbidden:
		return http.StatusForbidden
	case errs.Unauthorized:
		return http.StatusUnauthorized
	case errs.Unavailable:
		return http.StatusServiceUnavailable
	case errs.TooMany:
		return http.StatusTooManyRequests
	}
	return http.StatusInternalServerError
}

// errMalformed marks an invalid-input error about the request itself (not
// JSON, an unknown field, a wrong type) rather than about what it says: the
// API answers those 400 Bad Request, and validation failures 422.
var errMalformed = errors.New("malformed request")

// malformed returns an invalid-input error for a request that could not be
// read at all.
func malformed(message string, fields map[string]string) error {
	return &errs.Error{Code: errs.Invalid, Message: message, Fields: fields, Err: errMalformed}
}

// fail is the one place an error becomes a response. An internal error is
// logged here, once, with the request id; the person sees a plain page that
// reveals nothing of the cause. Forms that can re-show themselves handle
// invalid input and conflicts through failForm first.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	st := state(r)
	code := errs.CodeOf(err)
	switch code {
	case errs.Internal:
		s.log.Error("internal error", "id", st.id, "route", st.pattern, "err", err)
	case errs.Unavailable:
		s.log.Warn("service unavailable", "id", st.id, "route", st.pattern, "err", err)
	}
	status := statusFor(code)
	if st.api {
		if code == errs.Invalid && errors.Is(err, errMalformed) {
			status = http.StatusBadRequest
		}
		if code == errs.Unauthorized {
			w.Header().Set("WWW-Authenticate", `Bearer realm="dco"`)
		}
		writeJSONError(w, status, code, err)
		return
	}
	if code == errs.Unauthorized {
		next := "/"
		if r.Method == http.MethodGet {
			next = r.URL.RequestURI()
		}
		target := "/sign-in"
		if n := safeNext(next); n != "/" {
			target += "?next=" + url.QueryEscape(n)
		}
		http.Redirect(w, r, target, http.StatusSeeOther)
		return
	}
	if code == errs.Invalid {
		// A request no form handles (a bad id in a link): say so plainly.
		s.renderErrorMessage(w, r, http.StatusBadRequest, errs.MessageOf(err))
		return
	}
	s.renderError(w, r, status)
}

// failForm handles an error from saving a form. Invalid input, conflicts
// (a stale version, a duplicate) and too many attempts re-show the form
// with the error summary and the person's input kept; anything else goes
// to fail.
func (s *Server) failForm(w http.ResponseWriter, r *http.Request, err error, reshow func(status int, fields map[string]string)) {
	switch code := errs.CodeOf(err); code {
	case errs.Invalid:
		fields := errs.FieldsOf(err)
		if len(fields) == 0 {
			fields = map[string]string{"": errs.MessageOf(err)}
		}
		reshow(statusFor(code), fields)
	case errs.Conflict, errs.TooMany:
		fields := errs.FieldsOf(err)
		if len(fields) == 0 {
			fields = map[string]string{"": errs.MessageOf(err)}
		}
		reshow(statusFor(code), fields)
	default:
		s.fail(w, r, err)
	}
}

// staleToMessage words a stale-version conflict (one that names no field;
// a duplicate names the field it clashes on) as the NHS.UK pattern for
// someone else having saved first.
func staleToMessage(err error) error {
	if errs.Is(err, errs.Conflict) && len(errs.FieldsOf(err)) == 0 {
		return &errs.Error{Code: errs.Conflict, Message: conflictMessage, Err: err}
	}
	return err
}

// conflictMessage is shown when someone else saved the record first.
const conflictMessage = "This record was changed by someone else while you were editing. " +
	"Your changes have not been saved. Check the record and try again."

// errorPages holds the heading and body of each error page. They say what to
// do next and reveal nothing about the request.
var errorPages = map[int]struct{ Title, Body string }{
	http.StatusBadRequest:          {"There is a problem with this request", "Go back and try again."},
	http.StatusForbidden:           {"You do not have permission to see this page", "If you think you should, contact your DCO team or the service administrator."},
	http.StatusNotFound:            {"Page not found", "If you typed the web address, check it is correct. If you pasted the web address, check you copied the entire address."},
	http.StatusMethodNotAllowed:    {"Page not found", "This page cannot be used in that way. Go back and try again."},
	http.StatusConflict:            {"This record was changed by someone else", "Go back, check the record and try again."},
	http.StatusTooManyRequests:     {"Too many requests", "Wait a few minutes and try again."},
	http.StatusInternalServerError: {"Sorry, there is a problem with the service", "Try again later. If the problem continues, contact the service administrator and quote the reference below."},
	http.StatusServiceUnavailable:  {"Sorry, the service is unavailable", "You will be able to use the service later. Nothing you saved before this has been lost."},
}

// errorPage is the data of the error page.
type errorPage struct {
	page
	Heading string
	Body    string
	ShowRef bool
}

// renderError draws the styled error page for a status.
func (s *Server) renderError(w http.ResponseWriter, r *http.Request, status int) {
	s.renderErrorMessage(w, r, status, "")
}

func (s *Server) renderErrorMessage(w http.ResponseWriter, r *http.Request, status int, body string) {
	if state(r).api {
		writeJSONError(w, status, codeForStatus(status), errs.E(codeForStatus(status), "%s", http.StatusText(status)))
		return
	}
	ep, ok := errorPages[status]
	if !ok {
		ep = errorPages[http.StatusInternalServerError]
	}
	if body == "" {
		body = ep.Body
	}
	p := &errorPage{Heading: ep.Title, Body: body, ShowRef: status >= 500}
	p.Title = ep.Title
	p.Back = "/"
	p.BackText = "Go to the home page"
	s.render(w, r, status, "error.html", p)
}

// notFound is the styled 404 page, for unknown paths and for records the
// caller may not see: the two look the same, so an id guess learns nothing.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.renderError(w, r, http.StatusNotFound)
}

// codeForStatus turns a status the mux chose (404, 405) into a code for a
// JSON error body.
func codeForStatus(status int) errs.Code {
	switch status {
	case http.StatusNotFound, http.StatusMethodNotAllowed:
		return errs.NotFound
	case http.StatusForbidden:
		return errs.Forbidden
	case http.StatusUnauthorized:
		return errs.Unauthorized
	case http.StatusConflict:
		return errs.Conflict
	case http.StatusBadRequest, http.StatusUnprocessableEntity:
		return errs.Invalid
	case http.StatusServiceUnavailable:
		return errs.Unavailable
	case http.StatusTooManyRequests:
		return errs.TooMany
	}
	return errs.Internal
}

// jsonError is the body of every API error:
// {"error":{"code":"invalid","message":"…","fields":{"nhs_number":"…"}}}.
type jsonError struct {
	Error jsonErrorBody `json:"error"`
}

type jsonErrorBody struct {
	Code    errs.Code         `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

func writeJSONError(w http.ResponseWriter, status int, code errs.Code, err error) {
	body := jsonError{Error: jsonErrorBody{Code: code, Message: errs.MessageOf(err)}}
	if code == errs.Invalid {
		body.Error.Fields = errs.FieldsOf(err)
	}
	writeJSON(w, status, body)
}

// writeJSON writes v as the response body.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}
