-- +goose Up
-- The same payment twice — debtor, creditor account, amount, date and
-- remittance equal to a payment already accepted — is found through this
-- index when a file is imported (AM05).
CREATE INDEX payments_same ON payments (debtor_iban, execution_date, amount_minor, creditor_account);

-- +goose Down
DROP INDEX payments_same;
