-- +goose Up
-- Every clearing file and statement the nightly batch writes: which
-- postings it holds (those with after_posting < id <= last_posting of its
-- account and day), its message id and its sequence numbers. A file, once
-- planned, is written with exactly that content and never rewritten: a
-- later run of the same day plans a new file for the postings that came
-- after, so that a payment is in one clearing file only, ever.
CREATE TABLE sent_files (
    id            INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL,    -- clearing or statement
    account_iban  TEXT NOT NULL,    -- the statement's account; the clearing account
    day           TEXT NOT NULL,    -- the business day, YYYY-MM-DD
    seq           INTEGER NOT NULL, -- 1, 2, … within (kind, account, day)
    account_seq   INTEGER NOT NULL, -- 1, 2, … within (kind, account): a statement's ElctrncSeqNb
    message_id    TEXT NOT NULL UNIQUE,
    after_posting BIGINT NOT NULL,
    last_posting  BIGINT NOT NULL,
    created_at    TEXT NOT NULL,    -- RFC 3339 with the offset
    path          TEXT NOT NULL,
    written       INTEGER NOT NULL DEFAULT 0,
    UNIQUE (kind, account_iban, day, seq),
    UNIQUE (kind, account_iban, account_seq)
);

-- +goose Down
DROP TABLE sent_files;
