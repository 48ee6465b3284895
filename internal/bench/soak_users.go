package bench

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"dco/internal/auth"
	"dco/internal/errs"
	"dco/internal/store"
)

// virtualUsers makes n virtual users, each with a session of its own: of
// every ten, one is the DCO, one the board member and eight are LA
// caseworkers (the first user is always an LA caseworker), spread over
// the LAs that have children, one caseworker account per LA. Each LA's
// caseworkers share an API token (the LA's system) and split its children
// between them for writing, so that no two users change the same child.
func (m *measurer) virtualUsers(n int) ([]*vu, error) {
	type laWork struct {
		place int // in m.d.las
		kids  []store.Child
		vus   []*vu
	}
	var las []*laWork
	for i, o := range m.d.las {
		kids, _, err := m.s.SearchChildren(m.ctx, store.System, store.ChildFilter{LAID: o.ID, Limit: laChildSample})
		if err != nil {
			return nil, fmt.Errorf("bench: children of LA %s: %w", o.Code, err)
		}
		if len(kids) > 0 {
			las = append(las, &laWork{place: i, kids: kids})
		}
	}
	if len(las) == 0 {
		return nil, errors.New("bench: no local authority has children for the virtual users to work on")
	}
	var out []*vu
	nLA := 0
	for i := range n {
		v := &vu{rng: rand.New(rand.NewPCG(uint64(i), 0x50a6))}
		switch i % 10 {
		case 1:
			v.mix, v.user = dcoMix, m.d.dco
		case 2:
			v.mix, v.user = viewerMix, m.d.viewer
		default:
			w := las[nLA%len(las)]
			nLA++
			v.mix, v.kids = laMix, w.kids
			w.vus = append(w.vus, v)
		}
		out = append(out, v)
	}
	for _, w := range las {
		if len(w.vus) == 0 {
			continue
		}
		u, err := m.laUser(w.place)
		if err != nil {
			return nil, err
		}
		secret, hash, err := auth.NewSecret()
		if err != nil {
			return nil, err
		}
		if err := m.s.CreateToken(m.ctx, store.System, u.ID, hash); err != nil {
			return nil, fmt.Errorf("bench: API token for %s: %w", u.Email, err)
		}
		for j, v := range w.vus {
			v.user, v.token = u, secret
			for k := j; k < len(w.kids); k += len(w.vus) {
				v.own = append(v.own, w.kids[k])
			}
		}
	}
	for _, v := range out {
		var err error
		if v.cookie, err = m.signIn(v.user); err != nil {
			return nil, err
		}
		v.since = time.Now()
	}
	return out, nil
}

// laUser returns an LA caseworker of the i-th LA: the dataset's own for
// the first, and for the others one the soak adds (once: a reused dataset
// keeps them), with a bench address like every bench user.
func (m *measurer) laUser(i int) (store.User, error) {
	if i == 0 {
		return m.d.la, nil
	}
	o := m.d.las[i]
	email := soakUserPrefix + o.Code + "@" + EmailDomain
	u, err := m.s.GetUserByEmail(m.ctx, email)
	if err == nil {
		return u, nil
	}
	if !errs.Is(err, errs.NotFound) {
		return store.User{}, fmt.Errorf("bench: find %s: %w", email, err)
	}
	u = store.User{Email: email, Name: "Bench LA caseworker, " + o.Name, Role: store.RoleLA, LAID: o.ID}
	if err := m.s.CreateUser(m.ctx, store.System, &u); err != nil {
		return store.User{}, fmt.Errorf("bench: create %s: %w", email, err)
	}
	return u, nil
}

// preflight sends each kind of request the users will send once, as the
// first user of its role, and checks the answers are the real pages.
func (r *soakRun) preflight(users []*vu) error {
	tried := map[int]bool{}
	for _, v := range users {
		for _, w := range v.mix {
			if tried[w.op] {
				continue
			}
			tried[w.op] = true
			if err := r.act(v, w.op, true); err != nil {
				return fmt.Errorf("bench: soak: the first request of its kind failed: %w", err)
			}
		}
	}
	return nil
}

// work is one virtual user's loop: a request, a think of 0 to maxThink,
// and again, until the duration is up. A request under way then is
// finished and counted.
func (r *soakRun) work(v *vu) {
	think := time.NewTimer(0)
	<-think.C
	for {
		select {
		case <-r.stop:
			return
		case <-r.ctx.Done():
			return
		default:
		}
		if time.Since(v.since) >= sessionRenew {
			t0 := time.Now()
			c, err := r.m.signIn(v.user)
			failure := ""
			if err != nil {
				failure = "sign in again: " + err.Error()
			} else {
				v.cookie, v.since = c, time.Now()
			}
			r.rec.add(opSignIn, time.Since(t0), true, failure)
		}
		_ = r.act(v, v.pick(), false) // recorded; a failed request does not stop the user
		think.Reset(time.Duration(v.rng.Int64N(int64(maxThink) + 1)))
		select {
		case <-think.C:
		case <-r.stop:
			think.Stop()
			return
		case <-r.ctx.Done():
			think.Stop()
			return
		}
	}
}

