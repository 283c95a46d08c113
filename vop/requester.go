package vop

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"go.yaml.in/yaml/v3"

	"maksa"
)

// Routes say which VoP service answers for which bank, like the EPC
// Directory Service. The routing file is YAML:
//
//	participants:
//	  - name: Swedbank AS
//	    bic: HABALV22
//	    banks: [LV:HABA]          # country and the start of the IBAN after its check digits
//	    url: https://vop.example.lv/vop/v1/payee-verifications
type Routes struct {
	Participants []Participant `yaml:"participants"`
}

// Participant is one bank's (or routing service's) VoP endpoint.
type Participant struct {
	Name  string   `yaml:"name"`
	BIC   string   `yaml:"bic"`
	Banks []string `yaml:"banks"`
	URL   string   `yaml:"url"`
}

// LoadRoutes reads a routing file.
func LoadRoutes(path string) (*Routes, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r Routes
	if err := yaml.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	for i, p := range r.Participants {
		if !strings.HasPrefix(p.URL, "https://") {
			return nil, fmt.Errorf("%s: participant %d (%s): url %q is not https", path, i+1, p.Name, p.URL)
		}
		if p.BIC == "" && len(p.Banks) == 0 {
			return nil, fmt.Errorf("%s: participant %d (%s) names neither a bic nor banks", path, i+1, p.Name)
		}
		for _, b := range p.Banks {
			if country, code, ok := strings.Cut(b, ":"); !ok || len(country) != 2 || code == "" {
				return nil, fmt.Errorf("%s: participant %d (%s): bank %q is not COUNTRY:CODE (LV:HABA)", path, i+1, p.Name, b)
			}
		}
	}
	return &r, nil
}

// route finds the participant for an IBAN (and the BIC the payer gave):
// the BIC's participant first, else the longest bank code the IBAN starts
// with.
func (r *Routes) route(iban, bic string) *Participant {
	if r == nil {
		return nil
	}
	for i, p := range r.Participants {
		if bic != "" && p.BIC != "" && (p.BIC == bic || p.BIC[:min(8, len(p.BIC))] == bic[:min(8, len(bic))]) {
			return &r.Participants[i]
		}
	}
	var best *Participant
	longest := 0
	for i, p := range r.Participants {
		for _, b := range p.Banks {
			country, code, _ := strings.Cut(b, ":")
			if len(iban) > 4 && iban[:2] == country && strings.HasPrefix(iban[4:], code) && len(code) > longest {
				best, longest = &r.Participants[i], len(code)
			}
		}
	}
	return best
}

// Requester asks other banks' VoP services, over HTTPS with the
// treasury's client certificate.
type Requester struct {
	Routes *Routes
	Client *http.Client // with the client certificate and the CAs to trust
	// Timeout bounds one request; Parallel is how many run at once.
	Timeout  time.Duration
	Parallel int
	// BIC is the treasury's, sent as the requesting agent.
	BIC string
	Log *slog.Logger
}

// Query is what one payment asks.
type Query struct {
	IBAN, BIC, Name, ID string
}

// Pending is a query asked and not yet answered.
type Pending struct {
	done   chan struct{}
	query  Query
	answer maksa.PayeeCheck
}

// Wait returns the answer.
func (p *Pending) Wait() maksa.PayeeCheck {
	<-p.done
	return p.answer
}

// Round is the queries of one file: each distinct query is asked once, at
// most Parallel at a time; Ask blocks while all of them are busy.
type Round struct {
	rq   *Requester
	ctx  context.Context
	jobs chan *Pending
	seen map[Query]*Pending
	wg   sync.WaitGroup
}

// Start begins a round. Close it when every query is asked.
func (rq *Requester) Start(ctx context.Context) *Round {
	n := max(1, rq.Parallel)
	r := &Round{rq: rq, ctx: ctx, jobs: make(chan *Pending, n), seen: map[Query]*Pending{}}
	for range n {
		r.wg.Go(func() {
			for p := range r.jobs {
				p.answer = rq.ask(ctx, p.query)
				close(p.done)
			}
		})
	}
	return r
}

