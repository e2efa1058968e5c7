-- Indexes in the order the renewal view and the payment and certificate reads sort by
-- (issue 16, bench/README.md "Session 9"): the view's latest refund was a scan of all
-- refunds, and its certificate and payment lists each sorted in a temporary B-tree.
-- The wider indexes replace the ones they start with.
DROP INDEX payments_business;
CREATE INDEX payments_business ON payments (business_no, created_at, out_trade_no);
DROP INDEX certificates_business;
CREATE INDEX certificates_business ON certificates (business_no, purpose, issued_at);
CREATE INDEX refunds_business ON refunds (business_no, created_at);
