-- Dual certificates and the key management centre (issue 11, docs/kmc.md).
-- Keep in step with the other dialect's 0014_dual_kmc.sql: the same tables and columns.

-- What an issued certificate is for: 'signing' (the key made on the token) or
-- 'encryption' (the key made and escrowed by the KMC).
ALTER TABLE certificates ADD COLUMN purpose TEXT NOT NULL DEFAULT 'signing';

-- A renewal's kind ('single' or 'dual', the project's at apply time) and, for a dual
-- renewal of a token holding a pair, the old encryption certificate.
ALTER TABLE renewals ADD COLUMN kind TEXT NOT NULL DEFAULT 'single';
ALTER TABLE renewals ADD COLUMN enc_cert_der BYTEA;
ALTER TABLE renewals ADD COLUMN enc_cert_sha256 TEXT;
ALTER TABLE renewals ADD COLUMN enc_old_not_after_s BIGINT;

-- Escrowed encryption private keys: PKCS#8 sealed under the KMC master key (never in
-- clear). key_id is the hex SHA-256 of the key's SubjectPublicKeyInfo.
CREATE TABLE kmc_keys (
    key_id      TEXT PRIMARY KEY,
    cert_sha256 TEXT NOT NULL UNIQUE REFERENCES certificates (sha256),
    business_no TEXT REFERENCES renewals (business_no),
    algorithm   TEXT NOT NULL,
    kmc         TEXT NOT NULL,
    master_key  TEXT NOT NULL,
    sealed      BYTEA NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX kmc_keys_business ON kmc_keys (business_no);

-- Key recoveries: staff request, two distinct approvers (neither the requester), then
-- the customer's token takes delivery.
CREATE TABLE recoveries (
    id             TEXT PRIMARY KEY,
    key_id         TEXT NOT NULL REFERENCES kmc_keys (key_id),
    business_no    TEXT NOT NULL,
    subject        TEXT NOT NULL,
    reason         TEXT NOT NULL,
    status         TEXT NOT NULL,
    requested_by   TEXT NOT NULL,
    signing_sha256 TEXT,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
CREATE INDEX recoveries_subject ON recoveries (subject, status);

CREATE TABLE recovery_approvals (
    recovery_id TEXT NOT NULL REFERENCES recoveries (id),
    username    TEXT NOT NULL,
    at          BIGINT NOT NULL,
    PRIMARY KEY (recovery_id, username)
);
