// Package profile maps the columns of CSV and XLSX payment files to payment
// fields. A Profile names, for each field, the column headers that hold it;
// the built-in Auto profile recognises the headers accounting programs
// write in Latvian and English, ignoring case and diacritics ("Saņēmēja
// konts", "SANEMEJA KONTS" and "Beneficiary account" are all the creditor
// IBAN). Profiles can also be loaded from a YAML file:
//
//	profiles:
//	  - name: horizon
//	    columns:
//	      creditor_iban: ["Konts"]
//	      amount: ["Summa EUR"]
//	    defaults:
//	      debtor_iban: LV21TREL9160100000000
//	    decimal: comma          # comma | point; empty detects per value
//	    encoding: windows-1257  # CSV: utf-8 | windows-1257 | windows-1252; empty detects
//	    delimiter: ";"          # CSV: ";" "," "tab"; empty detects
//	    sheet: Maksājumi        # XLSX: the sheet; empty takes the first
//	    total_labels: ["Kopā"]  # a row with this label holds the control sum
//
// A header that matches no field is reported as a warning and ignored; a
// required field with neither a column nor a default is an error that lists
// the headers found.
package profile

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"unicode"

	"go.yaml.in/yaml/v3"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// Field is a payment field a column can hold.
type Field string

// The fields.
const (
	DebtorIBAN       Field = "debtor_iban"
	DebtorName       Field = "debtor_name"
	CreditorName     Field = "creditor_name"
	CreditorIBAN     Field = "creditor_iban"
	CreditorBIC      Field = "creditor_bic"
	CreditorCountry  Field = "creditor_country"
	Amount           Field = "amount"
	Currency         Field = "currency"
	ExecutionDate    Field = "execution_date"
	EndToEndID       Field = "end_to_end_id"
	Remittance       Field = "remittance"
	Reference        Field = "reference"
	Purpose          Field = "purpose"
	Urgency          Field = "urgency"
	UltimateDebtor   Field = "ultimate_debtor"
	UltimateCreditor Field = "ultimate_creditor"
	Type             Field = "type"
	Template         Field = "template"
	CreditorID       Field = "creditor_id"
	CreditorAddress  Field = "creditor_address" // an address line (AdrLine)
	CreditorStreet   Field = "creditor_street"
	CreditorBuilding Field = "creditor_building"
	CreditorPostCode Field = "creditor_post_code"
	CreditorTown     Field = "creditor_town"
	ChargeBearer     Field = "charge_bearer"
)

// Fields lists every field, in the order problems mention them.
var Fields = []Field{DebtorIBAN, DebtorName, CreditorName, CreditorIBAN, CreditorBIC, CreditorCountry, Amount, Currency,
	ExecutionDate, EndToEndID, Remittance, Reference, Purpose, Urgency, UltimateDebtor, UltimateCreditor, Type, Template,
	CreditorID, CreditorStreet, CreditorBuilding, CreditorPostCode, CreditorTown, CreditorAddress, ChargeBearer}

// Required are the fields every file must give, by a column or a default.
// A file with a template column may leave out the creditor, which templates give.
var Required = []Field{DebtorIBAN, CreditorName, CreditorIBAN, Amount}

// Profile maps a file's columns to payment fields.
type Profile struct {
	Name        string             `yaml:"name"`
	Columns     map[Field][]string `yaml:"columns"`
	Defaults    map[Field]string   `yaml:"defaults"`
	Decimal     string             `yaml:"decimal"`
	Encoding    string             `yaml:"encoding"`
	Delimiter   string             `yaml:"delimiter"`
	Sheet       string             `yaml:"sheet"`
	TotalLabels []string           `yaml:"total_labels"`

	once  sync.Once
	names map[string]Field // normalised column name → field, made once
}

