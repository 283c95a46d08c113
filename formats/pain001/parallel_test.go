package pain001_test

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"golang.org/x/text/encoding/charmap"

	"maksa"
	"maksa/formats/pain001"
	"maksa/internal/test/testgen"
)

// readParallel reads doc as readAll does, with a ParallelReader cutting
// chunks of about chunk bytes; parallel reports whether it read without
// falling back to reading in sequence. It keeps a copy of each payment
// and hands the payment back (Recycle), as the structural validation
// does: a payment filled again while the reader still used it would
// differ from the sequential Reader's.
func readParallel(name string, doc []byte, chunk int64) (h *pain001.Header, ps []*maksa.Payment, infos []pain001.PaymentInfo, parallel bool, err error) {
	r := pain001.NewParallelReaderOf(bytes.NewReader(doc), int64(len(doc)), chunk, 3)
	defer r.Close()
	r.File = name
	r.OnPaymentInfo = func(pi pain001.PaymentInfo) { infos = append(infos, pi) }
	if h, err = r.Header(); err != nil {
		return nil, nil, nil, false, err
	}
	err = eachPayment(r, func(p *maksa.Payment) {
		kept := *p
		ps = append(ps, &kept)
	})
	return h, ps, infos, r.Parallel(), err
}

// eachPayment calls fn with each payment r reads after its header, then
// hands the payment back (Recycle).
func eachPayment(r *pain001.ParallelReader, fn func(*maksa.Payment)) error {
	for {
		p, err := r.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		fn(p)
		r.Recycle(p)
	}
}

// TestParallelReaderRecycles checks that payments handed back are filled
// again: a file of many payments is read with far fewer.
func TestParallelReaderRecycles(t *testing.T) {
	doc := generated(t, 20000, 500)
	r := pain001.NewParallelReaderOf(bytes.NewReader(doc), int64(len(doc)), 16<<10, 2)
	defer r.Close()
	if _, err := r.Header(); err != nil {
		t.Fatal(err)
	}
	seen := map[*maksa.Payment]bool{}
	n := 0
	if err := eachPayment(r, func(p *maksa.Payment) { n++; seen[p] = true }); err != nil {
		t.Fatal(err)
	}
	if n != 20000 || len(seen) > n/10 || !r.Parallel() {
		t.Errorf("%d payments read in %d (parallel %v); handed back, they should have been filled again", n, len(seen), r.Parallel())
	}
}

// sameAsSequential reads doc both ways and fails t on any difference; it
// reports whether the ParallelReader read without falling back.
func sameAsSequential(t *testing.T, doc []byte, chunk int64) bool {
	t.Helper()
	h1, ps1, infos1, err1 := readAll("doc.xml", doc)
	h2, ps2, infos2, parallel, err2 := readParallel("doc.xml", doc, chunk)
	if fmt.Sprint(err1) != fmt.Sprint(err2) {
		t.Fatalf("chunk %d: error %v, in sequence %v", chunk, err2, err1)
	}
	if !reflect.DeepEqual(h1, h2) {
		t.Fatalf("chunk %d: header %+v, in sequence %+v", chunk, h2, h1)
	}
	if len(ps1) != len(ps2) {
		t.Fatalf("chunk %d: %d payments, in sequence %d", chunk, len(ps2), len(ps1))
	}
	for i := range ps1 {
		if !reflect.DeepEqual(ps1[i], ps2[i]) {
			t.Fatalf("chunk %d: payment %d\n%+v\nin sequence\n%+v", chunk, i+1, *ps2[i], *ps1[i])
		}
	}
	if len(infos1) != len(infos2) {
		t.Fatalf("chunk %d: %d PmtInf blocks, in sequence %d", chunk, len(infos2), len(infos1))
	}
	for i := range infos1 {
		a, b := infos1[i], infos2[i]
		if !a.Sum.Equal(b.Sum) {
			t.Fatalf("chunk %d: PmtInf %d sums %s, in sequence %s", chunk, i+1, b.Sum, a.Sum)
		}
		a.Sum = b.Sum // equal, perhaps not in the same representation
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("chunk %d: PmtInf %d\n%+v\nin sequence\n%+v", chunk, i+1, b, a)
		}
	}
	return parallel
}

