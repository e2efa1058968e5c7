-- Revocation a relying party can check (issue 15, docs/revocation.md).
-- Keep in step with the other dialect's 0013_revocation.sql: the same tables and columns.

-- The current full CRL of each issuing CA, so that every server serves the same one.
-- crl_number only grows (RFC 5280 §5.2.3). Times are unix milliseconds.
CREATE TABLE crls (
    ca_id       TEXT PRIMARY KEY,
    crl_number  BIGINT NOT NULL,
    this_update BIGINT NOT NULL,
    next_update BIGINT NOT NULL,
    entries     BIGINT NOT NULL,
    der         BYTEA NOT NULL
);

-- Delegated OCSP responder certificates the CA issued, with their keys (PKCS#8 DER).
-- The newest one still valid signs; a new one is issued before it runs out.
CREATE TABLE ocsp_responders (
    serial     TEXT PRIMARY KEY,
    ca_id      TEXT NOT NULL,
    cert_der   BYTEA NOT NULL,
    key_pkcs8  BYTEA NOT NULL,
    not_before BIGINT NOT NULL,
    not_after  BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX ocsp_responders_ca ON ocsp_responders (ca_id, not_after);
