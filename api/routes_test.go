package api

import (
	"os"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"maksa/vop"
)

// TestRoutesDocumented: every endpoint the server answers is in
// api/openapi.yaml with its method, the file describes no endpoint the
// server lacks, and docs/api.md names each path.
func TestRoutesDocumented(t *testing.T) {
	data, err := os.ReadFile("openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var spec struct {
		Paths map[string]map[string]any `yaml:"paths"`
	}
	if err := yaml.Unmarshal(data, &spec); err != nil {
		t.Fatal(err)
	}
	var documented []string
	for path, methods := range spec.Paths {
		for method := range methods {
			documented = append(documented, strings.ToUpper(method)+" "+path)
		}
	}
	var served []string
	s := &Server{Payees: &vop.Responder{}}
	s.metrics = newMetrics(nil)
	for _, r := range s.routes() {
		served = append(served, r.pattern)
	}
	slices.Sort(documented)
	slices.Sort(served)
	if !slices.Equal(documented, served) {
		t.Errorf("openapi.yaml describes\n  %s\nthe server answers\n  %s", strings.Join(documented, "\n  "), strings.Join(served, "\n  "))
	}
	guide, err := os.ReadFile("../docs/api.md")
	if err != nil {
		t.Fatal(err)
	}
	for path := range spec.Paths {
		if !strings.Contains(string(guide), path) {
			t.Errorf("docs/api.md does not name %s", path)
		}
	}
}
