package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"strings"
	"time"
)

// staticFS holds our own app.css and app.js (committed) and the NHS.UK
// frontend build under static/nhsuk (copied from node_modules by
// `make assets`, not committed). Embedding the directory rather than named
// files means a build without the NHS.UK files still compiles; the pages
// then work unstyled and start-up logs a warning.
//
//go:embed static
var staticFS embed.FS

// The NHS.UK frontend files the layout links to.
const (
	nhsukCSS = "nhsuk/nhsuk-frontend.min.css"
	nhsukJS  = "nhsuk/nhsuk-frontend.min.js"
	appCSS   = "app.css"
	appJS    = "app.js"
)

// asset is one file served under a content-hashed URL.
type asset struct {
	url         string
	body        []byte
	contentType string
}

// assetSet serves the CSS and JavaScript under /static/<hash>/<name>, so a
// browser may cache them for a year: a new build with different content has
// a different URL. The images the NHS.UK stylesheet refers to by the fixed
// path /assets/images/... are served from there too, with a shorter cache.
type assetSet struct {
	byName map[string]*asset // "nhsuk/nhsuk-frontend.min.css" → asset
	byURL  map[string]*asset
	images fs.FS // the nhsuk assets directory, or nil
}

// loadAssets hashes the embedded files. app.js imports the NHS.UK module by
// a relative name in the source; that name is rewritten here to the hashed
// URL, and app.js is hashed after the rewrite so that its URL changes
// whenever either file does.
func loadAssets(log *slog.Logger) *assetSet {
	a := &assetSet{byName: map[string]*asset{}, byURL: map[string]*asset{}}
	root, err := fs.Sub(staticFS, "static")
	if err != nil {
		panic(err) // the embed directive guarantees the directory
	}
	var missing []string
	for _, name := range []string{nhsukCSS, nhsukJS, appCSS} {
		b, err := fs.ReadFile(root, name)
		if err != nil {
			missing = append(missing, name)
			continue
		}
		a.add(name, b)
	}
	if b, err := fs.ReadFile(root, appJS); err == nil {
		if js := a.byName[nhsukJS]; js != nil {
			b = bytes.ReplaceAll(b, []byte(`"./nhsuk-frontend.min.js"`), []byte(`"`+js.url+`"`))
		}
		a.add(appJS, b)
	} else {
		missing = append(missing, appJS)
	}
	if sub, err := fs.Sub(root, "nhsuk/assets"); err == nil {
		if _, err := fs.Stat(sub, "images"); err == nil {
			a.images = sub
		} else {
			missing = append(missing, "nhsuk/assets/images")
		}
	}
	if len(missing) > 0 {
		log.Warn("static files missing: pages will be unstyled; run `make assets`", "missing", strings.Join(missing, ","))
	}
	return a
}

func (a *assetSet) add(name string, body []byte) {
	sum := sha256.Sum256(body)
	ct := "application/octet-stream"
	switch path.Ext(name) {
	case ".css":
		ct = "text/css; charset=utf-8"
	case ".js":
		ct = "text/javascript; charset=utf-8"
	}
	x := &asset{
		url:         "/static/" + hex.EncodeToString(sum[:])[:16] + "/" + path.Base(name),
		body:        body,
		contentType: ct,
	}
	a.byName[name] = x
	a.byURL[x.url] = x
}

// url returns the hashed URL of a named file, or "" when it is missing (the
// layout then leaves the link out rather than point at nothing).
func (a *assetSet) url(name string) string {
	if x := a.byName[name]; x != nil {
		return x.url
	}
	return ""
}

// serveStatic answers GET /static/{hash}/{name}.
func (s *Server) serveStatic(w http.ResponseWriter, r *http.Request) {
	x := s.assets.byURL[r.URL.Path]
	if x == nil {
		s.notFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", x.contentType)
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(x.body))
}

// serveAsset answers GET /assets/{path...}: the icons and images the NHS.UK
// stylesheet and layout refer to by fixed paths.
func (s *Server) serveAsset(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("path")
	if s.assets.images == nil || !fs.ValidPath(name) {
		s.notFound(w, r)
		return
	}
	b, err := fs.ReadFile(s.assets.images, name)
	if err != nil {
		s.notFound(w, r)
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=86400")
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(b))
}
