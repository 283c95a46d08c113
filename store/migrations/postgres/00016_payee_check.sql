-- +goose Up
-- Verification of payee: a client's registration number (a payer who
-- gives it as the creditor's id is matched whatever the name) and its
-- opt-out for files of many payments; each payment's outcome, the
-- registered name told on a close match and why a check was not
-- possible; and the outcome a signer confirmed with a signature.
ALTER TABLE clients ADD COLUMN reg_no TEXT NOT NULL DEFAULT '';
ALTER TABLE clients ADD COLUMN vop_opt_out INTEGER NOT NULL DEFAULT 0;
ALTER TABLE payments ADD COLUMN vop_result TEXT NOT NULL DEFAULT '';
ALTER TABLE payments ADD COLUMN vop_name TEXT NOT NULL DEFAULT '';
ALTER TABLE payments ADD COLUMN vop_note TEXT NOT NULL DEFAULT '';
ALTER TABLE signatures ADD COLUMN vop_confirmed TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE signatures DROP COLUMN vop_confirmed;
ALTER TABLE payments DROP COLUMN vop_note;
ALTER TABLE payments DROP COLUMN vop_name;
ALTER TABLE payments DROP COLUMN vop_result;
ALTER TABLE clients DROP COLUMN vop_opt_out;
ALTER TABLE clients DROP COLUMN reg_no;
