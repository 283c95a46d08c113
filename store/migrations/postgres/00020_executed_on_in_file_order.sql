-- +goose Up
-- The daily report and the execution reports read the payments executed
-- on a day by import batch and file order. With the batch and the
-- sequence in the index the database reads them in that order; before,
-- it sorted them (a million rows, twice a night).
DROP INDEX payments_executed_on;
CREATE INDEX payments_executed_on ON payments (executed_on, batch_id, seq) WHERE executed_on <> '';

-- +goose Down
DROP INDEX payments_executed_on;
CREATE INDEX payments_executed_on ON payments (executed_on) WHERE executed_on <> '';
