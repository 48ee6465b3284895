package web

import (
	"net/http"
	"strconv"

	"dco/internal/auth"
)

// Choosing one's own password. An account an administrator adds starts with
// a password the administrator typed; it works once, to sign in and choose
// the person's own here (store.CreateUser sets MustChangePassword). Until
// they have, guard sends every page they ask for to this one.

func init() { pageFiles = append(pageFiles, "password.html") }

// passwordPaths are the routes a user who must choose a new password may
// still use: this page, and signing out.
var passwordPaths = map[string]bool{
	"GET /account/password":  true,
	"POST /account/password": true,
	"POST /sign-out":         true,
}

// passwordPage is the "Choose a new password" form. Nothing typed is ever
// shown again.
type passwordPage struct {
	page
}

// passwordFields is the order of the form's fields, for the error summary.
var passwordFields = []string{"password", "confirm_password"}

func (s *Server) passwordForm(w http.ResponseWriter, r *http.Request) {
	if !state(r).user.MustChangePassword {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	p := &passwordPage{}
	p.Title = "Choose a new password"
	s.render(w, r, http.StatusOK, "password.html", p)
}

// passwordSave checks and stores the new password: long enough (the rule
// auth.HashPassword holds every password to), typed twice alike, and not
// the one the administrator gave. Saving it ends the user's other sessions.
func (s *Server) passwordSave(w http.ResponseWriter, r *http.Request) {
	st := state(r)
	if !st.user.MustChangePassword {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	password, confirm := r.PostFormValue("password"), r.PostFormValue("confirm_password")
	bad := map[string]string{}
	switch {
	case password == "":
		bad["password"] = "Enter a new password"
	case len(password) < auth.MinPasswordLength:
		bad["password"] = "Enter a password of at least " + strconv.Itoa(auth.MinPasswordLength) + " characters"
	default:
		if same, _ := auth.CheckPassword(st.user.PasswordHash, password); same {
			bad["password"] = "Enter a password different from the one you were given"
		}
	}
	switch {
	case confirm == "":
		bad["confirm_password"] = "Enter the new password again"
	case confirm != password:
		bad["confirm_password"] = "Enter the same password twice: the two passwords are different"
	}
	if len(bad) > 0 {
		p := &passwordPage{}
		p.Title = "Choose a new password"
		p.setErrors(bad, passwordFields, nil)
		s.render(w, r, http.StatusUnprocessableEntity, "password.html", p)
		return
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.store.SetOwnPassword(r.Context(), st.actor(r), hash, st.session.IDHash); err != nil {
		s.fail(w, r, err)
		return
	}
	s.setFlash(w, r, flashPasswordChosen)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}
