package importer

// SetKeptProblems sets how many problems a Result holds in memory until
// the returned function restores it.
func SetKeptProblems(n int) (restore func()) {
	old := keptProblems
	keptProblems = n
	return func() { keptProblems = old }
}

// SetKeptPayments sets how many payments a Result lists in memory until
// the returned function restores it.
func SetKeptPayments(n int) (restore func()) {
	old := keptPayments
	keptPayments = n
	return func() { keptPayments = old }
}
