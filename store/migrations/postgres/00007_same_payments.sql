-- +goose Up
-- A file's payments are compared (AM05: the same payment twice) with the
-- accepted payments of other batches on the same debtor account and
-- execution date, found through this index. The end-to-end id index ends
-- with the id, so that a lookup for the payments before a payment stops at
-- it (see FinishPayments).
CREATE INDEX payments_debtor_day ON payments (debtor_iban, execution_date, id);
DROP INDEX payments_debtor_e2e;
CREATE INDEX payments_debtor_e2e ON payments (debtor_iban, end_to_end_id, id);

-- +goose Down
DROP INDEX payments_debtor_day;
DROP INDEX payments_debtor_e2e;
CREATE INDEX payments_debtor_e2e ON payments (debtor_iban, end_to_end_id);
