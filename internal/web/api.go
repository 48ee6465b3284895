package web

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"dco/internal/errs"
	"dco/internal/send"
	"dco/internal/store"
)

// openAPI is the hand-written description of the JSON API. A test checks
// that every API route in routes.go appears in it.
//
//go:embed openapi.json
var openAPI []byte

func (s *Server) apiOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_, _ = w.Write(openAPI)
}

// childJSON is a child as the API returns it. Derived fields are computed
// on the day of the request, never stored.
type childJSON struct {
	ID          int64       `json:"id"`
	NHSNumber   string      `json:"nhs_number"`
	GivenName   string      `json:"given_name"`
	FamilyName  string      `json:"family_name"`
	DateOfBirth send.Date   `json:"date_of_birth"`
	Postcode    string      `json:"postcode"`
	LACode      string      `json:"la_code"`
	LAName      string      `json:"la_name"`
	Setting     string      `json:"setting"`
	Flags       store.Flags `json:"flags"`
	Version     int64       `json:"version"`
	Derived     derivedJSON `json:"derived"`
}

// derivedJSON is what dco works out from the date of birth.
type derivedJSON struct {
	Age                      int         `json:"age"`
	CompulsorySchoolAgeFrom  send.Date   `json:"compulsory_school_age_from"`
	CompulsorySchoolAgeUntil send.Date   `json:"compulsory_school_age_until"`
	Status                   send.Status `json:"status"`
	NCYear                   string      `json:"nc_year"`
	SEN2AgeBand              string      `json:"sen2_age_band"`
}

// laCodes maps LA ids to their DfE codes, for child JSON.
func (s *Server) laCodes(ctx context.Context) (map[int64]string, error) {
	las, err := s.store.ListOrgs(ctx, store.OrgLA)
	if err != nil {
		return nil, err
	}
	m := make(map[int64]string, len(las))
	for _, o := range las {
		m[o.ID] = o.Code
	}
	return m, nil
}

func (s *Server) toJSON(c store.Child, codes map[int64]string) childJSON {
	d := send.Derive(c.DateOfBirth, send.Today(s.now()))
	return childJSON{
		ID: c.ID, NHSNumber: string(c.NHSNumber), GivenName: c.GivenName, FamilyName: c.FamilyName,
		DateOfBirth: c.DateOfBirth, Postcode: c.Postcode, LACode: codes[c.LAID], LAName: c.LAName,
		Setting: c.Setting, Flags: c.Flags, Version: c.Version,
		Derived: derivedJSON{
			Age: d.Age, CompulsorySchoolAgeFrom: d.CompulsorySchoolAgeFrom, CompulsorySchoolAgeUntil: d.CompulsorySchoolAgeUntil,
			Status: d.Status, NCYear: d.NCYear, SEN2AgeBand: d.SEN2AgeBand,
		},
	}
}

// childRequest is the JSON body of POST and PATCH. Every field is optional
// in the decoding: a POST starts from an empty child and a PATCH from the
// stored one, each field present replaces what is there, and the result
// goes through the same validateChild as the HTML form.
type childRequest struct {
	NHSNumber        *string     `json:"nhs_number"`
	GivenName        *string     `json:"given_name"`
	FamilyName       *string     `json:"family_name"`
	DateOfBirth      *string     `json:"date_of_birth"`
	Postcode         *string     `json:"postcode"`
	LACode           *string     `json:"la_code"`
	Setting          *string     `json:"setting"`
	Flags            *flagsPatch `json:"flags"`
	Version          *int64      `json:"version"`
	ConfirmDuplicate bool        `json:"confirm_duplicate"`
}

// flagsPatch sets some or all of the flags.
type flagsPatch map[string]bool

// decodeChildJSON reads a child request, refusing what it does not know: an
// unknown property is named in the error rather than silently ignored, so a
// client's typo does not look like a saved value.
func decodeChildJSON(r *http.Request) (childRequest, error) {
	var req childRequest
	known := map[string]bool{"nhs_number": true, "given_name": true, "family_name": true, "date_of_birth": true,
		"postcode": true, "la_code": true, "setting": true, "flags": true, "version": true, "confirm_duplicate": true}
	if err := decodeStrict(r, &req, known, nil, "The request has fields this API does not know"); err != nil {
		return req, err
	}
	if req.Flags != nil {
		valid := map[string]bool{}
		for _, fl := range flagList {
			valid[fl.Name] = true
		}
		bad := map[string]string{}
		for k := range *req.Flags {
			if !valid[k] {
				bad["flags."+k] = "Unknown flag: remove it"
			}
		}
		if len(bad) > 0 {
			return req, malformed("The request has flags this API does not know", bad)
		}
	}
	return req, nil
}

// decodeStrict reads a JSON object from the request body into dst. Every
// API decodes through it, so all of them refuse the same way: a body over
// the size limit, a body that is not an object, any property not in known
// (or, for an object-valued property p, not in nested[p]) and any text that
// is not UTF-8 (jsonNotUTF8) are named in a 400 rather than ignored or
// quietly replaced, and a value of the wrong type names its field.
func decodeStrict(r *http.Request, dst any, known map[string]bool, nested map[string]map[string]bool, unknownMessage string) error {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return malformed("The request body must be 1 MiB or smaller", nil)
		}
		return malformed("The request body could not be read", nil)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil || raw == nil {
		return malformed("The request body must be a JSON object", nil)
	}
	bad := map[string]string{}
	for k, v := range raw {
		if !known[k] {
			bad[k] = "Unknown field: remove it"
			continue
		}
		if sub, ok := nested[k]; ok {
			var inner map[string]json.RawMessage
			if json.Unmarshal(v, &inner) == nil {
				for ik := range inner {
					if !sub[ik] {
						bad[k+"."+ik] = "Unknown field: remove it"
					}
				}
			}
		}
	}
	if len(bad) > 0 {
		return malformed(unknownMessage, bad)
	}
	if field, ok := jsonNotUTF8(body); ok {
		return errNotUTF8(field)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return malformed("A field has the wrong type", map[string]string{te.Field: "Must be a JSON " + jsonKind(te.Type.Kind().String())})
		}
		return malformed("The request body is not valid JSON", nil)
	}
	return nil
}

