-- An account an administrator makes starts with a password the
-- administrator typed, so the person chooses their own at first sign-in:
-- must_change_password is set when an administrator adds the account and
-- cleared when its owner chooses a new password. Accounts made before this
-- migration, and those dco itself makes (the command line, the demo), have
-- it clear (FALSE). Keep in step with migrations/sqlite: a test compares the
-- two.
ALTER TABLE users ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT FALSE;
