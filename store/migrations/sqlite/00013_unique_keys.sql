-- +goose Up
-- A key or certificate signs for one user only: the API finds the user by
-- the key, and two users with one key made it pick either. directory apply
-- refuses such a file; the index makes the lookup unique by construction.
CREATE UNIQUE INDEX user_keys_fingerprint ON user_keys (fingerprint);

-- +goose Down
DROP INDEX user_keys_fingerprint;