func jsonKind(k string) string {
	switch k {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "map", "struct":
		return "object"
	case "ptr":
		return "value of the documented type"
	}
	return "number"
}

// apply lays the request over in (empty for POST, the stored child for
// PATCH).
func (req childRequest) apply(in childInput) childInput {
	in.DOBFromForm = false
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&in.NHSNumber, req.NHSNumber)
	set(&in.GivenName, req.GivenName)
	set(&in.FamilyName, req.FamilyName)
	set(&in.DOBText, req.DateOfBirth)
	set(&in.Postcode, req.Postcode)
	set(&in.LACode, req.LACode)
	set(&in.Setting, req.Setting)
	if req.Flags != nil {
		for _, fl := range flagList {
			if v, ok := (*req.Flags)[fl.Name]; ok {
				*fl.field(&in.Flags) = v
			}
		}
	}
	if req.Version != nil {
		in.Version = *req.Version
	}
	in.ConfirmDuplicate = req.ConfirmDuplicate
	return in
}

// listJSON is a page of results.
type listJSON struct {
	Items []childJSON `json:"items"`
	Total int         `json:"total"`
}

func (s *Server) apiChildList(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := state(r).actor(r)
	q := r.URL.Query()
	f := store.ChildFilter{Query: strings.TrimSpace(q.Get("q")), Limit: 50}
	bad := map[string]string{}
	if v := strings.TrimSpace(q.Get("dob")); v != "" {
		d, err := send.ParseDate(v)
		if err != nil {
			bad["dob"] = "Date of birth must be a real date, written YYYY-MM-DD"
		}
		f.DateOfBirth = d
	}
	if v := strings.TrimSpace(q.Get("la")); v != "" {
		org, err := s.store.FindLA(ctx, v)
		switch {
		case errs.Is(err, errs.NotFound):
			bad["la"] = "No local authority has this code"
		case err != nil:
			s.fail(w, r, err)
			return
		default:
			f.LAID = org.ID
		}
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 200 {
			bad["limit"] = "Limit must be a whole number from 1 to 200"
		}
		f.Limit = n
	}
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			bad["offset"] = "Offset must be a whole number, 0 or more"
		}
		f.Offset = n
	}
	if len(bad) > 0 {
		s.fail(w, r, errs.InvalidFields(bad))
		return
	}
	children, total, err := s.store.SearchChildren(ctx, actor, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	codes, err := s.laCodes(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := listJSON{Items: []childJSON{}, Total: total}
	for _, c := range children {
		out.Items = append(out.Items, s.toJSON(c, codes))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiChildGet(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	c, err := s.store.GetChild(ctx, state(r).actor(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeChild(w, r, http.StatusOK, c)
}

func (s *Server) writeChild(w http.ResponseWriter, r *http.Request, status int, c store.Child) {
	codes, err := s.laCodes(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, status, s.toJSON(c, codes))
}

// registrationSentJSON is the 202 answer to registering a child whose NHS
// number dco holds in another ICB: the registration is a request for the
// caller's DCO team (store.RegistrationSent), and says no more than that.
type registrationSentJSON struct {
	Status  string `json:"status"`
	Message string `json:"message"`
}

func (s *Server) apiChildCreate(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := state(r).actor(r)
	req, err := decodeChildJSON(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	in := req.apply(childInput{})
	c, err := s.validateChild(ctx, actor, in, 0)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !in.ConfirmDuplicate {
		dups, err := s.likelyDuplicates(ctx, actor, c)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if len(dups) > 0 {
			s.fail(w, r, errs.E(errs.Conflict, "A child with the same name and date of birth is already registered "+
				"with another NHS number. Check the NHS number; to register this child anyway, send \"confirm_duplicate\": true."))
			return
		}
	}
	if err := s.store.CreateChild(ctx, actor, &c); err != nil {
		if sent := (*store.RegistrationSent)(nil); errors.As(err, &sent) {
			// A request for the DCO team (store/registration.go): accepted,
			// not yet registered.
			writeJSON(w, http.StatusAccepted, registrationSentJSON{Status: "sent_to_dco_team", Message: store.MsgRegistrationSent + "."})
			return
		}
		s.fail(w, r, storeFields(err))
		return
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/children/%d", c.ID))
	s.writeChild(w, r, http.StatusCreated, c)
}

func (s *Server) apiChildPatch(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := state(r).actor(r)
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	req, err := decodeChildJSON(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if req.Version == nil {
		s.fail(w, r, errs.InvalidFields(map[string]string{"version": "Send the version of the record you last read"}))
		return
	}
	cur, err := s.store.GetChild(ctx, actor, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	code, err := s.laCode(ctx, cur.LAID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	in := req.apply(inputFromChild(cur, code))
	c, err := s.validateChild(ctx, actor, in, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.store.UpdateChild(ctx, actor, &c); err != nil {
		s.fail(w, r, storeFields(err))
		return
	}
	s.writeChild(w, r, http.StatusOK, c)
}