// Ask asks a query, or finds it asked already.
func (r *Round) Ask(q Query) *Pending {
	if p := r.seen[q]; p != nil {
		return p
	}
	p := &Pending{done: make(chan struct{}), query: q}
	r.seen[q] = p
	if ans, ok := r.rq.Unroutable(q); ok {
		p.answer = ans
		close(p.done)
		return p
	}
	r.jobs <- p
	return p
}

// Close lets the round's workers go once every query is answered.
func (r *Round) Close() {
	close(r.jobs)
	r.wg.Wait()
}

// Unroutable answers the queries no bank can be asked about: no IBAN, a
// bank outside the EEA, no routing file, no route.
func (rq *Requester) Unroutable(q Query) (maksa.PayeeCheck, bool) {
	noap := func(format string, args ...any) (maksa.PayeeCheck, bool) {
		return maksa.PayeeCheck{Result: maksa.PayeeNotPossible, Note: fmt.Sprintf(format, args...)}, true
	}
	switch {
	case len(q.IBAN) < 5:
		return noap("no IBAN")
	case !maksa.InEEA(q.IBAN[:2]):
		return noap("the payee's bank is outside the EEA and takes no part in the VoP scheme")
	case rq.Routes == nil:
		return noap("no VoP routing file is configured")
	case rq.Routes.route(q.IBAN, q.BIC) == nil:
		return noap("no VoP route to the payee's bank (%s)", q.IBAN[:2])
	}
	return maksa.PayeeCheck{}, false
}

// maxResponse bounds what is read of an answer.
const maxResponse = 64 << 10

// ask sends one request and turns whatever happens into a check: no
// answer, a slow one, a wrong certificate or garbage is NOAP and a log
// line, never an error.
func (rq *Requester) ask(ctx context.Context, q Query) maksa.PayeeCheck {
	p := rq.Routes.route(q.IBAN, q.BIC)
	timeout := rq.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	resp, err := rq.post(ctx, p, q)
	if err != nil {
		if rq.Log != nil {
			rq.Log.Warn("verification of payee not possible", "bank", p.Name, "url", p.URL, "err", err)
		}
		return maksa.PayeeCheck{Result: maksa.PayeeNotPossible, Note: "the payee's bank did not answer: " + shortReason(err)}
	}
	c := resp.check()
	if c.Result == maksa.PayeeNotPossible && rq.Log != nil && resp.PartyNameMatch != maksa.PayeeNotPossible {
		rq.Log.Warn("verification of payee not possible", "bank", p.Name, "url", p.URL, "answer", resp.PartyNameMatch)
	}
	return c
}

func (rq *Requester) post(ctx context.Context, p *Participant, q Query) (*Response, error) {
	body, _ := json.Marshal(Request{PartyAccount: Account{IBAN: q.IBAN}, PartyName: q.Name, PartyID: q.ID, RequestingBIC: rq.BIC, RespondingBIC: p.BIC})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.URL, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Request-ID", requestID())
	client := rq.Client
	if client == nil {
		client = http.DefaultClient
	}
	res, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		io.Copy(io.Discard, io.LimitReader(res.Body, maxResponse))
		return nil, fmt.Errorf("HTTP %d", res.StatusCode)
	}
	var out Response
	if err := json.NewDecoder(io.LimitReader(res.Body, maxResponse)).Decode(&out); err != nil {
		return nil, fmt.Errorf("an answer that is not the scheme's JSON: %w", err)
	}
	return &out, nil
}

// shortReason says why a request failed in a few words, for the signer.
func shortReason(err error) string {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "no answer in time"
	case strings.Contains(err.Error(), "certificate"):
		return "its certificate is not trusted"
	case strings.HasPrefix(err.Error(), "HTTP "):
		return err.Error()
	case strings.Contains(err.Error(), "JSON"):
		return "an answer that is not the scheme's"
	}
	return "no connection"
}

func requestID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
