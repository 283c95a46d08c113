-- +goose Up
-- Answers to Idempotency-Keys are kept for a week (store.KeepAnswers); the
-- older ones are found by the time they were first claimed.
CREATE INDEX idempotency_created ON idempotency (created_at);

-- +goose Down
DROP INDEX idempotency_created;
