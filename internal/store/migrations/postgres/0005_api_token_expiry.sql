-- API tokens expire (OWASP ASVS 5.0 L2: bearer tokens have a bounded life).
-- expires_at is a fixed-width UTC timestamp like every other; '' marks a
-- token issued before this migration, which expires 90 days after its
-- created_at, the default lifetime.
ALTER TABLE api_tokens ADD COLUMN expires_at TEXT NOT NULL DEFAULT '';
