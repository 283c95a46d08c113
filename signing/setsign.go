package signing

import (
	"bytes"
	"cmp"
	"context"
	"crypto"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"

	"maksa"
	"maksa/store"
)

// QueueSet returns the set of the payments that await the user's next
// signature and that keep selects — each payment's id and canonical digest
// as it is now — in ascending id, for "maksa queue digest --list" and
// "maksa sign --set". The digests are made as the queue is read.
func (s *Service) QueueSet(ctx context.Context, user string, keep func(*maksa.Payment) bool) ([]Member, error) {
	instance, err := s.Instance(ctx)
	if err != nil {
		return nil, err
	}
	var members []Member
	err = s.eachQueued(ctx, user, "", func(it store.QueueItem) error {
		if keep(it.Payment) {
			m := Member{PaymentID: it.Payment.ID}
			copy(m.Digest[:], Digest(instance, it.Payment))
			members = append(members, m)
		}
		return nil
	})
	slices.SortFunc(members, func(a, b Member) int { return cmp.Compare(a.PaymentID, b.PaymentID) })
	return members, err
}

// SignSet signs the payments members lists (in ascending id, each with its
// digest as listed) with sig, a signature over the set's digest made
// elsewhere ("maksa queue digest --list", the console). The signature
// must verify with one of the user's directory keys (DS0E otherwise: then
// nothing is signed and the *maksa.Problem is returned). The set is
// stored first, whole; then each payment is decided as a single signature
// would be — levels, four eyes, limits, the verification of payee — and is
// signed by the set when its digest now is the one listed (DS0E
// otherwise). A payment refused inside the set leaves the others signed.
// each gets the outcomes as they are committed.
func (s *Service) SignSet(ctx context.Context, user string, members []Member, sig []byte, confirm bool, each func(Outcome) error) (int64, error) {
	instance, err := s.Instance(ctx)
	if err != nil {
		return 0, err
	}
	setDigest, err := SetDigest(instance, members)
	if err != nil {
		return 0, maksa.Problemf(maksa.NARR, maksa.Position{}, "%v", err)
	}
	u, err := s.Store.UserByID(ctx, user)
	if err != nil {
		return 0, err
	}
	if u == nil {
		return 0, maksa.Problemf(maksa.DS0H, maksa.Position{}, "the signer %s is not in the directory", user)
	}
	pk, err := s.verifyWithAny(u.Keys, setDigest, sig)
	if err != nil {
		return 0, maksa.Problemf(maksa.DS0E, maksa.Position{}, "the signature does not verify with any key of %s over the set's digest %x", user, setDigest)
	}
	if code, err := pk.Accept(s.Now()); err != nil {
		return 0, maksa.Problemf(code, maksa.Position{}, "%v", err)
	}
	set := &store.SignatureSet{UserID: user, Fingerprint: pk.Fingerprint, Value: sig, Digest: hex.EncodeToString(setDigest), Members: len(members)}
	setID, err := s.Store.CreateSet(ctx, set, func(yield func(int64, string) error) error {
		for _, m := range members {
			if err := yield(m.PaymentID, hex.EncodeToString(m.Digest[:])); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	ids := make([]int64, len(members))
	for i, m := range members {
		ids[i] = m.PaymentID
	}
	err = s.sign(ctx, user, ids, confirm, func(u *maksa.User, p *maksa.Payment, digest []byte) (produced, *maksa.Problem) {
		i, found := slices.BinarySearchFunc(members, p.ID, func(m Member, id int64) int { return int(m.PaymentID - id) })
		if !found || !bytes.Equal(members[i].Digest[:], digest) {
			return produced{}, maksa.Problemf(maksa.DS0E, maksa.Position{}, "payment %d changed after the set was listed: the set's signature does not cover it as it is now", p.ID)
		}
		return s.setSignature(u, pk, setID)
	}, each)
	return setID, err
}

// setSignature is a payment's signature by set setID, made with the key
// pk names — as user u's directory entry, read with the payment, has that
// key now (revoked meanwhile: DS0C).
func (s *Service) setSignature(u *maksa.User, pk *PublicKey, setID int64) (produced, *maksa.Problem) {
	for _, k := range u.Keys {
		if k.Fingerprint == pk.Fingerprint {
			if key, err := s.publicKey(k); err == nil {
				return produced{key: key, set: setID}, nil
			}
		}
	}
	return produced{}, maksa.Problemf(maksa.DS0C, maksa.Position{}, "%v", ErrUnknownKey)
}

// SignQueueAsSet makes a set of the payments that await user's next
// signature and that keep selects, and signs it with key, all in one
// transaction (store.SignAsOneSet): each payment is read once, listed with
// its digest as it is then, and decided as SignSet decides it; the set's
// digest is signed once every payment is listed. Nothing is signed when
// the transaction does not commit; each gets the outcomes, in ascending
// payment id, once it has. With nothing to sign it returns ErrEmptySet.
func (s *Service) SignQueueAsSet(ctx context.Context, user string, keep func(*maksa.Payment) bool, key crypto.Signer, confirm bool, each func(Outcome) error) (*store.SignatureSet, error) {
	instance, err := s.Instance(ctx)
	if err != nil {
		return nil, err
	}
	u, err := s.Store.UserByID(ctx, user)
	if err != nil {
		return nil, err
	}
	if u == nil {
		return nil, maksa.Problemf(maksa.DS0H, maksa.Position{}, "the signer %s is not in the directory", user)
	}
	pk, err := FindKey(u.Keys, key.Public())
	if err != nil {
		return nil, maksa.Problemf(maksa.DS0C, maksa.Position{}, "%v", err)
	}
	if code, err := pk.Accept(s.Now()); err != nil {
		return nil, maksa.Problemf(code, maksa.Position{}, "%v", err)
	}
	day := s.today()
	var (
		set     *store.SignatureSet
		members *memberSpool
		spool   *outcomeSpool
	)
	defer func() {
		if spool != nil {
			spool.close()
			members.close()
		}
	}()
	digestOf := func(p *maksa.Payment) []byte { // listed just before it is decided
		d, _ := members.digest(p.ID)
		return d
	}
	decide := s.decider(user, confirm, nil, digestOf, func(u *maksa.User, _ *maksa.Payment, _ []byte) (produced, *maksa.Problem) {
		return s.setSignature(u, pk, set.ID)
	})
	pick := func(st *store.SignState) bool {
		p := st.Payment
		for _, sig := range st.Signatures {
			if sig.UserID == user {
				return false
			}
		}
		if CheckSigner(st.User, st.Grant, len(st.Signatures)+1, day) != nil || !keep(p) {
			return false
		}
		m := Member{PaymentID: p.ID}
		copy(m.Digest[:], Digest(instance, p))
		members.add(m)
		return true
	}
	decided := func(results []store.SignResult) error {
		for _, r := range results {
			o, err := outcome(r.PaymentID, r)
			if err != nil {
				return err
			}
			if err := spool.add(o); err != nil {
				return err
			}
		}
		return members.endChunk()
	}
	seal := func() (func(yield func(int64, string) error) error, error) {
		if members.count == 0 {
			return nil, ErrEmptySet
		}
		h := NewSetHasher(instance, members.count)
		if err := members.each(func(m Member) error { h.Add(m); return nil }); err != nil {
			return nil, err
		}
		d, err := h.Sum()
		if err != nil {
			return nil, err
		}
		if set.Value, err = Sign(key, d); err != nil {
			return nil, maksa.Problemf(maksa.DS0E, maksa.Position{}, "cannot sign: %v", err)
		}
		set.Digest, set.Members = hex.EncodeToString(d), members.count
		return func(yield func(int64, string) error) error {
			return members.each(func(m Member) error { return yield(m.PaymentID, hex.EncodeToString(m.Digest[:])) })
		}, nil
	}
	// A transaction the database lost signed nothing: the set is made
	// again, from the queue as it is then, once it answers — unless its
	// commit went through and only the answer was lost: then the set is
	// stored, sealed as this try sealed it, and the outcomes kept are
	// what it signed.
	err = s.Outage.Retry(ctx, s.Patience, func() error {
		if spool != nil {
			if set.Digest != "" {
				stored, err := s.Store.Set(ctx, set.ID)
				switch {
				case err == nil && stored.UserID == user && stored.Digest == set.Digest && bytes.Equal(stored.Value, set.Value):
					return nil
				case err != nil && !errors.Is(err, store.ErrNotFound):
					return err
				}
			}
			spool.close()
			members.close()
		}
		set = &store.SignatureSet{UserID: user, Fingerprint: pk.Fingerprint}
		if spool, err = newOutcomeSpool(); err != nil {
			return err
		}
		if members, err = newMemberSpool(); err != nil {
			spool.close()
			spool = nil
			return err
		}
		return s.Store.SignAsOneSet(ctx, set, day, pick, decide, seal, decided)
	})
	if err != nil {
		return nil, err
	}
	return set, spool.replay(each)
}

// ErrEmptySet means that no payment selected awaits the signer: there is
// no set to sign.
var ErrEmptySet = errors.New("no payment selected awaits the signer's signature: there is no set to sign")

// setVerdict is what verifying one set signature found: nil err when the
// set's members give the digest signed and the signature verifies with the
// key named by fingerprint; mismatched are the payments whose signature
// row names another digest than the set lists.
type setVerdict struct {
	err         error
	fingerprint string
	mismatched  map[int64]bool
}

// verifySet verifies a set signature once: its members are read again and
// hashed, the digest must be the one stored and signed, and the signature
// must verify with a key of its signer in the directory now.
func (s *Service) verifySet(ctx context.Context, instance string, id int64, keysOf func(string) []maksa.Key) (*setVerdict, error) {
	if v, ok := s.sets.Load(id); ok {
		return v.(*setVerdict), nil
	}
	set, err := s.Store.Set(ctx, id)
	if err != nil {
		return nil, err
	}
	h := NewSetHasher(instance, set.Members)
	err = s.Store.EachSetMember(ctx, id, func(pid int64, digest string) error {
		var m Member
		m.PaymentID = pid
		if n, err := hex.Decode(m.Digest[:], []byte(digest)); err != nil || n != len(m.Digest) {
			return errBadSet
		}
		h.Add(m)
		return nil
	})
	if err != nil && !errors.Is(err, errBadSet) {
		return nil, err
	}
	v := &setVerdict{}
	switch sum, sumErr := h.Sum(); {
	case err != nil || sumErr != nil || hex.EncodeToString(sum) != set.Digest:
		v.err = fmt.Errorf("its list of payments is not the one signed")
	default:
		pk, err := s.verifyWithAny(keysOf(set.UserID), sum, set.Value)
		if err != nil {
			v.err = fmt.Errorf("its signature by %s does not verify with any of %s's keys", set.UserID, set.UserID)
		} else {
			v.fingerprint = pk.Fingerprint
		}
	}
	if v.err == nil {
		if v.mismatched, err = s.Store.SetMismatches(ctx, id); err != nil {
			return nil, err
		}
	}
	s.sets.Store(id, v)
	return v, nil
}

var errBadSet = errors.New("a set member's digest is not 32 bytes of hex")

// checkSetSignature is the verdict on one payment's signature by a set: the
// set verifies, lists the payment with the digest it has now (digest; or,
// for a set signed before version 2, its version 1 digest), and the key
// that signed it is not revoked.
func checkSetSignature(v *setVerdict, p *maksa.Payment, sig store.Signature, digest []byte, instance string, keysOf func(string) []maksa.Key) *maksa.Problem {
	switch {
	case v.err != nil:
		return maksa.Problemf(maksa.DS0E, maksa.Position{}, "the level %d signature by %s is set %d, which does not verify: %v", sig.Level, sig.UserID, sig.SetID, v.err)
	case v.mismatched[p.ID] || sig.Digest != hex.EncodeToString(digest) && sig.Digest != hex.EncodeToString(DigestVersionOne(instance, p)):
		return maksa.Problemf(maksa.DS0E, maksa.Position{}, "the level %d signature by %s (set %d) does not cover the payment as it is now", sig.Level, sig.UserID, sig.SetID)
	}
	for _, k := range keysOf(sig.UserID) {
		if k.Fingerprint == v.fingerprint && k.Revoked {
			return maksa.Problemf(maksa.DS0C, maksa.Position{}, "the key of %s's level %d signature (set %d) has been revoked", sig.UserID, sig.Level, sig.SetID)
		}
	}
	return nil
}
