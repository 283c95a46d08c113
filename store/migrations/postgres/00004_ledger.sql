-- +goose Up
-- The double-entry ledger: every executed payment is one debit on its
-- debtor account and one credit on the creditor's treasury account or on the
-- clearing account. A payment is posted once: (payment, side) is unique.
CREATE TABLE postings (
    id           BIGSERIAL PRIMARY KEY,
    payment_id   BIGINT NOT NULL REFERENCES payments(id),
    account_iban TEXT NOT NULL,
    side         TEXT NOT NULL,   -- DBIT or CRDT
    amount_minor BIGINT NOT NULL, -- positive, in the currency's minor units
    currency     TEXT NOT NULL,
    booking_date TEXT NOT NULL,
    counterparty_iban TEXT NOT NULL,
    counterparty_name TEXT NOT NULL,
    UNIQUE (payment_id, side)
);
CREATE INDEX postings_account_date ON postings (account_iban, booking_date);

-- Named locks that outlive a transaction, such as the nightly batch's.
CREATE TABLE locks (
    name      TEXT PRIMARY KEY,
    owner     TEXT NOT NULL,
    heartbeat TEXT NOT NULL
);

-- The business date on which the nightly batch executed or refused a payment.
ALTER TABLE payments ADD COLUMN executed_on TEXT NOT NULL DEFAULT '';
CREATE INDEX payments_executed_on ON payments (executed_on);
CREATE INDEX payments_due ON payments (status, execution_date);
