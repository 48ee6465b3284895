package store

import (
	"context"
	"time"

	"dco/internal/errs"
)

// CreateSession stores a new session. CreatedAt and LastSeenAt default to now.
func (s *Store) CreateSession(ctx context.Context, sess Session) error {
	if sess.IDHash == "" || sess.UserID == 0 {
		return errs.E(errs.Invalid, "a session needs an id hash and a user")
	}
	now := s.now()
	if sess.CreatedAt.IsZero() {
		sess.CreatedAt = now
	}
	if sess.LastSeenAt.IsZero() {
		sess.LastSeenAt = sess.CreatedAt
	}
	return s.write(ctx, func(t *tx) error {
		_, err := t.exec(ctx, "INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?)",
			sess.IDHash, sess.UserID, sess.CSRFToken, fmtTime(sess.CreatedAt), fmtTime(sess.LastSeenAt))
		return err
	})
}

// GetSession returns a session and its user. An unknown session, or one whose
// user is disabled, is not_found. Expiry is the caller's decision, from
// CreatedAt and LastSeenAt.
func (s *Store) GetSession(ctx context.Context, idHash string) (Session, User, error) {
	var sess Session
	var created, seen string
	var u User
	var role, ucreated string
	err := s.queryRow(ctx, `SELECT s.id_hash, s.user_id, s.csrf_token, s.created_at, s.last_seen_at,
		u.id, u.email, u.name, u.role, COALESCE(u.org_id, 0), COALESCE(u.la_id, 0), u.password_hash, u.disabled,
		u.must_change_password, u.version, u.created_at
		FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE s.id_hash = ? AND NOT u.disabled`, idHash).Scan(
		&sess.IDHash, &sess.UserID, &sess.CSRFToken, &created, &seen,
		&u.ID, &u.Email, &u.Name, &role, &u.OrgID, &u.LAID, &u.PasswordHash, &u.Disabled, &u.MustChangePassword, &u.Version, &ucreated)
	if err != nil {
		return Session{}, User{}, scanErr(err, "No such session")
	}
	sess.CreatedAt, sess.LastSeenAt = parseTime(created), parseTime(seen)
	u.Role, u.CreatedAt = Role(role), parseTime(ucreated)
	return sess, u, nil
}

// TouchSession records that a session was used at a time.
func (s *Store) TouchSession(ctx context.Context, idHash string, at time.Time) error {
	return s.write(ctx, func(t *tx) error {
		n, err := t.execN(ctx, "UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?", fmtTime(at), idHash)
		if err != nil {
			return err
		}
		if n != 1 {
			return errs.E(errs.NotFound, "No such session")
		}
		return nil
	})
}

// DeleteSession ends one session; ending one already gone is not an error.
func (s *Store) DeleteSession(ctx context.Context, idHash string) error {
	return s.write(ctx, func(t *tx) error {
		_, err := t.exec(ctx, "DELETE FROM sessions WHERE id_hash = ?", idHash)
		return err
	})
}

// DeleteUserSessions ends every session of a user.
func (s *Store) DeleteUserSessions(ctx context.Context, userID int64) error {
	return s.write(ctx, func(t *tx) error {
		_, err := t.exec(ctx, "DELETE FROM sessions WHERE user_id = ?", userID)
		return err
	})
}

// DeleteExpiredSessions deletes sessions idle since before idleBefore or
// created before createdBefore, and returns how many.
func (s *Store) DeleteExpiredSessions(ctx context.Context, idleBefore, createdBefore time.Time) (int64, error) {
	var n int64
	err := s.write(ctx, func(t *tx) error {
		var err error
		n, err = t.execN(ctx, "DELETE FROM sessions WHERE last_seen_at < ? OR created_at < ?",
			fmtTime(idleBefore), fmtTime(createdBefore))
		return err
	})
	return n, err
}

// CreateToken stores the SHA-256 (hex) of a new API token for a user.
func (s *Store) CreateToken(ctx context.Context, actor Actor, userID int64, tokenHash string) error {
	return s.CreateTokenUntil(ctx, actor, userID, tokenHash, s.now().Add(TokenLifetime))
}

// API tokens live TokenLifetime unless issued for less; never more than
// MaxTokenLifetime.
const (
	TokenLifetime    = 90 * 24 * time.Hour
	MaxTokenLifetime = 365 * 24 * time.Hour
)

// CreateTokenUntil stores an API token (its SHA-256 hex) for a user, valid
// until expires, which must be in the future and within MaxTokenLifetime.
// Audited "token.create" with the user and the expiry.
func (s *Store) CreateTokenUntil(ctx context.Context, actor Actor, userID int64, tokenHash string, expires time.Time) error {
	if tokenHash == "" {
		return errs.E(errs.Invalid, "a token needs a hash")
	}
	now := s.now()
	switch {
	case !expires.After(now):
		return errs.InvalidFields(map[string]string{"expires": "A token must expire in the future"})
	case expires.After(now.Add(MaxTokenLifetime)):
		return errs.InvalidFields(map[string]string{"expires": "A token can last 365 days at most"})
	}
	return s.write(ctx, func(t *tx) error {
		id, err := t.insertID(ctx, "INSERT INTO api_tokens (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
			tokenHash, userID, fmtTime(now), fmtTime(expires))
		if err != nil {
			if errs.Is(err, errs.Invalid) {
				return errs.E(errs.NotFound, "No such user")
			}
			return err
		}
		return t.appendAudit(ctx, entry(actor, "token.create", "api_token", id, 0, OutcomeOK,
			"user_id="+itoa(userID)+" expires="+fmtTime(expires)))
	})
}

// UserByToken returns the user an API token (by its SHA-256 hex) belongs to.
// An unknown or expired token, or one whose user is disabled, is not_found.
func (s *Store) UserByToken(ctx context.Context, tokenHash string) (User, error) {
	now := s.now()
	u, err := scanUser(s.queryRow(ctx, "SELECT "+userColumns+` FROM api_tokens k JOIN users u ON u.id = k.user_id
		WHERE k.token_hash = ? AND NOT u.disabled
		AND (k.expires_at > ? OR (k.expires_at = '' AND k.created_at > ?))`,
		tokenHash, fmtTime(now), fmtTime(now.Add(-TokenLifetime))))
	if err != nil {
		return User{}, scanErr(err, "No such token")
	}
	return u, nil
}