// act sends one request of kind op as v (two for a write) and records it.
// check, for the preflight, also checks the page holds what the real page
// does. It returns what went wrong, or nil.
func (r *soakRun) act(v *vu, op int, check bool) error {
	kid := func() store.Child { return v.kids[v.rng.IntN(len(v.kids))] }
	switch op {
	case opChildren:
		return r.page(v, op, "/children", `id="results"`, check)
	case opChild:
		c := kid()
		return r.page(v, op, "/children/"+strconv.FormatInt(c.ID, 10), c.GivenName+" "+c.FamilyName, check)
	case opSearchName:
		f := strings.ToLower(kid().FamilyName)
		f = f[:min(len(f), 5)]
		return r.page(v, op, "/children?q="+url.QueryEscape(f), `id="results"`, check)
	case opSearchNHS:
		return r.page(v, op, "/children?q="+string(kid().NHSNumber), `id="results"`, check)
	case opCaseload:
		return r.page(v, op, caseloadPath, `id="results"`, check)
	case opDCOHome, opViewer:
		return r.page(v, op, "/", r.m.d.las[0].Name, check)
	case opAtRisk:
		return r.page(v, op, "/advice-requests/at-risk", `id="at-risk-total"`, check)
	case opWrite:
		if len(v.own) == 0 {
			return r.act(v, opChild, check)
		}
		return r.write(v, v.own[v.rng.IntN(len(v.own))])
	}
	return fmt.Errorf("bench: no such operation %d", op)
}

// page sends GET path with v's session and records it under op.
func (r *soakRun) page(v *vu, op int, path, want string, check bool) error {
	status, body, d, err := r.send(v, http.MethodGet, path, nil, check)
	bad := ""
	if check && err == nil && status == http.StatusOK && !strings.Contains(string(body), want) {
		bad = fmt.Sprintf("the page does not contain %q", want)
	}
	return r.note(op, d, status, http.StatusOK, err, bad)
}

// write reads child c through the JSON API for its version, then changes
// its setting, as an LA's system would.
func (r *soakRun) write(v *vu, c store.Child) error {
	path := "/api/v1/children/" + strconv.FormatInt(c.ID, 10)
	status, body, d, err := r.send(v, http.MethodGet, path, nil, true)
	var got struct {
		Version int64 `json:"version"`
	}
	bad := ""
	if err == nil && status == http.StatusOK && (json.Unmarshal(body, &got) != nil || got.Version < 1) {
		bad = "the answer has no version"
	}
	if err := r.note(opAPIGet, d, status, http.StatusOK, err, bad); err != nil {
		return err
	}
	patch, err := json.Marshal(map[string]any{"version": got.Version, "setting": settings[v.rng.IntN(len(settings))]})
	if err != nil {
		return err
	}
	status, _, d, err = r.send(v, http.MethodPatch, path, patch, false)
	return r.note(opAPIPatch, d, status, http.StatusOK, err, "")
}

// send makes one request as v: with its session cookie, or, under /api/,
// its LA's bearer token. It returns the status, the body when keep is set,
// and the time from sending to the last byte of the answer.
func (r *soakRun) send(v *vu, method, path string, body []byte, keep bool) (int, []byte, time.Duration, error) {
	var rd io.Reader
	if body != nil {
		rd = strings.NewReader(string(body))
	}
	req, err := http.NewRequestWithContext(r.ctx, method, r.base+path, rd)
	if err != nil {
		return 0, nil, 0, err
	}
	if strings.HasPrefix(path, "/api/") {
		req.Header.Set("Authorization", "Bearer "+v.token)
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
	} else {
		req.AddCookie(v.cookie)
	}
	t0 := time.Now()
	res, err := r.client.Do(req)
	if err != nil {
		return 0, nil, time.Since(t0), err
	}
	defer res.Body.Close()
	var got []byte
	if keep {
		got, err = io.ReadAll(res.Body)
	} else {
		_, err = io.Copy(io.Discard, res.Body)
	}
	return res.StatusCode, got, time.Since(t0), err
}

// note records a request under op and returns its failure, or nil: a
// transport error, a status of 500 or more, any other status than want,
// or bad (an answer that is not what it should be).
func (r *soakRun) note(op int, d time.Duration, status, want int, err error, bad string) error {
	name := soakOps[op].name
	failure := ""
	switch {
	case err != nil:
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL holds search terms; the kind of failure is enough
		}
		failure = fmt.Sprintf("%s: no answer: %v", name, err)
	case status >= 500:
		failure = fmt.Sprintf("%s: server error, status %d", name, status)
	case status != want:
		failure = fmt.Sprintf("%s: status %d, want %d", name, status, want)
	case bad != "":
		failure = fmt.Sprintf("%s: %s", name, bad)
	}
	r.rec.add(op, d, status != 0, failure)
	if failure != "" {
		return errors.New(failure)
	}
	return nil
}
