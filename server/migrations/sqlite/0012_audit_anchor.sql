-- The audit head's HMAC under CERTRENEW_AUDIT_KEY (kept outside the database), so a
-- chain rewritten by someone with database access fails `audit verify`.
ALTER TABLE audit_head ADD COLUMN anchor TEXT;
