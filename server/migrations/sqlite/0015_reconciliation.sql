-- Reconciliation (对账, issue 14, docs/payments.md): each day's statement of each
-- gateway (WeChat Pay tradebill, Alipay trade bill, …) compared with the ledger. A run
-- per gateway and bill date (a rerun replaces its counts); every difference found is
-- kept open until finance resolves it with a note. Keep in step with the other
-- dialect's 0015_reconciliation.sql. Times are unix milliseconds; bill dates are the
-- gateways' (China Standard Time) days, `YYYY-MM-DD`; amounts are fen.
CREATE TABLE reconcile_runs (
    gateway         TEXT NOT NULL,
    bill_date       TEXT NOT NULL,
    status          TEXT NOT NULL,
    statement_rows  BIGINT NOT NULL,
    ledger_rows     BIGINT NOT NULL,
    differences     BIGINT NOT NULL,
    error           TEXT,
    actor           TEXT NOT NULL,
    ran_at          BIGINT NOT NULL,
    PRIMARY KEY (gateway, bill_date)
);
CREATE TABLE reconcile_differences (
    id               TEXT PRIMARY KEY,
    gateway          TEXT NOT NULL,
    bill_date        TEXT NOT NULL,
    out_trade_no     TEXT NOT NULL,
    kind             TEXT NOT NULL,
    gateway_fen      BIGINT,
    ledger_fen       BIGINT,
    gateway_trade_no TEXT,
    found_at         BIGINT NOT NULL,
    status           TEXT NOT NULL,
    resolution       TEXT,
    resolved_by      TEXT,
    resolved_at      BIGINT
);
-- A rerun finds the same difference again: it is not a second one.
CREATE UNIQUE INDEX reconcile_differences_once ON reconcile_differences (gateway, bill_date, out_trade_no, kind);
CREATE INDEX reconcile_differences_status ON reconcile_differences (status, found_at);
