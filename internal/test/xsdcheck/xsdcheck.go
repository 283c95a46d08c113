// Package xsdcheck validates XML files against the official ISO 20022 XSDs
// in testdata/xsd with xmllint, for tests. Without xmllint the check is
// skipped with a clear message, except in CI, where it fails.
package xsdcheck

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// Schema returns the path of testdata/xsd/<name>.
func Schema(name string) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "testdata", "xsd", name)
}

// Validate checks the XML file at path against testdata/xsd/<schema>.
func Validate(tb testing.TB, path, schema string) {
	tb.Helper()
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		if os.Getenv("CI") != "" {
			tb.Fatalf("xmllint is not installed in CI: cannot check %s against %s", path, schema)
		}
		tb.Logf("SKIP XSD check of %s: xmllint is not installed (apt-get install libxml2-utils)", filepath.Base(path))
		return
	}
	out, err := exec.Command(xmllint, "--noout", "--nonet", "--schema", Schema(schema), path).CombinedOutput()
	if err != nil {
		tb.Errorf("%s is not valid against %s:\n%s", path, schema, out)
	}
}
