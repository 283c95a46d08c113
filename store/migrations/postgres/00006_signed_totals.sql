-- +goose Up
-- What each user signed on each account on each business day, in the
-- account currency's minor units: the daily signing limit is checked against
-- this one row, which the transaction storing the signatures updates (on
-- PostgreSQL it is locked for that transaction, so that two signing runs of
-- one user are counted one after the other), instead of a sum over every
-- signature of the day.
CREATE TABLE signed_totals (
    user_id      TEXT NOT NULL,
    account_iban TEXT NOT NULL,
    signed_day   TEXT NOT NULL,
    amount_minor BIGINT NOT NULL,
    PRIMARY KEY (user_id, account_iban, signed_day)
);
INSERT INTO signed_totals (user_id, account_iban, signed_day, amount_minor)
SELECT s.user_id, p.debtor_iban, s.signed_day, COALESCE(SUM(p.amount_minor), 0)
FROM signatures s JOIN payments p ON p.id = s.payment_id
GROUP BY s.user_id, p.debtor_iban, s.signed_day;

-- +goose Down
DROP TABLE signed_totals;
