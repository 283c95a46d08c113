-- +goose Up
-- The first answer to an API request that carried an Idempotency-Key: a
-- retry with the same key gets it again, byte for byte, instead of doing
-- the work twice. status 0 marks a request still being answered.
CREATE TABLE idempotency (
    user_id    TEXT NOT NULL,
    key        TEXT NOT NULL,
    scope      TEXT NOT NULL,    -- the method and path the key was first used for
    status     INTEGER NOT NULL,
    body       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (user_id, key)
);

-- +goose Down
DROP TABLE idempotency;
