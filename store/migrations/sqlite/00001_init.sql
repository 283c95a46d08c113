-- +goose Up
CREATE TABLE clients (
    id   TEXT PRIMARY KEY,
    name TEXT NOT NULL
);

CREATE TABLE accounts (
    iban            TEXT PRIMARY KEY,
    client_id       TEXT NOT NULL REFERENCES clients(id),
    currency        TEXT NOT NULL,
    opening_balance TEXT NOT NULL,
    signatures      INTEGER NOT NULL,
    status          TEXT NOT NULL
);

CREATE TABLE users (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    status      TEXT NOT NULL,
    valid_until TEXT NOT NULL,
    ip_allow    TEXT NOT NULL
);

CREATE TABLE user_keys (
    user_id     TEXT NOT NULL REFERENCES users(id),
    fingerprint TEXT NOT NULL,
    pem         TEXT NOT NULL,
    revoked     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, fingerprint)
);

CREATE TABLE grants (
    user_id          TEXT NOT NULL REFERENCES users(id),
    account_iban     TEXT NOT NULL REFERENCES accounts(iban),
    modes            TEXT NOT NULL,
    payment_limit    TEXT NOT NULL,
    daily_limit      TEXT NOT NULL,
    card_valid_until TEXT NOT NULL,
    PRIMARY KEY (user_id, account_iban)
);

CREATE TABLE batches (
    id                INTEGER PRIMARY KEY,
    user_id           TEXT NOT NULL,
    client_id         TEXT NOT NULL,
    file_name         TEXT NOT NULL,
    sha256            TEXT NOT NULL,
    format            TEXT NOT NULL,
    message_id        TEXT NOT NULL,
    declared_txs      TEXT NOT NULL,
    declared_ctrl_sum TEXT NOT NULL,
    transactions      INTEGER NOT NULL,
    control_sum       TEXT NOT NULL,
    accepted          INTEGER NOT NULL,
    rejected          INTEGER NOT NULL,
    status            TEXT NOT NULL,
    problems          TEXT NOT NULL,
    created_at        TEXT NOT NULL
);
-- A file and a message id count once among the batches that were not rejected whole;
-- RCVD marks a batch whose transaction is still storing it (its client is not known yet).
CREATE UNIQUE INDEX batches_sha256 ON batches (sha256) WHERE status <> 'RJCT';
CREATE UNIQUE INDEX batches_message_id ON batches (client_id, message_id) WHERE status NOT IN ('RJCT', 'RCVD');

CREATE TABLE payments (
    id                INTEGER PRIMARY KEY,
    batch_id          INTEGER NOT NULL REFERENCES batches(id),
    seq               INTEGER NOT NULL,
    user_id           TEXT NOT NULL,
    pmt_inf_id        TEXT NOT NULL,
    pmt_mtd           TEXT NOT NULL,
    instr_id          TEXT NOT NULL,
    end_to_end_id     TEXT NOT NULL,
    uetr              TEXT NOT NULL,
    debtor_iban       TEXT NOT NULL,
    debtor_name       TEXT NOT NULL,
    debtor_bic        TEXT NOT NULL,
    creditor_account  TEXT NOT NULL,
    creditor_is_iban  INTEGER NOT NULL,
    creditor_name     TEXT NOT NULL,
    creditor_bic      TEXT NOT NULL,
    creditor_country  TEXT NOT NULL,
    amount            TEXT NOT NULL,
    amount_minor      INTEGER,
    currency          TEXT NOT NULL,
    execution_date    TEXT NOT NULL,
    remittance        TEXT NOT NULL,
    reference         TEXT NOT NULL,
    purpose           TEXT NOT NULL,
    category_purpose  TEXT NOT NULL,
    priority          TEXT NOT NULL,
    service_level     TEXT NOT NULL,
    charge_bearer     TEXT NOT NULL,
    ultimate_debtor   TEXT NOT NULL,
    ultimate_creditor TEXT NOT NULL,
    position          TEXT NOT NULL,
    status            TEXT NOT NULL,
    reasons           TEXT NOT NULL,
    UNIQUE (batch_id, seq)
);
CREATE INDEX payments_debtor_e2e ON payments (debtor_iban, end_to_end_id);
CREATE INDEX payments_usage ON payments (user_id, debtor_iban, execution_date);

CREATE TABLE audit_events (
    id        INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    object    TEXT NOT NULL,
    details   TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);
