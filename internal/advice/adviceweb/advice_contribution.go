package adviceweb

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"dco/internal/advice"
	"dco/internal/advice/advicedb"
	"dco/internal/errs"
	"dco/internal/send"
	"dco/internal/store"
	"dco/internal/web"
)

// --- a contribution answered (the clinician) ---

// provisionLines is how many lines of provision the form offers.
const provisionLines = 6

// adviceContributionPage is where a clinician answers their part: advice
// written, a document, not known to the service, or existing advice
// reused; and where they record a reg 8(2) exception.
type adviceContributionPage struct {
	web.Page
	R          advicedb.Request
	Row        adviceRow
	Part       contributionView
	Open       string // which answer's section is open: advice, document, not_known, reuse, exception
	Advice     advice.Advice
	Lines      []provisionLine
	Checks     advice.Checks
	Returned   web.DateParts
	Candidates []option
	ReuseMonth int
	Reuse      advice.Reuse
	ReuseDated web.DateParts
	Exceptions []option
	ExcReason  string
	ExcOn      web.DateParts
	Action     string
	Version    int64
}

// provisionLine is one line of the provision table on the form.
type provisionLine struct {
	N int
	advice.Provision
	Err bool
}

var contributionFields = []string{"", "kind", "needs", "provision", "outcomes", "returned_on", "document", "doc_returned_on",
	"checks", "checks_note", "nk_returned_on", "reuse_of_id", "reuse_source", "reuse_dated", "reuse_agreed", "reuse_returned_on",
	"exception", "exception_reason", "exception_on"}

var contributionAnchors = map[string]string{"returned_on": "returned_on-day", "nk_returned_on": "nk_returned_on-day",
	"doc_returned_on": "doc_returned_on-day", "reuse_returned_on": "reuse_returned_on-day", "reuse_dated": "reuse_dated-day",
	"exception_on": "exception_on-day", "checks": "checks-records_reviewed", "provision": "provision-1-who",
	"reuse_of_id": "reuse_of_id-other", "reuse_agreed": "reuse_agreed-author"}

func (s *Web) contributionPageFor(ctx context.Context, actor store.Actor, rq advicedb.Request, c advicedb.Contribution, clock advice.Clock) (*adviceContributionPage, error) {
	var part contributionView
	for _, v := range s.contributionViews(actor, rq, clock) {
		if v.C.ID == c.ID {
			part = v
		}
	}
	p := &adviceContributionPage{R: rq, Row: toAdviceRow(rq, clock), Part: part, Advice: c.Advice, Checks: c.Checks,
		Returned: web.DatePartsOf(send.Today(s.Now())), Reuse: c.Reuse, ReuseDated: web.DatePartsOf(c.Reuse.Dated),
		Exceptions: exceptionOptions(c.Exception.Kind), ExcReason: c.Exception.Reason, ExcOn: web.DatePartsOf(c.Exception.On),
		Action: part.Href, Version: c.Version, ReuseMonth: s.db.AdviceReuseMonths(ctx, rq.ICBID)}
	if !c.ReturnedOn.IsZero() {
		p.Returned = web.DatePartsOf(c.ReturnedOn)
	}
	p.setLines(c.Advice.Provision, nil)
	cands, err := s.db.AdviceReuseCandidates(ctx, actor, rq.ID)
	if err != nil {
		return nil, err
	}
	for _, k := range cands {
		label := advice.ServiceLabel(k.Service) + ", returned " + k.ReturnedOn.Long()
		if k.AssigneeName != "" {
			label += " by " + k.AssigneeName
		}
		p.Candidates = append(p.Candidates, option{Value: strconv.FormatInt(k.ID, 10), Label: label, Selected: k.ID == c.ReuseOfID})
	}
	p.Title = advice.ServiceLabel(c.Service) + " advice"
	p.Back, p.BackText = advicePath(rq.ID), "Back to the request"
	return p, nil
}

func (p *adviceContributionPage) setLines(ps []advice.Provision, bad map[string]string) {
	p.Lines = nil
	for i := 0; i < max(provisionLines, len(ps)); i++ {
		l := provisionLine{N: i + 1}
		if i < len(ps) {
			l.Provision = ps[i]
		}
		for _, f := range []string{"who", "what", "how_often", "how_long"} {
			if bad["provision-"+strconv.Itoa(i+1)+"-"+f] != "" {
				l.Err = true
			}
		}
		p.Lines = append(p.Lines, l)
	}
}

