package signing

import (
	"context"
	"crypto/ed25519"
	"runtime"
	"sync"

	voi "github.com/oasisprotocol/curve25519-voi/primitives/ed25519"

	"maksa"
	"maksa/store"
)

// Signed is a payment with the signatures it carries and the levels its
// account requires.
type Signed struct {
	Payment  *maksa.Payment
	Required int
	Sigs     []store.Signature
}

// VerifyMany is Verify for many payments at once, on every core: the
// verdict of each (nil, or the *maksa.Problem Verify would return).
//
// Ed25519 signatures are verified together, in one batch per core
// (curve25519-voi, about three times faster a signature than one at a
// time). A batch follows the ZIP-215 rules, which accept every signature
// the standard rules accept (and, besides, only signatures that their own
// key's holder crafted to differ; no one else can make one); each
// signature was verified one by one with the standard rules when it was
// made. A signature the batch does not accept, and every ECDSA and RSA
// signature, is verified alone with the standard rules, with every key of
// its user, exactly as Verify does.
func (s *Service) VerifyMany(ctx context.Context, items []Signed, keysOf func(user string) []maksa.Key) ([]error, error) {
	instance, err := s.Instance(ctx)
	if err != nil {
		return nil, err
	}
	// Each set signature among them is verified once, before the parts.
	sets := map[int64]*setVerdict{}
	for _, it := range items {
		for _, sig := range it.Sigs {
			if sig.SetID != 0 && sets[sig.SetID] == nil {
				if sets[sig.SetID], err = s.verifySet(ctx, instance, sig.SetID, keysOf); err != nil {
					return nil, err
				}
			}
		}
	}
	verdicts := make([]error, len(items))
	parts := runtime.GOMAXPROCS(0)
	per := max(1, (len(items)+parts-1)/parts)
	var wg sync.WaitGroup
	for start := 0; start < len(items); start += per {
		end := min(start+per, len(items))
		wg.Go(func() { s.verifyPart(instance, items[start:end], verdicts[start:end], sets, keysOf) })
	}
	wg.Wait()
	return verdicts, nil
}

// batched is one signature in a batch: its item, its place in the item's
// signatures and the key it was checked with.
type batched struct {
	item, sig int
	key       *PublicKey
}

func (s *Service) verifyPart(instance string, items []Signed, verdicts []error, sets map[int64]*setVerdict, keysOf func(string) []maksa.Key) {
	digests := make([][]byte, len(items))
	batch := voi.NewBatchVerifier()
	var entries []batched
	for i, it := range items {
		if len(it.Sigs) < it.Required {
			continue // Verify says why
		}
		digests[i] = Digest(instance, it.Payment)
		for j, sig := range it.Sigs {
			if sig.SetID != 0 {
				continue // its set was verified once
			}
			if key, expanded := s.firstEd25519(keysOf(sig.UserID)); key != nil {
				batch.AddExpanded(expanded, digests[i], sig.Value)
				entries = append(entries, batched{item: i, sig: j, key: key})
			}
		}
	}
	valid := map[[2]int]*PublicKey{} // item and signature → the key that verified it
	if len(entries) > 0 {
		_, ok := batch.Verify(nil)
		for k, e := range entries {
			if ok[k] {
				valid[[2]int{e.item, e.sig}] = e.key
			}
		}
	}
	for i, it := range items {
		if len(it.Sigs) < it.Required {
			verdicts[i] = maksa.Problemf(maksa.DS24, maksa.Position{}, "payment %d has %d of %d signatures", it.Payment.ID, len(it.Sigs), it.Required)
			continue
		}
		for j, sig := range it.Sigs {
			if sig.SetID != 0 {
				if pr := checkSetSignature(sets[sig.SetID], it.Payment, sig, digests[i], instance, keysOf); pr != nil {
					verdicts[i] = pr
					break
				}
				continue
			}
			pk := valid[[2]int{i, j}]
			if pk == nil {
				var err error
				if pk, err = s.verifyWithAny(keysOf(sig.UserID), digests[i], sig.Value); err != nil {
					pk, err = s.verifyWithAny(keysOf(sig.UserID), DigestVersionOne(instance, it.Payment), sig.Value) // signed before version 2
				}
				if err != nil {
					verdicts[i] = maksa.Problemf(maksa.DS0E, maksa.Position{}, "the level %d signature by %s does not verify over the payment as it is now", sig.Level, sig.UserID)
					break
				}
			}
			if pk.Revoked {
				verdicts[i] = maksa.Problemf(maksa.DS0C, maksa.Position{}, "the key of %s's level %d signature has been revoked", sig.UserID, sig.Level)
				break
			}
		}
	}
}

// firstEd25519 returns the first of keys that parses as Ed25519 (the key
// verifyWithAny would try first for an Ed25519 signature), with its
// precomputed form for batches, or nil.
func (s *Service) firstEd25519(keys []maksa.Key) (*PublicKey, *voi.ExpandedPublicKey) {
	for _, k := range keys {
		pk, err := s.publicKey(k)
		if err != nil {
			continue
		}
		if raw, ok := pk.Key.(ed25519.PublicKey); ok {
			cached, ok := s.expanded.Load(k.PEM)
			if !ok {
				expanded, err := voi.NewExpandedPublicKey(voi.PublicKey(raw))
				if err != nil {
					return nil, nil
				}
				cached, _ = s.expanded.LoadOrStore(k.PEM, expanded)
			}
			return pk, cached.(*voi.ExpandedPublicKey)
		}
	}
	return nil, nil
}
