package adviceweb

import (
	"net/http"
	"strconv"

	"dco/internal/advice/advicedb"
	"dco/internal/errs"
	"dco/internal/web"
)

// adviceCSV downloads exactly what the list shows with the same filters,
// every page of it.
func (s *Web) adviceCSV(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := s.Actor(r)
	clock, err := s.adviceClock(ctx)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	_, f, bad, err := s.readAdviceQuery(ctx, r.URL.Query())
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	if len(bad) > 0 {
		s.Fail(w, r, errs.InvalidFields(bad))
		return
	}
	var rows []adviceRow
	var all []advicedb.Request
	for f.Offset, f.Limit = 0, web.CSVPage; ; f.Offset += f.Limit {
		list, total, err := s.db.ListAdviceRequests(ctx, actor, clock, f)
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		all = append(all, list...)
		if len(list) == 0 || f.Offset+len(list) >= total || len(all) >= web.CSVMax {
			break
		}
	}
	for _, rq := range all {
		rows = append(rows, toAdviceRow(rq, clock))
	}
	out := make([][]string, 0, len(rows))
	for i, row := range rows {
		rq := all[i]
		out = append(out, []string{strconv.FormatInt(row.ID, 10), row.Child, string(rq.NHSNumber), row.LA,
			row.Reference, rq.ReceivedOn.String(), rq.DueOn.String(), row.Status, row.Waiting,
			rq.ClosedOn().String(), row.OnTime, row.Exception})
	}
	web.WriteCSV(w, "advice-requests.csv", []string{"id", "child", "nhs_number", "la", "la_reference", "received_on", "due_on",
		"status", "waiting_on", "returned_on", "on_time", "exception"}, out)
}
