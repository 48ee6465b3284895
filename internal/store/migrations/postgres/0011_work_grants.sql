-- Access that work gave ends when the work moves or closes. A clinician
-- assigned a part of an advice request (advice_contributions) is given the
-- child for that part: the grant names the part (contribution_id) and is
-- taken back, in the transaction that reassigns or removes the part or
-- returns or withdraws the request, and audited "child.revoke" when the
-- clinician is left with no sight of the child. A grant of no part is a
-- DCO's own (GrantChildAccess, with the reason recorded) or a provider
-- organisation's, and is not ended by any work moving.
-- Keep in step with migrations/sqlite: a test compares the two.
ALTER TABLE child_access ADD COLUMN contribution_id BIGINT REFERENCES advice_contributions (id);
ALTER TABLE child_access ADD CONSTRAINT child_access_contribution_user CHECK (contribution_id IS NULL OR user_id IS NOT NULL);

-- A clinician holds at most one grant of their own on a child, and one per
-- part; the scope check (user_id, child_id) reads them all through
-- child_access_user.
DROP INDEX child_access_user;
CREATE INDEX child_access_user ON child_access (user_id, child_id) WHERE user_id IS NOT NULL;
CREATE UNIQUE INDEX child_access_user_own ON child_access (user_id, child_id) WHERE user_id IS NOT NULL AND contribution_id IS NULL;
CREATE UNIQUE INDEX child_access_contribution ON child_access (contribution_id) WHERE contribution_id IS NOT NULL;

-- Before this migration an assignment made one grant per clinician and
-- child, with the reason "assigned health advice request N". Every open
-- part held by a clinician who sees the child now gets its own grant, as
-- an assignment today would make; dco itself then removes the old grants
-- in this migration's transaction (endLegacyWorkGrants, internal/store),
-- auditing "child.revoke" for each clinician whose work had already moved
-- or closed. Access is never widened here: a part whose clinician does not
-- see the child gets no grant.
INSERT INTO child_access (child_id, user_id, contribution_id, reason, created_by, created_at)
SELECT k.child_id, k.assignee_id, k.id, 'assigned health advice request ' || k.request_id, k.assigned_by, k.updated_at
FROM advice_contributions k
JOIN advice_requests r ON r.id = k.request_id
JOIN child_access g ON g.child_id = k.child_id AND g.user_id = k.assignee_id AND g.contribution_id IS NULL
WHERE r.state = 'open';
