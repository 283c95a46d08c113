-- +goose Up
-- A claim is one watched file on its way from the inbox to the archive.
-- The database decides which maksa process owns it: at most one unfinished
-- claim exists per (user, file name, content), and report names are
-- reserved per user, so two processes never answer one file twice.
CREATE TABLE watch_claims (
    id          BIGSERIAL PRIMARY KEY,
    user_id     TEXT NOT NULL,
    name        TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    owner       TEXT NOT NULL,
    state       TEXT NOT NULL,   -- claimed, imported, done
    processing  TEXT NOT NULL,   -- where the file is while it is processed
    report      TEXT,            -- the reserved pain.002 file name in outbox/<user>/
    batch       TEXT NOT NULL,   -- the batch outcome (JSON) once imported
    destination TEXT NOT NULL,   -- where the original went (archive/… or rejected/…)
    heartbeat   TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    done_at     TEXT NOT NULL
);
CREATE UNIQUE INDEX watch_claims_open ON watch_claims (user_id, name, sha256) WHERE state <> 'done';
CREATE UNIQUE INDEX watch_claims_report ON watch_claims (user_id, report);
CREATE INDEX watch_claims_state ON watch_claims (state);
