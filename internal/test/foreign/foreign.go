// Package foreign writes pain.001.001.09 files the way another program
// would, so that maksa is tested and measured on files it did not write:
// encoding/xml over its own structs (nothing of maksa's writer), a
// namespace prefix or none, pretty-printed or minified, structured
// addresses for debtor and creditors, payment type information at both
// levels, ultimate parties, purposes, remittances of the full 140
// characters, and names in Latvian, Lithuanian, Estonian, German and Polish
// with their letters.
package foreign

import (
	"bufio"
	"encoding/xml"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// Spec says what file to write.
type Spec struct {
	Count     int
	Seed      uint64
	MessageID string
	Date      time.Time // the requested execution date
	Debtor    string    // the debtor's IBAN
	Prefix    string    // a namespace prefix ("" for the default namespace)
	Indent    bool      // pretty-printed; minified otherwise
	PerInfo   int       // transactions per payment information block (default 500)
}

// Namespace is pain.001.001.09's.
const Namespace = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"

type party struct {
	Nm      string   `xml:"Nm"`
	PstlAdr *address `xml:"PstlAdr,omitempty"`
}

type address struct {
	StrtNm string `xml:"StrtNm,omitempty"`
	BldgNb string `xml:"BldgNb,omitempty"`
	PstCd  string `xml:"PstCd,omitempty"`
	TwnNm  string `xml:"TwnNm"`
	Ctry   string `xml:"Ctry"`
}

type account struct {
	IBAN string `xml:"Id>IBAN"`
}

type agent struct {
	BICFI string `xml:"FinInstnId>BICFI"`
}

type code struct {
	Cd string `xml:"Cd"`
}

type pmtTp struct {
	SvcLvl code `xml:"SvcLvl"`
}

type amount struct {
	Ccy   string `xml:"Ccy,attr"`
	Value string `xml:",chardata"`
}

type transaction struct {
	InstrID    string   `xml:"PmtId>InstrId"`
	EndToEndID string   `xml:"PmtId>EndToEndId"`
	PmtTpInf   *pmtTp   `xml:"PmtTpInf,omitempty"`
	Amt        amount   `xml:"Amt>InstdAmt"`
	ChrgBr     string   `xml:"ChrgBr,omitempty"`
	UltmtDbtr  *party   `xml:"UltmtDbtr,omitempty"`
	CdtrAgt    *agent   `xml:"CdtrAgt,omitempty"`
	Cdtr       party    `xml:"Cdtr"`
	CdtrAcct   account  `xml:"CdtrAcct"`
	UltmtCdtr  *party   `xml:"UltmtCdtr,omitempty"`
	Purp       *code    `xml:"Purp,omitempty"`
	Ustrd      []string `xml:"RmtInf>Ustrd,omitempty"`
}

// Write writes the file.
func Write(w io.Writer, s Spec) error {
	if s.PerInfo <= 0 {
		s.PerInfo = 500
	}
	rng := rand.New(rand.NewPCG(s.Seed, 0x666f726569676e))
	type tx struct {
		t      transaction
		amount decimal.Decimal
	}
	make1 := func(i int) tx {
		first, last := pick(rng, givenNames), pick(rng, surnames)
		t := transaction{InstrID: fmt.Sprintf("F-I-%d", i), EndToEndID: fmt.Sprintf("%s-%d", s.MessageID, i), ChrgBr: "SLEV",
			Cdtr:     party{Nm: first + " " + last, PstlAdr: &address{StrtNm: pick(rng, streets), BldgNb: fmt.Sprint(1 + rng.IntN(120)), PstCd: fmt.Sprintf("LV-%04d", 1000+rng.IntN(4000)), TwnNm: pick(rng, towns), Ctry: "LV"}},
			CdtrAcct: account{IBAN: pick(rng, creditorIBANs)}}
		switch i % 5 {
		case 0:
			t.Cdtr.Nm = pick(rng, companies)
			t.Purp = &code{"SUPP"}
			t.CdtrAgt = &agent{BICFI: "HABALV22"}
		case 1:
			t.PmtTpInf = &pmtTp{SvcLvl: code{"SEPA"}}
			t.UltmtDbtr = &party{Nm: "Rīgas Valsts 1. ģimnāzija"}
		case 2:
			t.UltmtCdtr = &party{Nm: "Žemaitijos Ūkis UAB"}
			t.Purp = &code{"SALA"}
		}
		remit := fmt.Sprintf("Rēķins Nr. %d/%d; līgums Ž-%d — apmaksa par pakalpojumiem", rng.IntN(99999), 2026, rng.IntN(9999))
		if i%3 == 0 { // the whole 140 characters
			remit = fullRemittance(rng)
		}
		t.Ustrd = []string{remit}
		a := decimal.New(1+rng.Int64N(2500000), -2)
		t.Amt = amount{Ccy: "EUR", Value: a.StringFixed(2)}
		return tx{t, a}
	}
	// Totals first (they head the document and each block), as a program
	// that holds its payments would: generated twice from the same seed.
	var total decimal.Decimal
	var blockSums []decimal.Decimal
	var blockCounts []int
	for i := 1; i <= s.Count; i++ {
		t := make1(i)
		if (i-1)%s.PerInfo == 0 {
			blockSums, blockCounts = append(blockSums, decimal.Zero), append(blockCounts, 0)
		}
		blockSums[len(blockSums)-1] = blockSums[len(blockSums)-1].Add(t.amount)
		blockCounts[len(blockCounts)-1]++
		total = total.Add(t.amount)
	}
	rng = rand.New(rand.NewPCG(s.Seed, 0x666f726569676e))

	bw := bufio.NewWriterSize(w, 64<<10)
	enc := xml.NewEncoder(bw)
	if s.Indent {
		enc.Indent("", "  ")
	}
	name := func(local string) xml.Name { return xml.Name{Local: local} }
	start := func(local string) error { return enc.EncodeToken(xml.StartElement{Name: name(local)}) }
	end := func(local string) error { return enc.EncodeToken(xml.EndElement{Name: name(local)}) }
	elem := func(local, v string) error { return enc.EncodeElement(v, xml.StartElement{Name: name(local)}) }
	bw.WriteString(`<?xml version="1.0" encoding="UTF-8"?>`)
	if s.Indent {
		bw.WriteString("\n")
	}
	root := xml.StartElement{Name: name("Document"), Attr: []xml.Attr{{Name: name("xmlns"), Value: Namespace}}}
	if err := enc.EncodeToken(root); err != nil {
		return err
	}
	start("CstmrCdtTrfInitn")
	start("GrpHdr")
	elem("MsgId", s.MessageID)
	elem("CreDtTm", s.Date.AddDate(0, 0, -1).Format("2006-01-02")+"T16:30:00.000+02:00")
	elem("NbOfTxs", fmt.Sprint(s.Count))
	elem("CtrlSum", total.StringFixed(2))
	start("InitgPty")
	elem("Nm", "Grāmatvedības sistēma „Ābece”")
	end("InitgPty")
	end("GrpHdr")
	for b := range blockSums {
		start("PmtInf")
		elem("PmtInfId", fmt.Sprintf("%s-B%d", s.MessageID, b+1))
		elem("PmtMtd", "TRF")
		elem("BtchBookg", "false")
		elem("NbOfTxs", fmt.Sprint(blockCounts[b]))
		elem("CtrlSum", blockSums[b].StringFixed(2))
		start("PmtTpInf")
		start("SvcLvl")
		elem("Cd", "SEPA")
		end("SvcLvl")
		end("PmtTpInf")
		start("ReqdExctnDt")
		elem("Dt", s.Date.Format("2006-01-02"))
		end("ReqdExctnDt")
		enc.EncodeElement(party{Nm: "Rīgas valstspilsētas pašvaldība", PstlAdr: &address{StrtNm: "Rātslaukums", BldgNb: "1", PstCd: "LV-1050", TwnNm: "Rīga", Ctry: "LV"}},
			xml.StartElement{Name: name("Dbtr")})
		enc.EncodeElement(account{IBAN: s.Debtor}, xml.StartElement{Name: name("DbtrAcct")})
		enc.EncodeElement(agent{BICFI: "TRELLV22"}, xml.StartElement{Name: name("DbtrAgt")})
		for k := 0; k < blockCounts[b]; k++ {
			t := make1(b*s.PerInfo + k + 1)
			if err := enc.EncodeElement(t.t, xml.StartElement{Name: name("CdtTrfTxInf")}); err != nil {
				return err
			}
		}
		end("PmtInf")
	}
	end("CstmrCdtTrfInitn")
	if err := enc.EncodeToken(root.End()); err != nil {
		return err
	}
	if err := enc.Flush(); err != nil {
		return err
	}
	if s.Indent {
		bw.WriteString("\n")
	}
	return bw.Flush()
}

// WritePrefixed writes the file with every element in the namespace
// prefix s.Prefix (<p:Document xmlns:p="…">), as some programs do.
func WritePrefixed(w io.Writer, s Spec) error {
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(Write(pw, s)) }()
	dec := xml.NewDecoder(pr)
	bw := bufio.NewWriterSize(w, 64<<10)
	root := true
	for {
		tok, err := dec.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			pr.CloseWithError(err)
			return err
		}
		switch t := tok.(type) {
		case xml.ProcInst:
			fmt.Fprintf(bw, "<?%s %s?>", t.Target, t.Inst)
		case xml.StartElement:
			fmt.Fprintf(bw, "<%s:%s", s.Prefix, t.Name.Local)
			for _, a := range t.Attr {
				if a.Name.Local == "xmlns" {
					fmt.Fprintf(bw, " xmlns:%s=%q", s.Prefix, a.Value)
				} else {
					fmt.Fprintf(bw, " %s=%q", a.Name.Local, a.Value)
				}
			}
			if root && len(t.Attr) == 0 {
				fmt.Fprintf(bw, " xmlns:%s=%q", s.Prefix, Namespace)
			}
			root = false
			bw.WriteString(">")
		case xml.EndElement:
			fmt.Fprintf(bw, "</%s:%s>", s.Prefix, t.Name.Local)
		case xml.CharData:
			bw.WriteString(textEscaper.Replace(string(t)))
		}
	}
	return bw.Flush()
}

