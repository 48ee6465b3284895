-- Reusing existing advice (SEND Regulations 2014 reg 6(4)) needs the person
-- who provided it, the local authority and the child's parent or the young
-- person to be satisfied that it is sufficient. Each agreement is recorded
-- with a reused contribution. Parts reused before this migration have none
-- recorded (FALSE), and pages say so.
ALTER TABLE advice_contributions ADD COLUMN reuse_author_agreed BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE advice_contributions ADD COLUMN reuse_la_agreed BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE advice_contributions ADD COLUMN reuse_family_agreed BOOLEAN NOT NULL DEFAULT FALSE;