// Auto returns the built-in profile for common Latvian and English headers.
func Auto() *Profile {
	return &Profile{
		Name: "auto",
		Columns: map[Field][]string{
			DebtorIBAN:       {"Maksātāja konts", "Maksātāja IBAN", "Payer account", "Payer IBAN", "Debtor IBAN", "Debtor account", "No konta"},
			DebtorName:       {"Maksātājs", "Maksātāja nosaukums", "Payer", "Payer name", "Debtor", "Debtor name"},
			CreditorName:     {"Saņēmējs", "Saņēmēja nosaukums", "Saņēmēja vārds", "Beneficiary", "Beneficiary name", "Creditor", "Creditor name", "Payee"},
			CreditorIBAN:     {"Saņēmēja konts", "Saņēmēja IBAN", "Beneficiary account", "Beneficiary IBAN", "Creditor IBAN", "Creditor account", "Uz kontu", "IBAN"},
			CreditorBIC:      {"Saņēmēja banka", "Saņēmēja bankas kods", "Beneficiary bank", "BIC", "SWIFT", "BIC/SWIFT", "Creditor BIC"},
			CreditorCountry:  {"Saņēmēja valsts", "Beneficiary country", "Creditor country", "Valsts", "Country"},
			Amount:           {"Summa", "Maksājuma summa", "Amount", "Payment amount"},
			Currency:         {"Valūta", "Currency", "Ccy"},
			ExecutionDate:    {"Izpildes datums", "Maksājuma datums", "Execution date", "Requested execution date", "Payment date", "Datums", "Date"},
			EndToEndID:       {"Dokumenta Nr.", "Dokumenta numurs", "Document No.", "Document number", "End-to-end ID", "EndToEndId", "E2E ID"},
			Remittance:       {"Mērķis", "Maksājuma mērķis", "Maksājuma informācija", "Informācija saņēmējam", "Details", "Payment details", "Remittance", "Remittance information"},
			Reference:        {"Atsauce", "Strukturētā atsauce", "Reference", "Structured reference", "Creditor reference"},
			Purpose:          {"Mērķa kods", "Purpose code", "Purpose"},
			Urgency:          {"Steidzamība", "Urgency", "Priority"},
			UltimateDebtor:   {"Faktiskais maksātājs", "Ultimate debtor", "On behalf of"},
			UltimateCreditor: {"Faktiskais saņēmējs", "Ultimate creditor"},
			Type:             {"Veids", "Maksājuma veids", "Type", "Payment type", "Kind"},
			Template:         {"Veidne", "Šablons", "Template"},
			CreditorID:       {"Personas kods", "Saņēmēja personas kods", "Personal code", "ID document", "Identity document", "Creditor ID"},
			CreditorAddress:  {"Adrese", "Saņēmēja adrese", "Adreses rinda", "Address", "Address line", "Beneficiary address", "Creditor address"},
			CreditorStreet:   {"Iela", "Saņēmēja iela", "Street", "Street name", "Beneficiary street", "Creditor street"},
			CreditorBuilding: {"Mājas numurs", "Māja", "Ēkas numurs", "Building", "Building number", "House number"},
			CreditorPostCode: {"Pasta indekss", "Indekss", "Post code", "Postcode", "Postal code", "ZIP code"},
			CreditorTown:     {"Pilsēta", "Saņēmēja pilsēta", "Apdzīvota vieta", "Town", "City", "Town name", "Beneficiary town", "Creditor town"},
			ChargeBearer:     {"Komisija", "Komisijas maksātājs", "Charges", "Charge bearer"},
		},
		TotalLabels: []string{"Kopā", "Kopsumma", "Total", "Totals"},
	}
}

// Load reads the profiles of a YAML file ("profiles:" list) by name.
func Load(path string) (map[string]*Profile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var f struct {
		Profiles []*Profile `yaml:"profiles"`
	}
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	out := map[string]*Profile{}
	for _, p := range f.Profiles {
		if p.Name == "" {
			return nil, fmt.Errorf("%s: a profile has no name", path)
		}
		if err := p.check(); err != nil {
			return nil, fmt.Errorf("%s: profile %s: %w", path, p.Name, err)
		}
		out[p.Name] = p
	}
	return out, nil
}

func (p *Profile) check() error {
	known := map[Field]bool{}
	for _, f := range Fields {
		known[f] = true
	}
	for f := range p.Columns {
		if !known[f] {
			return fmt.Errorf("unknown field %q", f)
		}
	}
	for f := range p.Defaults {
		if !known[f] {
			return fmt.Errorf("unknown field %q in defaults", f)
		}
	}
	switch p.Decimal {
	case "", "comma", "point":
	default:
		return fmt.Errorf("decimal must be comma or point, not %q", p.Decimal)
	}
	return nil
}

// Normalize folds a header for matching: no diacritics, lower case, words
// separated by single spaces, punctuation dropped ("Dokumenta Nr." is
// "dokumenta nr").
func Normalize(s string) string {
	if isASCII(s) {
		return (&folder{}).fold(s) // needs no transformer
	}
	f := folders.Get().(*folder)
	defer folders.Put(f)
	return f.fold(s)
}

// folders are reused: making a transformer allocates its buffers.
var folders = sync.Pool{New: func() any { return newFolder() }}

// folder normalises strings, reusing one transformer (which allocates
// buffers when it is made); it is not safe for concurrent use.
type folder struct{ t transform.Transformer }

func newFolder() *folder {
	return &folder{t: transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)}
}

