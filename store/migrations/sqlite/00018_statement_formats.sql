-- +goose Up
-- The statements the nightly batch writes for an account beside its
-- camt.053, for the client's accounting program: a comma-separated list of
-- fidavista, camt054 (empty: none).
ALTER TABLE accounts ADD COLUMN statement_formats TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE accounts DROP COLUMN statement_formats;
