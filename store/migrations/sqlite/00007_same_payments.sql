-- +goose Up
-- A file's payments are compared (AM05: the same payment twice) with the
-- accepted payments of other batches on the same debtor account and
-- execution date, found through this index.
CREATE INDEX payments_debtor_day ON payments (debtor_iban, execution_date);

-- +goose Down
DROP INDEX payments_debtor_day;