func generated(t testing.TB, count, perInfo int) []byte {
	var buf bytes.Buffer
	spec := testgen.Spec{Count: count, PerInfo: perInfo, Version: 3, MessageID: "PAR", Seed: 7, Invalid: 0.05,
		Date: time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)}
	if err := spec.WritePain001(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestParallelReaderLongPayment reads a document with a payment of more
// than a megabyte (thousands of remittance lines): past that, the chunk
// it falls in is not held in memory but read to the end from the file,
// with what the sequential Reader gives.
func TestParallelReaderLongPayment(t *testing.T) {
	doc := generated(t, 600, 100)
	at := bytes.Index(doc, []byte("<CdtTrfTxInf><PmtId><InstrId>I300<"))
	ustrd := bytes.Index(doc[at:], []byte("<Ustrd>"))
	if at < 0 || ustrd < 0 {
		t.Fatal("no payment 300 with a remittance in the generated document")
	}
	long := bytes.Repeat([]byte("<Ustrd>"+strings.Repeat("x", 120)+"</Ustrd>"), 10000)
	doc = slices.Concat(doc[:at+ustrd], long, doc[at+ustrd:])
	for _, chunk := range []int64{4096, 20000} {
		if !sameAsSequential(t, doc, chunk) {
			t.Errorf("chunk %d: fell back to reading in sequence", chunk)
		}
	}
}

// TestParallelReaderReadsOnlySize reads a document of which the file
// holds more than the size it was given, as when a file grows while it is
// read: what is past the size is not read.
func TestParallelReaderReadsOnlySize(t *testing.T) {
	doc := generated(t, 300, 7)
	grown := append(bytes.Clone(doc), "<junk>written later</junk>"...)
	r := pain001.NewParallelReaderOf(bytes.NewReader(grown), int64(len(doc)), 4096, 3)
	defer r.Close()
	if _, err := r.Header(); err != nil {
		t.Fatal(err)
	}
	n := 0
	if err := eachPayment(r, func(*maksa.Payment) { n++ }); err != nil {
		t.Fatalf("after %d payments: %v", n, err)
	}
	if n != 300 || !r.Parallel() {
		t.Errorf("%d payments (parallel %v), want 300", n, r.Parallel())
	}
}

// TestParallelReader reads generated documents in chunks of many sizes —
// one PmtInf block for every payment, blocks of 7, one block for all — and
// checks that it gives what the sequential Reader gives, without falling
// back.
func TestParallelReader(t *testing.T) {
	for _, perInfo := range []int{1, 7, 1000} {
		doc := generated(t, 300, perInfo)
		for _, chunk := range []int64{300, 1000, 4096, 20000} {
			if !sameAsSequential(t, doc, chunk) {
				t.Errorf("%d per PmtInf, chunk %d: fell back to reading in sequence", perInfo, chunk)
			}
		}
	}
}

// TestParallelReaderDoubts puts where chunks start what a chunk's reader
// cannot judge by itself — tags inside comments and CDATA, a block value
// after a payment, a nested or self-closing CdtTrfTxInf, text between
// payments — once, at one place after another, so that chunks read in
// parallel meet it; and reads documents with other line ends, a byte order
// mark, a prefix, and broken at many places. The result must be the
// sequential Reader's, error for error.
func TestParallelReaderDoubts(t *testing.T) {
	doc := string(generated(t, 60, 7))
	tx, info := "<CdtTrfTxInf>", "<PmtInf>"
	inserts := map[string][2]string{
		"comment with tags":    {"</CdtTrfTxInf>", "</CdtTrfTxInf><!-- " + info + tx + " -->"},
		"CDATA with tags":      {"<Ustrd>", "<Ustrd><![CDATA[" + tx + info + "]]>"},
		"value after payment":  {"</CdtTrfTxInf>", "</CdtTrfTxInf><ChrgBr>CRED</ChrgBr>"},
		"debtor after payment": {"</CdtTrfTxInf>", "</CdtTrfTxInf><Dbtr><Nm>Cits</Nm></Dbtr>"},
		"nested transaction":   {"<RmtInf>", "<SplmtryData>" + tx + "</CdtTrfTxInf></SplmtryData><RmtInf>"},
		"text after payment":   {"</CdtTrfTxInf>", "</CdtTrfTxInf>x"},
		"self-closing payment": {"<CdtTrfTxInf>", "<CdtTrfTxInf/><CdtTrfTxInf>"},
	}
	for name, ins := range inserts {
		t.Run(name, func(t *testing.T) {
			for n := 3; n < 60; n += 4 {
				i := nthIndex(doc, ins[0], n)
				d := doc[:i] + ins[1] + doc[i+len(ins[0]):]
				for chunk := int64(200); chunk < 4000; chunk += 300 {
					sameAsSequential(t, []byte(d), chunk)
				}
			}
		})
	}
	whole := map[string]string{
		"windows line ends": strings.ReplaceAll(doc, "\n", "\r\n"),
		"byte order mark":   "\uFEFF" + doc,
		"prefixed":          strings.NewReplacer("</", "</p:", "<?", "<?", "<!", "<!", "<", "<p:", "xmlns=", "xmlns:p=").Replace(doc),
	}
	for name, d := range whole {
		t.Run(name, func(t *testing.T) {
			for _, chunk := range []int64{200, 700, 2500} {
				if !sameAsSequential(t, []byte(d), chunk) {
					t.Errorf("chunk %d: fell back to reading in sequence", chunk)
				}
			}
		})
	}
	// A document in another encoding is read in sequence: a chunk's reader
	// would take its bytes for UTF-8. Here all is ASCII but "Ä°" in one
	// payment, C4 B0 in ISO-8859-13 and "İ" in UTF-8.
	ascii := strings.Map(func(r rune) rune {
		if r > unicode.MaxASCII {
			return 'x'
		}
		return r
	}, doc)
	ascii = strings.Replace(ascii, `encoding="UTF-8"`, `encoding="ISO-8859-13"`, 1)
	i := nthIndex(ascii, "</Ustrd>", 40)
	latin7, err := charmap.ISO8859_13.NewEncoder().String(ascii[:i] + "Ä°" + ascii[i:])
	if err != nil {
		t.Fatal(err)
	}
	if sameAsSequential(t, []byte(latin7), 300) {
		t.Error("a document in ISO-8859-13 was read in chunks")
	}
	for cut := 1000; cut < len(doc); cut += len(doc) / 23 {
		sameAsSequential(t, []byte(doc[:cut]), 300)
		broken := doc[:cut] + "&bogus;" + doc[cut:]
		sameAsSequential(t, []byte(broken), 300)
	}
}

// nthIndex is the index of the nth (from 1) s in doc.
func nthIndex(doc, s string, n int) int {
	i := -1
	for range n {
		i += 1 + strings.Index(doc[i+1:], s)
	}
	return i
}

// FuzzParallelMatchesSequential checks that whatever the document and the
// chunk size, the ParallelReader gives what the Reader gives.
func FuzzParallelMatchesSequential(f *testing.F) {
	f.Add(generated(f, 40, 3), uint16(200))
	f.Add(generated(f, 40, 40), uint16(500))
	for _, pattern := range []string{"../../testdata/pain001/*.xml", "../../testdata/pain001/corpus/*.xml"} {
		files, _ := filepath.Glob(pattern)
		for _, file := range files {
			data, _ := os.ReadFile(file)
			f.Add(data, uint16(len(data)/5))
		}
	}
	f.Fuzz(func(t *testing.T, doc []byte, chunk uint16) {
		sameAsSequential(t, doc, int64(chunk)+16)
	})
}

func TestIndexTag(t *testing.T) {
	for _, c := range []struct {
		doc, tag string
		want     int
	}{
		{"<a><PmtInf>", "<PmtInf>", 3},
		{"PmtInf><PmtInf>", "<PmtInf>", 7},
		{"</PmtInf><x:PmtInf><p:PmtInf>", "<p:PmtInf>", 19},
		{"<p:PmtInf", "<p:PmtInf>", -1},
		{"", "<PmtInf>", -1},
	} {
		if got := pain001.IndexTag([]byte(c.doc), []byte(c.tag)); got != c.want || got != strings.Index(c.doc, c.tag) {
			t.Errorf("indexTag(%q, %q) = %d, want %d", c.doc, c.tag, got, c.want)
		}
	}
}
