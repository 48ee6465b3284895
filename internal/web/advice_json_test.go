package web

import (
	"strconv"

	"dco/internal/advice"
	"dco/internal/advice/advicedb"
	"dco/internal/send"
)

// The advice API's answers as these tests decode them: the workflow's web
// package (internal/advice/adviceweb) imports this one, so its own types
// cannot be named here; these are the fields of its openapi.json shapes.

type adviceJSON struct {
	ID                    int64              `json:"id"`
	Child                 adviceChildJSON    `json:"child"`
	LACode                string             `json:"la_code"`
	LAName                string             `json:"la_name"`
	LAReference           string             `json:"la_reference"`
	ReceivedOn            send.Date          `json:"received_on"`
	DueOn                 send.Date          `json:"due_on"`
	DueText               string             `json:"due_text,omitempty"`
	AssessmentRequestedOn send.Date          `json:"assessment_requested_on"`
	FinalPlanDueOn        send.Date          `json:"final_plan_due_on"`
	ServicesRequested     []string           `json:"services_requested"`
	State                 advice.State       `json:"state"`
	Status                advice.Status      `json:"status"`
	StatusLabel           string             `json:"status_label"`
	Triage                advice.Triage      `json:"triage"`
	KnownServices         []string           `json:"known_services"`
	ReturnedOn            send.Date          `json:"returned_on"` // returned, or withdrawn (openapi.json)
	Outcome               advice.Outcome     `json:"outcome"`
	OnTime                *bool              `json:"on_time"`
	CountedInMeasure      *bool              `json:"counted_in_measure"`
	Exception             *exceptionJSON     `json:"exception"`
	Imported              bool               `json:"imported"`
	Contributions         []contributionJSON `json:"contributions"`
	ContributionsHidden   bool               `json:"contributions_hidden,omitempty"`
	Version               int64              `json:"version"`
}

type adviceChildJSON struct {
	ID          int64     `json:"id"`
	NHSNumber   string    `json:"nhs_number"`
	GivenName   string    `json:"given_name"`
	FamilyName  string    `json:"family_name"`
	DateOfBirth send.Date `json:"date_of_birth"`
}

type exceptionJSON struct {
	Kind   send.Exception `json:"kind"`
	Reason string         `json:"reason"`
	On     send.Date      `json:"on"`
}

type contributionJSON struct {
	ID         int64          `json:"id"`
	Service    string         `json:"service"`
	Assignee   string         `json:"assignee"`
	Kind       advice.Kind    `json:"kind"`
	ReturnedOn send.Date      `json:"returned_on"`
	Advice     *advice.Advice `json:"advice,omitempty"`
	Checks     *advice.Checks `json:"checks,omitempty"`
	Reuse      *reuseJSON     `json:"reuse,omitempty"`
	Document   *documentJSON  `json:"document,omitempty"`
	Exception  *exceptionJSON `json:"exception"`
	Version    int64          `json:"version"`
}

type reuseJSON struct {
	Source       string    `json:"source"`
	Dated        send.Date `json:"dated"`
	AuthorAgreed bool      `json:"author_agreed"`
	LAAgreed     bool      `json:"la_agreed"`
	FamilyAgreed bool      `json:"family_agreed"`
}

type documentJSON struct {
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
	Href        string `json:"href"`
}

type adviceListJSON struct {
	Items []adviceJSON `json:"items"`
	Total int          `json:"total"`
}

// advice is the advice workflow's store on the test server's store.
func (e *env) advice() *advicedb.DB { return advicedb.New(e.store) }

// advicePath is the address of a request's page.
func advicePath(id int64) string { return "/advice-requests/" + strconv.FormatInt(id, 10) }
