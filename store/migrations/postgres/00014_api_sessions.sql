-- +goose Up
-- The API's session tokens, where every maksa serve process sees them: the
-- token's SHA-256 (never the token), the user and the key that opened it,
-- when it was opened and last used. A session ends after its idle timeout,
-- after its absolute lifetime, or when its key leaves the directory.
CREATE TABLE api_sessions (
    token_hash  TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    opened_at   TEXT NOT NULL,
    last_used   TEXT NOT NULL
);

-- +goose Down
DROP TABLE api_sessions;
