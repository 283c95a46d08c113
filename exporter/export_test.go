package exporter

// SplitStatements makes statements of more than least entries be written
// in up to parts parts, until restore is called.
func SplitStatements(parts, least int) (restore func()) {
	before := statementSplit
	statementSplit = func() (int, int) { return parts, least }
	return func() { statementSplit = before }
}

// UnnamedFile is unnamedFile.
var UnnamedFile = unnamedFile