func (s *Web) adviceContribution(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := s.Actor(r)
	rq, c, clock, ok := s.loadContribution(w, r)
	if !ok {
		return
	}
	p, err := s.contributionPageFor(ctx, actor, rq, c, clock)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	p.Open = string(c.Kind)
	if p.Open == "" {
		p.Open = string(advice.KindAdvice)
	}
	s.Render(w, r, http.StatusOK, "advice_contribution.html", p)
}

// answerPosted runs one of the answer forms: read saves it, and a failure
// re-shows the page with what was typed and the section open.
// returnedField is the name of each answer form's "date returned" input:
// the forms share a page, and each input needs an id of its own.
var returnedField = map[string]string{
	string(advice.KindAdvice): "returned_on", string(advice.KindNotKnown): "nk_returned_on",
	string(advice.KindDocument): "doc_returned_on", string(advice.KindReuse): "reuse_returned_on",
}

func (s *Web) answerPosted(w http.ResponseWriter, r *http.Request, section string,
	save func(ctx context.Context, actor store.Actor, c advicedb.Contribution, bad map[string]string) error,
	keep func(p *adviceContributionPage), flashCode string) {
	ctx := r.Context()
	actor := s.Actor(r)
	rq, c, clock, ok := s.loadContribution(w, r)
	if !ok {
		return
	}
	reshow := func(status int, fields map[string]string) {
		p, err := s.contributionPageFor(ctx, actor, rq, c, clock)
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		p.Open = section
		keep(p)
		if name := returnedField[section]; name != "" && name != "returned_on" && fields["returned_on"] != "" {
			fields[name] = fields["returned_on"]
			delete(fields, "returned_on")
		}
		p.SetErrors(fields, contributionFields, contributionAnchors)
		if section == string(advice.KindAdvice) {
			p.setLines(p.Advice.Provision, fields)
		}
		s.Render(w, r, status, "advice_contribution.html", p)
	}
	bad := map[string]string{}
	err := save(ctx, actor, c, bad)
	if err == nil && len(bad) > 0 {
		err = errs.InvalidFields(bad)
	}
	if err != nil {
		s.FailForm(w, r, web.StaleToMessage(err), reshow)
		return
	}
	s.backToAdvice(w, r, rq.ID, flashCode)
}

// partProblems adds to bad what the answer's one set of rules
// (advice.Part.Validate, which the store applies) finds, when the form
// could not send it to the store (a date it could not read), so that every
// problem shows in one round; bad's own problems are kept. The date range
// of the request is the store's to check, with the date returned.
func partProblems(bad map[string]string, p advice.Part, now time.Time) {
	for k, v := range p.Validate(send.Date{}, send.Today(now), advice.DefaultReuseMonths) {
		if _, ok := bad[k]; !ok {
			bad[k] = v
		}
	}
}

func (s *Web) adviceAnswerAdvice(w http.ResponseWriter, r *http.Request) {
	var a advice.Advice
	var returned web.DateParts
	s.answerPosted(w, r, string(advice.KindAdvice), func(ctx context.Context, actor store.Actor, c advicedb.Contribution, bad map[string]string) error {
		a = advice.Advice{Needs: r.PostFormValue("needs"), Outcomes: r.PostFormValue("outcomes")}
		for i := 1; i <= 50; i++ {
			n := "provision-" + strconv.Itoa(i) + "-"
			if _, ok := r.PostForm[n+"who"]; !ok {
				break
			}
			a.Provision = append(a.Provision, advice.Provision{Who: r.PostFormValue(n + "who"), What: r.PostFormValue(n + "what"),
				HowOften: r.PostFormValue(n + "how_often"), HowLong: r.PostFormValue(n + "how_long")})
		}
		returned = formDate(r, "returned_on")
		on := web.CheckDateParts(bad, "returned_on", "Date returned", returned)
		if len(bad) > 0 {
			partProblems(bad, advice.Part{Kind: advice.KindAdvice, Advice: a, ReturnedOn: on}, s.Now())
			return nil
		}
		_, err := s.db.AnswerAdviceContribution(ctx, actor, c.ID, formVersion(r), advicedb.Answer{Kind: advice.KindAdvice, Advice: a, ReturnedOn: on})
		return err
	}, func(p *adviceContributionPage) { p.Advice, p.Returned = a, returned }, flashAdviceAnswered)
}