// textEscaper escapes character data, newlines left as they are.
var textEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

func pick(rng *rand.Rand, list []string) string { return list[rng.IntN(len(list))] }

// fullRemittance is a remittance of exactly 140 characters.
func fullRemittance(rng *rand.Rand) string {
	s := fmt.Sprintf("Pašvaldības pabalsts: mācību līdzekļi, ēdināšana un transports — Jūrmalas iela %d, Ķekava; pārskats Nr. Ž-%05d par 2026. gada novembri ", rng.IntN(99), rng.IntN(99999))
	r := []rune(s + strings.Repeat("ē", 140))
	return string(r[:140])
}

var (
	givenNames = []string{"Jānis", "Anna", "Pēteris", "Līga", "Ģirts", "Žanna", "Jonas", "Rūta", "Mari", "Jüri", "Łukasz", "Małgorzata", "Jürgen", "Käthe", "Ēriks", "Ināra"}
	surnames   = []string{"Bērziņš", "Kalniņa", "Ozoliņš", "Liepiņa", "Jonaitis", "Petraitienė", "Tamm", "Õunapuu", "Wałęsa", "Żółkiewska", "Müller", "Straße", "Kļaviņš", "Šmits"}
	companies  = []string{"SIA „Latvijas Koks”", "AS Latvenergo", "UAB Vilniaus vandenys", "Päikese Maja OÜ", "Müller & Söhne GmbH", "Zakład Usług Komunalnych Sp. z o.o.", "VSIA Latvijas Valsts ceļi"}
	streets    = []string{"Brīvības iela", "Krišjāņa Valdemāra iela", "Ģertrūdes iela", "Čaka iela", "Dzirnavu iela", "Lāčplēša iela"}
	towns      = []string{"Rīga", "Jūrmala", "Daugavpils", "Liepāja", "Cēsis", "Ogre"}
	// creditorIBANs are valid IBANs of Latvian banks.
	creditorIBANs = []string{"LV80BANK0000435195001", "LV97HABA0012345678910", "LV44HABA0551000000001", "LV31UNLA0050000000002", "LV72NDEA3844942410673", "LV43UNLA3945882424669"}
)
