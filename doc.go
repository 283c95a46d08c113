// Package maksa is the domain of the maksa batch payment-file gateway:
// clients, accounts, users and their grants, payment batches and payments,
// ISO 20022 statuses and reason codes, money amounts and the pure rules over
// them (IBAN and BIC syntax, currency minor units, the allowed character set,
// the audit hash chain).
//
// The package performs no I/O and imports no storage or file format; the
// subpackages speak these types:
//
//	formats/   wire formats (pain.001, pain.002, …)
//	validator/ structural and business rules over payments
//	importer/  the pipeline that turns one file into one stored batch
//	exporter/  status reports and statements
//	store/     SQLite and PostgreSQL storage
//	cmd/maksa  the command line
package maksa
