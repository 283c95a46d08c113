package maksa

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"strconv"
	"time"
)

// AuditEvent is one entry of the tamper-evident audit log. Each event holds
// the hash of the one before it, so the log is a hash chain.
type AuditEvent struct {
	ID       int64     `json:"id"`
	At       time.Time `json:"at"`
	Actor    string    `json:"actor"`
	Action   string    `json:"action"`
	Object   string    `json:"object"`
	Details  string    `json:"details"` // JSON
	PrevHash string    `json:"prev_hash"`
	Hash     string    `json:"hash"`
}

// ComputeHash returns the SHA-256, hex, over the previous hash and every
// field of the event, each length-prefixed so that no two events share a
// serialisation. The time is hashed as RFC 3339 with nanoseconds in UTC.
func (e *AuditEvent) ComputeHash() string {
	h := sha256.New()
	var n [8]byte
	for _, s := range []string{e.PrevHash, strconv.FormatInt(e.ID, 10), e.At.UTC().Format(time.RFC3339Nano), e.Actor, e.Action, e.Object, e.Details} {
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	return hex.EncodeToString(h.Sum(nil))
}
