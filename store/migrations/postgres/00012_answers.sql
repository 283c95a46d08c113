-- +goose Up
-- The pain.002 version a batch's answers are written in (0: the user's
-- pain002_version from the directory, and when that is 0 too, the version
-- that follows the request's: pain.001.001.03 → pain.002.001.03, .09 and
-- later → pain.002.001.10), and the numbers that make every status
-- report's MsgId unique, whatever the clock says.
ALTER TABLE batches ADD COLUMN answer_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN pain002_version INTEGER NOT NULL DEFAULT 0;
CREATE TABLE report_numbers (
    id         BIGSERIAL PRIMARY KEY,
    created_at TEXT NOT NULL
);

-- +goose Down
DROP TABLE report_numbers;
ALTER TABLE batches DROP COLUMN answer_version;
ALTER TABLE users DROP COLUMN pain002_version;
