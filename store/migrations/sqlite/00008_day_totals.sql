-- +goose Up
-- Each account's net booked amount per business day and currency, in minor
-- units (credits less debits), kept by the transaction that writes the
-- postings: the nightly batch's balances and a statement's opening
-- balance are sums over these rows instead of over every posting ever
-- booked (which grew by two million rows on a day of a million payments).
CREATE TABLE day_totals (
    account_iban TEXT NOT NULL,
    booking_date TEXT NOT NULL,
    currency     TEXT NOT NULL,
    net_minor    BIGINT NOT NULL,
    PRIMARY KEY (account_iban, booking_date, currency)
);
INSERT INTO day_totals (account_iban, booking_date, currency, net_minor)
SELECT account_iban, booking_date, currency, SUM(CASE WHEN side = 'CRDT' THEN amount_minor ELSE -amount_minor END)
FROM postings GROUP BY account_iban, booking_date, currency;

-- +goose Down
DROP TABLE day_totals;
