-- +goose Up
-- Set signatures: one signature over the digest of a set of payments
-- (signing/set.go). A set keeps its signer, key, signature and digest, and
-- every payment it lists with the digest listed, so that the night can
-- compute the set's digest again and prove each payment in it. A payment
-- signed by a set has a signatures row naming the set and no value of its
-- own.
CREATE TABLE signature_sets (
    id          INTEGER PRIMARY KEY,
    user_id     TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    signature   TEXT NOT NULL,
    digest      TEXT NOT NULL,
    members     INTEGER NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE TABLE set_members (
    set_id     BIGINT NOT NULL REFERENCES signature_sets(id),
    payment_id BIGINT NOT NULL,
    digest     TEXT NOT NULL,
    PRIMARY KEY (set_id, payment_id)
);
ALTER TABLE signatures ADD COLUMN set_id BIGINT REFERENCES signature_sets(id);

-- +goose Down
ALTER TABLE signatures DROP COLUMN set_id;
DROP TABLE set_members;
DROP TABLE signature_sets;
