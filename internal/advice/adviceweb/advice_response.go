package adviceweb

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"dco/internal/advice"
	"dco/internal/advice/advicedb"
	"dco/internal/web"
)

// --- the combined response ---

// adviceResponsePage is the combined health response to the LA, printable.
type adviceResponsePage struct {
	web.Page
	R        advicedb.Request
	Row      adviceRow
	Parts    []contributionView
	Returned bool
	Outcome  string
}

func (s *Web) adviceResponse(w http.ResponseWriter, r *http.Request) {
	actor := s.Actor(r)
	rq, clock, ok := s.loadAdvice(w, r)
	if !ok {
		return
	}
	p := &adviceResponsePage{R: rq, Row: toAdviceRow(rq, clock), Parts: s.contributionViews(actor, rq, clock),
		Returned: rq.State == advice.StateReturned, Outcome: rq.Outcome.Label()}
	p.Title = "Health advice for " + rq.GivenName + " " + rq.FamilyName
	p.Back, p.BackText = advicePath(rq.ID), "Back to the request"
	s.Render(w, r, http.StatusOK, "advice_response.html", p)
}

// adviceDocument sends an uploaded document: always as a download, never
// shown in the browser, with its type fixed so that nothing sniffs it into
// something else.
func (s *Web) adviceDocument(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	d, err := s.db.GetAdviceDocument(r.Context(), s.Actor(r), id)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", d.ContentType)
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"; filename*=UTF-8''%s`, asciiName(d.Filename), url.PathEscape(d.Filename)))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(len(d.Content)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(d.Content)
}

// asciiName is the filename for browsers that do not read filename*: plain
// ASCII, other characters replaced.
func asciiName(name string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			return '_'
		}
		return r
	}, name)
}
