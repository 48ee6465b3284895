package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"dco/internal/store"
)

// The one rule for text a request carries, form, query or JSON: it must be
// UTF-8. Go's JSON decoder would quietly turn bytes that are not into
// U+FFFD and a form would store them as they came (SQLite keeps them,
// PostgreSQL refuses them), so the request is refused instead, naming the
// field, before any handler reads it.

// msgNotUTF8 is the message for a field holding bytes that are not UTF-8,
// the store's own.
const msgNotUTF8 = store.MsgNotUTF8

// maxFormMemory is how much of a multipart form (an upload) is held in
// memory; the rest goes to temporary files. It is Go's own default.
const maxFormMemory = 32 << 20

// readForm parses the body of a form, once, before anything reads a field
// of it (the CSRF check reads its token first). Every form route passes
// through it in guard.
func readForm(r *http.Request) error {
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct == "multipart/form-data" {
		return r.ParseMultipartForm(maxFormMemory)
	}
	return r.ParseForm()
}

// bodyTooLarge reports whether err is a body over the route's limit.
func bodyTooLarge(err error) bool {
	var tooBig *http.MaxBytesError
	return errors.As(err, &tooBig) || errors.Is(err, multipart.ErrMessageTooLarge)
}

// notUTF8 returns the first field, in name order, whose name or a value is
// not UTF-8, or "" when every one is. A name that is not UTF-8 itself is
// shown with the bytes it cannot show replaced.
func notUTF8(values url.Values) string {
	for _, k := range slices.Sorted(maps.Keys(values)) {
		bad := !utf8.ValidString(k)
		for _, v := range values[k] {
			bad = bad || !utf8.ValidString(v)
		}
		if bad {
			return strings.ToValidUTF8(k, "\uFFFD")
		}
	}
	return ""
}

// errNotUTF8 is the refusal of a request whose field is not UTF-8: a 400
// naming the field, on a page or in the API's error body.
func errNotUTF8(field string) error {
	return malformed(fmt.Sprintf("The field %s contains characters that cannot be read (not UTF-8). Go back, type it again, or paste it as plain text.", field),
		map[string]string{field: msgNotUTF8})
}

// jsonNotUTF8 finds the property of a JSON body (already known to be valid
// JSON) whose text is not UTF-8, as a dotted path ("child.given_name"), and
// reports whether there is one. It walks the tokens and checks which one
// the first invalid byte lies in; a name that is itself not UTF-8 is
// reported as its object's path with the bytes it cannot show replaced.
func jsonNotUTF8(body []byte) (string, bool) {
	if utf8.Valid(body) {
		return "", false
	}
	at := 0
	for at < len(body) {
		r, n := utf8.DecodeRune(body[at:])
		if r == utf8.RuneError && n <= 1 {
			break
		}
		at += n
	}
	type frame struct {
		object  bool
		key     string
		wantKey bool
	}
	var stack []frame
	path := func(last string) string {
		var parts []string
		for _, f := range stack {
			if f.object && f.key != "" && !f.wantKey {
				parts = append(parts, f.key)
			}
		}
		if last != "" {
			parts = append(parts[:len(parts):len(parts)], last)
		}
		return strings.Join(parts, ".")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	for {
		start := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return "", true // cannot happen for valid JSON; still refused
		}
		end := dec.InputOffset()
		var top *frame
		if len(stack) > 0 {
			top = &stack[len(stack)-1]
		}
		s, isString := tok.(string)
		isKey := isString && top != nil && top.object && top.wantKey
		if int64(at) >= start && int64(at) < end {
			if isKey {
				return path(strings.ToValidUTF8(s, "\uFFFD")), true
			}
			return path(""), true
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			stack = append(stack, frame{object: tok == json.Delim('{'), wantKey: true})
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
			if len(stack) > 0 && stack[len(stack)-1].object {
				stack[len(stack)-1].wantKey = true
			}
			continue
		}
		switch {
		case isKey:
			top.key, top.wantKey = s, false
		case top != nil && top.object:
			top.wantKey = true
		}
	}
}

// refuseNotUTF8 answers a request whose query or form has a field that is
// not UTF-8, and reports whether it did.
func (s *Server) refuseNotUTF8(w http.ResponseWriter, r *http.Request) bool {
	field := notUTF8(r.URL.Query())
	if field == "" && r.PostForm != nil {
		field = notUTF8(r.PostForm)
	}
	if field == "" {
		return false
	}
	s.fail(w, r, errNotUTF8(field))
	return true
}

// renderTooLarge is the 413 page for a form over the route's limit: the
// person is told so, not that their session expired (the CSRF token could
// not be read from a body that was cut off).
func (s *Server) renderTooLarge(w http.ResponseWriter, r *http.Request, limit int64) {
	s.renderErrorMessage(w, r, http.StatusRequestEntityTooLarge, fmt.Sprintf(
		"What you sent is larger than the %d MB this page accepts. Go back, make it shorter (or the file smaller) and try again.",
		max(limit>>20, 1)))
}

func init() {
	errorPages[http.StatusRequestEntityTooLarge] = struct{ Title, Body string }{
		"What you sent is too large", "Go back, make it shorter and try again."}
}
