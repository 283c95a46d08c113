-- +goose Up
-- AM05, the same payment twice: a hash of what makes two payments the same
-- (debtor, creditor account, amount, currency, date, remittance), written
-- with each accepted payment; NULL for payments stored before it, which
-- AM05 therefore does not compare. A file's payments are compared with the
-- accepted payments of other batches on the same debtor account and
-- execution date, found through this index.
ALTER TABLE payments ADD COLUMN same_hash BIGINT;
CREATE INDEX payments_debtor_day ON payments (debtor_iban, execution_date);

-- +goose Down
ALTER TABLE payments DROP COLUMN same_hash;
DROP INDEX payments_debtor_day;
