package signing

// # Set signatures (version 1)
//
// A signer may sign a set of payments — a batch, a selection, everything
// awaiting them — with one signature over the set's digest, the SHA-256 of
// this serialisation:
//
//	maksa-set-v1=0:
//	instance=36:<the maksa installation's id>
//	count=<n>:<number of payments>
//	<payment id>:<the payment's canonical digest, 64 lower-case hex digits>
//	…
//
// one line per payment, in ascending payment id, each ending in a newline.
// The set binds the installation and each payment's canonical digest (see
// Digest), so it covers exactly those payments as they were listed. The
// list a signer signs is written by "maksa queue digest --list" as the
// lines after the header, prefixed by one comment line:
//
//	# maksa-set-v1 3 <set digest hex>
//	17 2b1c…
//	18 9a0f…
//
// Every rule applies to each payment of a set as to a single signature
// (levels, four eyes, limits, the verification of payee): a payment refused
// inside a set is not signed, and its refusal says why; the others are. The
// set's signature is verified once; each payment is signed by the set when
// its digest now equals the one listed (DS0E otherwise). The night verifies
// the set once per run and proves each payment in it the same way.
// testdata/signing/set-vectors.json has test vectors.

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"strconv"
	"strings"
)

// SetVersion names the set serialisation.
const SetVersion = "maksa-set-v1"

// Member is one payment of a set: its id and canonical digest.
type Member struct {
	PaymentID int64
	Digest    [32]byte
}

// SetHasher computes a set digest from its members, given one at a time in
// ascending payment id (so that a million members need no memory).
type SetHasher struct {
	h     hash.Hash
	w     io.Writer // h, or h and the message's copy (SetMessage)
	count int
	added int
	last  int64
	err   error
}

// NewSetHasher starts the digest of a set of count payments.
func NewSetHasher(instance string, count int) *SetHasher {
	return newSetHasher(instance, count, nil)
}

// newSetHasher is NewSetHasher, copying what is hashed to message too
// when it is not nil.
func newSetHasher(instance string, count int, message io.Writer) *SetHasher {
	s := &SetHasher{h: sha256.New(), count: count}
	s.w = s.h
	if message != nil {
		s.w = io.MultiWriter(s.h, message)
	}
	n := strconv.Itoa(count)
	fmt.Fprintf(s.w, "%s=0:\ninstance=%d:%s\ncount=%d:%s\n", SetVersion, len(instance), instance, len(n), n)
	return s
}

// Add adds the next member.
func (s *SetHasher) Add(m Member) {
	if s.err == nil && s.added > 0 && m.PaymentID <= s.last {
		s.err = fmt.Errorf("payment %d after %d: a set lists its payments once each, in ascending id", m.PaymentID, s.last)
	}
	s.added, s.last = s.added+1, m.PaymentID
	var line [20 + 1 + 64 + 1]byte
	b := strconv.AppendInt(line[:0], m.PaymentID, 10)
	b = append(b, ':')
	b = hex.AppendEncode(b, m.Digest[:])
	b = append(b, '\n')
	s.w.Write(b)
}

// Sum returns the set digest, or an error when the members were not the
// count announced, in ascending id.
func (s *SetHasher) Sum() ([]byte, error) {
	if s.err == nil && s.added != s.count {
		s.err = fmt.Errorf("%d payments listed, the set has %d", s.added, s.count)
	}
	return s.h.Sum(nil), s.err
}

// SetDigest returns the digest of the set of members, which must be in
// ascending payment id.
func SetDigest(instance string, members []Member) ([]byte, error) {
	s := NewSetHasher(instance, len(members))
	for _, m := range members {
		s.Add(m)
	}
	return s.Sum()
}

// SetMessage returns the bytes whose SHA-256 is the set's digest: what a
// browser signs with ECDSA or RSA-PSS, as WebCrypto hashes it itself.
func SetMessage(instance string, members []Member) ([]byte, error) {
	var msg bytes.Buffer
	s := newSetHasher(instance, len(members), &msg)
	for _, m := range members {
		s.Add(m)
	}
	_, err := s.Sum()
	return msg.Bytes(), err
}

// WriteSetList writes the list a signer signs: a comment line with the
// version, the count and the set digest, then "<payment id> <digest hex>"
// per member.
func WriteSetList(w io.Writer, members []Member, setDigest []byte) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "# %s %d %x\n", SetVersion, len(members), setDigest)
	for _, m := range members {
		fmt.Fprintf(bw, "%d %x\n", m.PaymentID, m.Digest)
	}
	return bw.Flush()
}

// ErrSetList is a list file that is not one "maksa queue digest" wrote.
var ErrSetList = errors.New("not a maksa set list")

// ReadSetList reads a list WriteSetList wrote, and the set digest its
// header names.
func ReadSetList(r io.Reader) ([]Member, []byte, error) {
	sc := bufio.NewScanner(r)
	if !sc.Scan() {
		return nil, nil, fmt.Errorf("%w: it is empty", ErrSetList)
	}
	head := strings.Fields(sc.Text())
	if len(head) != 4 || head[0] != "#" || head[1] != SetVersion {
		return nil, nil, fmt.Errorf("%w: the first line is not \"# %s <count> <digest>\"", ErrSetList, SetVersion)
	}
	count, err := strconv.Atoi(head[2])
	if err != nil || count < 0 {
		return nil, nil, fmt.Errorf("%w: count %q", ErrSetList, head[2])
	}
	digest, err := hex.DecodeString(head[3])
	if err != nil || len(digest) != sha256.Size {
		return nil, nil, fmt.Errorf("%w: set digest %q", ErrSetList, head[3])
	}
	members := make([]Member, 0, count)
	for line := 2; sc.Scan(); line++ {
		id, d, ok := strings.Cut(sc.Text(), " ")
		var m Member
		var err error
		if m.PaymentID, err = strconv.ParseInt(id, 10, 64); !ok || err != nil {
			return nil, nil, fmt.Errorf("%w: line %d is not \"<payment id> <digest>\"", ErrSetList, line)
		}
		if n, err := hex.Decode(m.Digest[:], []byte(d)); err != nil || n != sha256.Size || len(d) != 2*sha256.Size {
			return nil, nil, fmt.Errorf("%w: line %d: digest %q", ErrSetList, line, d)
		}
		members = append(members, m)
	}
	if err := sc.Err(); err != nil {
		return nil, nil, err
	}
	if len(members) != count {
		return nil, nil, fmt.Errorf("%w: %d payments listed, the header says %d", ErrSetList, len(members), count)
	}
	return members, digest, nil
}
