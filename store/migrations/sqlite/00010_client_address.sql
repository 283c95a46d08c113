-- +goose Up
-- A client's postal address (maksa.Address as JSON): the debtor's address
-- in the outbound clearing file, structured as the EPC rules want it from
-- 15 November 2026.
ALTER TABLE clients ADD COLUMN address TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE clients DROP COLUMN address;
