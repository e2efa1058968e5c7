-- The audit trail without one head row (issue 16, docs/architecture.md): every row
-- belongs to the chain of its subject, at position chain_seq, and names the previous
-- row of that chain (prev_id, prev_hash). The rows written before are one chain,
-- '(legacy)', with their hashes as they were.
ALTER TABLE audit ADD COLUMN chain TEXT NOT NULL DEFAULT '(legacy)';
ALTER TABLE audit ADD COLUMN chain_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE audit ADD COLUMN prev_id BIGINT NOT NULL DEFAULT 0;
UPDATE audit SET chain_seq = id, prev_id = id - 1;
CREATE UNIQUE INDEX audit_chain_seq ON audit (chain, chain_seq);

-- Each chain's head; appending locks only its own chain's row. signed_in: the
-- checkpoint that signed this head, NULL while it is newer than the last checkpoint.
CREATE TABLE audit_chains (
    chain      TEXT PRIMARY KEY,
    last_seq   BIGINT NOT NULL,
    last_id    BIGINT NOT NULL,
    last_hash  TEXT NOT NULL,
    signed_in  BIGINT
);
CREATE INDEX audit_chains_signed_in ON audit_chains (signed_in);
INSERT INTO audit_chains (chain, last_seq, last_id, last_hash)
SELECT '(legacy)', last_id, last_id, last_hash FROM audit_head WHERE last_id > 0;

-- Signed checkpoints: the heads that moved since the previous one (JSON), chained by
-- hash, signed with the CA key, and HMAC-anchored under CERTRENEW_AUDIT_KEY if set.
CREATE TABLE audit_checkpoints (
    id        BIGINT PRIMARY KEY,
    at        BIGINT NOT NULL,
    prev_hash TEXT NOT NULL,
    heads     TEXT NOT NULL,
    hash      TEXT NOT NULL,
    signature TEXT NOT NULL,
    anchor    TEXT
);
