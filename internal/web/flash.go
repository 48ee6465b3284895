package web

import "net/http"

// flash is a one-time banner shown on the page after a redirect: "Child
// registered", "You have signed out".
type flash struct {
	Success bool   // green success banner; otherwise the blue "Important" one
	Text    string // the banner's heading
}

// The flash codes. Only a code travels in the cookie; the words come from
// this table, so nothing a user typed can reach the banner.
const (
	flashSignedOut       = "signed-out"
	flashExpired         = "expired"
	flashChildRegistered = "child-registered"
	flashChildSaved      = "child-saved"
	flashUserAdded       = "user-added"
	flashUserDisabled    = "user-disabled"
	flashOrgAdded        = "org-added"
	flashSettingsSaved   = "settings-saved"
	flashPasswordChosen  = "password-chosen"
)

var flashes = map[string]flash{
	flashSignedOut:       {Text: "You have signed out"},
	flashExpired:         {Text: "You were signed out because your session ended. Sign in again to continue."},
	flashChildRegistered: {Success: true, Text: "Child registered"},
	flashChildSaved:      {Success: true, Text: "Details saved"},
	flashUserAdded:       {Success: true, Text: "User added"},
	flashUserDisabled:    {Success: true, Text: "User disabled and signed out"},
	flashOrgAdded:        {Success: true, Text: "Organisation added"},
	flashSettingsSaved:   {Success: true, Text: "Settings saved"},
	flashPasswordChosen:  {Success: true, Text: "Your new password is saved"},
}

// setFlash arranges for the next page to show a banner. It is remembered on
// the request too, in case this same response draws a page.
func (s *Server) setFlash(w http.ResponseWriter, r *http.Request, code string) {
	state(r).flash = code
	http.SetCookie(w, s.cookie(s.flashCookie, code, 60))
}

// takeFlash returns the banner set by the previous response, clearing it so
// that it shows once.
func (s *Server) takeFlash(w http.ResponseWriter, r *http.Request) *flash {
	code := state(r).flash
	if code == "" {
		c, err := r.Cookie(s.flashCookie)
		if err != nil {
			return nil
		}
		code = c.Value
	}
	// Clearing after any set in this response wins: the browser applies
	// Set-Cookie headers in order.
	s.clearCookie(w, s.flashCookie)
	if f, ok := flashes[code]; ok {
		return &f
	}
	if f, ok := s.workflowFlash(code); ok {
		return &f
	}
	return nil
}
