-- +goose Up
-- settings holds installation-wide values, such as the installation id that
-- every signature digest binds.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- One signature per payment and level, and one per payment and user (four
-- eyes): the database refuses a second one even when two signers race.
CREATE TABLE signatures (
    payment_id  BIGINT NOT NULL REFERENCES payments(id),
    level       INTEGER NOT NULL,
    user_id     TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    signature   TEXT NOT NULL,   -- base64
    digest      TEXT NOT NULL,   -- hex SHA-256 of the canonical payment
    signed_at   TEXT NOT NULL,
    signed_day  TEXT NOT NULL,   -- business date, for the signer's daily limit
    PRIMARY KEY (payment_id, level),
    UNIQUE (payment_id, user_id)
);
CREATE INDEX signatures_user_day ON signatures (user_id, signed_day);

-- settled is the batch's status once no payment of it awaits a signature
-- any more; its report has then been sent.
ALTER TABLE batches ADD COLUMN settled TEXT NOT NULL DEFAULT '';
CREATE INDEX payments_status ON payments (status, debtor_iban);
