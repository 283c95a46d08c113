package xlsxfmt

// SetMaxRows sets how many rows a sheet holds until the test ends.
func SetMaxRows(n int) (restore func()) {
	old := maxRows
	maxRows = n
	return func() { maxRows = old }
}