func (s *Web) adviceAnswerNotKnown(w http.ResponseWriter, r *http.Request) {
	var ch advice.Checks
	var returned web.DateParts
	s.answerPosted(w, r, string(advice.KindNotKnown), func(ctx context.Context, actor store.Actor, c advicedb.Contribution, bad map[string]string) error {
		done := map[string]bool{}
		for _, v := range r.PostForm["checks"] {
			done[v] = true
		}
		ch = advice.Checks{RecordsReviewed: done["records_reviewed"], FamilyContacted: done["family_contacted"],
			SENCOContacted: done["senco_contacted"], Note: r.PostFormValue("checks_note")}
		returned = formDate(r, "nk_returned_on")
		on := web.CheckDateParts(bad, "returned_on", "Date returned", returned)
		if len(bad) > 0 {
			partProblems(bad, advice.Part{Kind: advice.KindNotKnown, Checks: ch, ReturnedOn: on}, s.Now())
			return nil
		}
		_, err := s.db.AnswerAdviceContribution(ctx, actor, c.ID, formVersion(r), advicedb.Answer{Kind: advice.KindNotKnown, Checks: ch, ReturnedOn: on})
		return err
	}, func(p *adviceContributionPage) { p.Checks, p.Returned = ch, returned }, flashAdviceAnswered)
}

func (s *Web) adviceAnswerReuse(w http.ResponseWriter, r *http.Request) {
	var ru advice.Reuse
	var returned, dated web.DateParts
	s.answerPosted(w, r, string(advice.KindReuse), func(ctx context.Context, actor store.Actor, c advicedb.Contribution, bad map[string]string) error {
		returned, dated = formDate(r, "reuse_returned_on"), formDate(r, "reuse_dated")
		on := web.CheckDateParts(bad, "returned_on", "Date returned", returned)
		a := advicedb.Answer{Kind: advice.KindReuse, ReturnedOn: on}
		agreed := map[string]bool{}
		for _, v := range r.PostForm["reuse_agreed"] {
			agreed[v] = true
		}
		ru = advice.Reuse{AuthorAgreed: agreed["author"], LAAgreed: agreed["la"], FamilyAgreed: agreed["family"]}
		if v := r.PostFormValue("reuse_of_id"); v != "" && v != "other" {
			id, err := strconv.ParseInt(v, 10, 64)
			if err != nil || id <= 0 {
				bad["reuse_of_id"] = "Choose advice from the list"
			}
			a.ReuseOfID = id
		} else {
			ru.Source = r.PostFormValue("reuse_source")
			ru.Dated = web.CheckDateParts(bad, "reuse_dated", "Date the existing advice was written", dated)
		}
		a.Reuse = ru
		if len(bad) > 0 {
			partProblems(bad, advice.Part{Kind: advice.KindReuse, Reuse: ru, ReuseOf: a.ReuseOfID != 0, ReturnedOn: on}, s.Now())
			return nil
		}
		_, err := s.db.AnswerAdviceContribution(ctx, actor, c.ID, formVersion(r), a)
		return err
	}, func(p *adviceContributionPage) { p.Reuse, p.Returned, p.ReuseDated = ru, returned, dated }, flashAdviceAnswered)
}

func (s *Web) adviceUpload(w http.ResponseWriter, r *http.Request) {
	var returned web.DateParts
	s.answerPosted(w, r, string(advice.KindDocument), func(ctx context.Context, actor store.Actor, c advicedb.Contribution, bad map[string]string) error {
		returned = formDate(r, "doc_returned_on")
		on := web.CheckDateParts(bad, "returned_on", "Date returned", returned)
		f, hdr, err := r.FormFile("document")
		if err != nil {
			bad["document"] = "Select a PDF or Word (DOCX) file"
			return nil
		}
		defer f.Close()
		if hdr.Size > advice.MaxDocument {
			bad["document"] = "The file must be smaller than 10 MB"
			return nil
		}
		data, err := io.ReadAll(io.LimitReader(f, advice.MaxDocument+1))
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				bad["document"] = "The file must be smaller than 10 MB"
				return nil
			}
			return err
		}
		if len(bad) > 0 {
			return nil
		}
		_, err = s.db.UploadAdviceDocument(ctx, actor, c.ID, formVersion(r), hdr.Filename, data, on)
		return err
	}, func(p *adviceContributionPage) { p.Returned = returned }, flashAdviceUploaded)
}
