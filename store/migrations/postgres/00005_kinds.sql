-- +goose Up
-- Payment kinds and what some kinds need: the creditor's identity (cash
-- orders) and address (cross-border), a note when the execution date was
-- moved (cut-off, non-working day), and the hold of payments over an
-- unannounced client total until an operator releases them.
ALTER TABLE payments ADD COLUMN kind TEXT NOT NULL DEFAULT 'sepa';
ALTER TABLE payments ADD COLUMN creditor_id TEXT NOT NULL DEFAULT '';
ALTER TABLE payments ADD COLUMN creditor_address TEXT NOT NULL DEFAULT '';
ALTER TABLE payments ADD COLUMN note TEXT NOT NULL DEFAULT '';
ALTER TABLE payments ADD COLUMN released INTEGER NOT NULL DEFAULT 0;

-- The kinds an account may be used for (space-separated; empty: every kind),
-- and whether it is a budget institution's account.
ALTER TABLE accounts ADD COLUMN kinds TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN budget INTEGER NOT NULL DEFAULT 0;

-- A one-day change of a user's limits on an account.
CREATE TABLE limit_overrides (
    user_id       TEXT NOT NULL,
    account_iban  TEXT NOT NULL,
    day           TEXT NOT NULL,
    payment_limit TEXT NOT NULL,
    daily_limit   TEXT NOT NULL,
    set_by        TEXT NOT NULL,
    set_at        TEXT NOT NULL,
    PRIMARY KEY (user_id, account_iban, day)
);

-- Announcements of a large outgoing total for one date.
CREATE TABLE announcements (
    id          BIGSERIAL PRIMARY KEY,
    account_iban TEXT NOT NULL,
    day          TEXT NOT NULL,
    amount       TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    announced_at TEXT NOT NULL
);
CREATE INDEX announcements_day ON announcements (day);

-- Payment templates of a client.
CREATE TABLE templates (
    client_id  TEXT NOT NULL,
    name       TEXT NOT NULL,
    fields     TEXT NOT NULL,  -- JSON
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (client_id, name)
);
