package importer

// SetKeptProblems sets how many problems a Result holds in memory until
// the returned function restores it.
func SetKeptProblems(n int) (restore func()) {
	old := keptProblems
	keptProblems = n
	return func() { keptProblems = old }
}
