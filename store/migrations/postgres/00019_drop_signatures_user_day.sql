-- +goose Up
-- No query reads signatures by signer and day: the daily signing limit is
-- checked against signed_totals (00006). The index only cost every
-- signature row a third index entry to write.
DROP INDEX signatures_user_day;

-- +goose Down
CREATE INDEX signatures_user_day ON signatures (user_id, signed_day);
