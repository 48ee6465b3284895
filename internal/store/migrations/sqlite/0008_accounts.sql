-- An account an administrator makes starts with a password the
-- administrator typed, so the person chooses their own at first sign-in:
-- must_change_password is set when an administrator adds the account and
-- cleared when its owner chooses a new password. Accounts made before this
-- migration, and those dco itself makes (the command line, the demo), have
-- it clear (0). Keep in step with migrations/postgres: a test compares the
-- two.
ALTER TABLE users ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT 0 CHECK (must_change_password IN (0, 1));
