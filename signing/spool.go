package signing

import (
	"bufio"
	"cmp"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"

	"maksa"
)

// outcomeSpool keeps the outcomes of a set signed in one transaction until
// it commits, in a temporary file without a name: they are reported only
// once they are true, and a million of them need no memory.
type outcomeSpool struct {
	f   *os.File
	w   *bufio.Writer
	buf []byte
	n   int
}

func newOutcomeSpool() (*outcomeSpool, error) {
	f, err := os.CreateTemp("", "maksa-outcomes-*")
	if err != nil {
		return nil, fmt.Errorf("keeping the outcomes until the set is committed: %w", err)
	}
	os.Remove(f.Name()) // gone with the process, however it ends
	return &outcomeSpool{f: f, w: bufio.NewWriterSize(f, 64<<10)}, nil
}

func (s *outcomeSpool) close() { s.f.Close() }

// add keeps one outcome.
func (s *outcomeSpool) add(o Outcome) error {
	b := s.buf[:0]
	b = binary.AppendVarint(b, o.PaymentID)
	b = binary.AppendVarint(b, o.BatchID)
	b = binary.AppendUvarint(b, uint64(o.Level))
	b = binary.AppendUvarint(b, uint64(o.Required))
	signed := byte(0)
	if o.Signed {
		signed = 1
	}
	b = append(b, signed)
	b = appendString(b, o.EndToEndID)
	b = appendString(b, string(o.Status))
	reasons := ""
	if len(o.Reasons) > 0 {
		js, err := json.Marshal(o.Reasons)
		if err != nil {
			return err
		}
		reasons = string(js)
	}
	b = appendString(b, reasons)
	s.buf, s.n = b, s.n+1
	_, err := s.w.Write(b)
	return err
}

func appendString(b []byte, v string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(v))), v...)
}

// replay gives each outcome kept, in the order kept.
func (s *outcomeSpool) replay(each func(Outcome) error) error {
	if err := s.w.Flush(); err != nil {
		return err
	}
	if _, err := s.f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	r := bufio.NewReaderSize(s.f, 64<<10)
	for range s.n {
		var o Outcome
		var level, required uint64
		var signed byte
		var status, reasons string
		err := firstError(
			readVarint(r, &o.PaymentID), readVarint(r, &o.BatchID), readUvarint(r, &level), readUvarint(r, &required),
			readByte(r, &signed), readString(r, &o.EndToEndID), readString(r, &status), readString(r, &reasons))
		if err != nil {
			return fmt.Errorf("reading the outcomes kept: %w", err)
		}
		o.Level, o.Required, o.Signed, o.Status, o.Reasons = int(level), int(required), signed == 1, maksa.Status(status), []maksa.Problem{}
		if reasons != "" {
			if err := json.Unmarshal([]byte(reasons), &o.Reasons); err != nil {
				return fmt.Errorf("reading the outcomes kept: %w", err)
			}
		}
		if err := each(o); err != nil {
			return err
		}
	}
	return nil
}

// The readers below read one field each; a row's fields are all read
// before its first error is looked at (firstError): after an error the
// rest is garbage, and the row fails anyway.

func readVarint(r *bufio.Reader, v *int64) error {
	n, err := binary.ReadVarint(r)
	*v = n
	return err
}

func readUvarint(r *bufio.Reader, v *uint64) error {
	n, err := binary.ReadUvarint(r)
	*v = n
	return err
}

func readByte(r *bufio.Reader, v *byte) error {
	b, err := r.ReadByte()
	*v = b
	return err
}

func readString(r *bufio.Reader, v *string) error {
	n, err := binary.ReadUvarint(r)
	if err != nil {
		return err
	}
	b := make([]byte, n)
	_, err = io.ReadFull(r, b)
	*v = string(b)
	return err
}

func firstError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// memberSpool lists the members of a set made in one transaction: those
// of the chunk being decided in memory (digest finds them), every one
// listed before in a temporary file without a name — a set of a million
// payments holds 40 MB of members, which the collector would otherwise
// walk again and again.
type memberSpool struct {
	f     *os.File
	w     *bufio.Writer
	chunk []Member // ascending id
	count int
}

func newMemberSpool() (*memberSpool, error) {
	f, err := os.CreateTemp("", "maksa-set-*")
	if err != nil {
		return nil, fmt.Errorf("keeping the set's list: %w", err)
	}
	os.Remove(f.Name())
	return &memberSpool{f: f, w: bufio.NewWriterSize(f, 64<<10)}, nil
}

func (s *memberSpool) close() { s.f.Close() }

// add lists the next member (in ascending id).
func (s *memberSpool) add(m Member) {
	s.chunk = append(s.chunk, m)
	s.count++
}

// digest is the digest listed for a member of the chunk being decided.
func (s *memberSpool) digest(id int64) ([]byte, bool) {
	i, found := slices.BinarySearchFunc(s.chunk, id, func(m Member, id int64) int { return cmp.Compare(m.PaymentID, id) })
	if !found {
		return nil, false
	}
	return s.chunk[i].Digest[:], true
}

// endChunk moves the chunk's members to the file.
func (s *memberSpool) endChunk() error {
	var rec [40]byte
	for _, m := range s.chunk {
		binary.BigEndian.PutUint64(rec[:8], uint64(m.PaymentID))
		copy(rec[8:], m.Digest[:])
		if _, err := s.w.Write(rec[:]); err != nil {
			return err
		}
	}
	s.chunk = s.chunk[:0]
	return nil
}

// each gives every member listed, in ascending id.
func (s *memberSpool) each(fn func(Member) error) error {
	if err := s.endChunk(); err != nil {
		return err
	}
	if err := s.w.Flush(); err != nil {
		return err
	}
	if _, err := s.f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	r := bufio.NewReaderSize(s.f, 64<<10)
	var rec [40]byte
	for range s.count {
		if _, err := io.ReadFull(r, rec[:]); err != nil {
			return fmt.Errorf("reading the set's list: %w", err)
		}
		m := Member{PaymentID: int64(binary.BigEndian.Uint64(rec[:8]))}
		copy(m.Digest[:], rec[8:])
		if err := fn(m); err != nil {
			return err
		}
	}
	return nil
}
