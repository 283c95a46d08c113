-- +goose Up
-- The indexes that find the payments still at work hold only those: the
-- ones awaiting signatures (PDNG) and the ones awaiting execution (ACCP),
-- and the executed ones by their day. An index over every status grew with
-- every payment ever stored, and each status change moved its entries:
-- signing moved two entries a payment, executing four, and an import wrote
-- three. Queries name the status they look for literally, which is what
-- lets the database use a partial index; the status stays the first
-- column, so that SQLite, which has no statistics, sees a lookup by it.
DROP INDEX payments_status;
DROP INDEX payments_due;
DROP INDEX payments_executed_on;
CREATE INDEX payments_pending ON payments (status, debtor_iban, execution_date) WHERE status = 'PDNG';
CREATE INDEX payments_due ON payments (status, execution_date) WHERE status = 'ACCP';
CREATE INDEX payments_executed_on ON payments (executed_on) WHERE executed_on <> '';

-- +goose Down
DROP INDEX payments_pending;
DROP INDEX payments_due;
DROP INDEX payments_executed_on;
CREATE INDEX payments_status ON payments (status, debtor_iban);
CREATE INDEX payments_due ON payments (status, execution_date);
CREATE INDEX payments_executed_on ON payments (executed_on);