func (f *folder) fold(s string) string {
	folded := s
	if !isASCII(s) {
		if out, _, err := transform.String(f.t, s); err == nil {
			folded = out
		}
	}
	var b strings.Builder
	space := false
	for _, r := range strings.ToLower(folded) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
			continue
		}
		space = true
	}
	return b.String()
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// fieldOf returns the field whose header list contains the header.
func (p *Profile) fieldOf(header string) (Field, bool) {
	p.once.Do(func() {
		p.names = map[string]Field{}
		for _, f := range Fields {
			for _, name := range p.Columns[f] {
				if n := Normalize(name); p.names[n] == "" {
					p.names[n] = f // the first field that names it wins
				}
			}
		}
	})
	h := Normalize(header)
	if h == "" {
		return "", false
	}
	f, ok := p.names[h]
	return f, ok
}

// LooksLikeHeader reports whether a row is the header row: at least two of
// its cells name fields, one of them a required field.
func (p *Profile) LooksLikeHeader(cells []string) bool {
	matched, required := 0, false
	for _, c := range cells {
		if f, ok := p.fieldOf(c); ok {
			matched++
			for _, r := range Required {
				required = required || f == r
			}
		}
	}
	return matched >= 2 && required
}

// ErrMissingColumns is wrapped by Match when required fields have no column.
var ErrMissingColumns = errors.New("required columns are missing")

// Columns is a matched header row: which column holds which field.
type Columns struct {
	Index    map[Field]int // 0-based column of each mapped field
	Headers  []string      // the header row as written
	Warnings []string      // headers that map to nothing, ignored
	profile  *Profile

	totalLabels map[string]bool // normalised
	folder      *folder
}

// Match maps a header row. It returns an error wrapping ErrMissingColumns,
// listing the headers found, when a required field has neither a column
// nor a default.
func (p *Profile) Match(headers []string) (*Columns, error) {
	c := &Columns{Index: map[Field]int{}, Headers: append([]string(nil), headers...), profile: p, totalLabels: map[string]bool{}, folder: newFolder()}
	for _, label := range p.TotalLabels {
		c.totalLabels[Normalize(label)] = true
	}
	for i, h := range headers {
		if strings.TrimSpace(h) == "" {
			continue
		}
		f, ok := p.fieldOf(h)
		if !ok {
			c.Warnings = append(c.Warnings, fmt.Sprintf("column %q matches no payment field and is ignored", h))
			continue
		}
		if _, dup := c.Index[f]; dup {
			c.Warnings = append(c.Warnings, fmt.Sprintf("column %q is a second %s column and is ignored", h, f))
			continue
		}
		c.Index[f] = i
	}
	var missing []string
	_, templated := c.Index[Template]
	for _, f := range Required {
		if templated && (f == CreditorName || f == CreditorIBAN) {
			continue
		}
		if _, ok := c.Index[f]; !ok && p.Defaults[f] == "" {
			missing = append(missing, string(f))
		}
	}
	if len(missing) > 0 {
		var found []string
		for _, h := range headers {
			if strings.TrimSpace(h) != "" {
				found = append(found, fmt.Sprintf("%q", h))
			}
		}
		sort.Strings(missing)
		return nil, fmt.Errorf("%w: no column for %s (profile %s; headers found: %s)", ErrMissingColumns, strings.Join(missing, ", "), p.Name, strings.Join(found, ", "))
	}
	return c, nil
}

// Value returns the field's value in a row: the cell of its column, or the
// profile's default; and the 0-based column, -1 for a default.
func (c *Columns) Value(cells []string, f Field) (string, int) {
	if i, ok := c.Index[f]; ok {
		if i < len(cells) {
			return strings.TrimSpace(cells[i]), i
		}
		return "", i
	}
	return c.profile.Defaults[f], -1
}

// maxLabel is the longest cell IsTotalRow considers a label.
const maxLabel = 32

// IsTotalRow reports whether the row is the control total row: one of its
// cells is a total label.
func (c *Columns) IsTotalRow(cells []string) bool {
	for _, cell := range cells {
		if cell == "" || len(cell) > maxLabel || unicode.IsDigit(rune(cell[0])) {
			continue
		}
		if c.totalLabels[c.folder.fold(cell)] {
			return true
		}
	}
	return false
}

// Header returns the header of column i, or "(default)" for -1.
func (c *Columns) Header(i int) string {
	if i < 0 || i >= len(c.Headers) {
		return "(default)"
	}
	return c.Headers[i]
}

// Profile returns the profile the columns were matched with.
func (c *Columns) Profile() *Profile { return c.profile }
