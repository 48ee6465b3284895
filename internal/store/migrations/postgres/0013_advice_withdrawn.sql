-- A request the LA withdraws is closed as withdrawn, not returned: the date
-- it was withdrawn and who recorded it have their own columns, and
-- returned_on and returned_by stay empty, so that no reader of a return (the
-- on-time figures, the response, the reminders to come) can take a
-- withdrawal for one. The outcome stays "withdrawn", as the import file
-- names it (README: `dco import advice-requests`).
-- Keep in step with migrations/sqlite: a test compares the two.
ALTER TABLE advice_requests ADD COLUMN withdrawn_on TEXT NOT NULL DEFAULT '';
ALTER TABLE advice_requests ADD COLUMN withdrawn_by BIGINT NOT NULL DEFAULT 0;

-- Before this migration a withdrawal was written as a return: the date in
-- returned_on and the user in returned_by. Move them.
UPDATE advice_requests SET withdrawn_on = returned_on, withdrawn_by = returned_by, returned_on = '', returned_by = 0
WHERE state = 'withdrawn';
