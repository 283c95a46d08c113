package console

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// TestEveryTextIsTranslated: every message a template or the Go code asks
// for exists in both languages, every page that takes its title from its
// name has one (a missing key shows the key itself on the page), and no
// message is left over.
func TestEveryTextIsTranslated(t *testing.T) {
	used := map[string]string{}
	inTemplate := regexp.MustCompile(`\bt \$?\.Lang "([a-z0-9.]+)"`)
	inGo := regexp.MustCompile(`\bt\((?:c\.lang|lang|langOf\(r\)), "([a-z0-9.]+)"`)
	templates, _ := fs.Glob(assets, "templates/*.html")
	for _, name := range templates {
		data, _ := fs.ReadFile(assets, name)
		for _, m := range inTemplate.FindAllStringSubmatch(string(data), -1) {
			used[m[1]] = name
		}
		page := strings.TrimSuffix(filepath.Base(name), ".html")
		if page != "layout" && page != "error" && page != "file" && page != "payment" {
			used[page+".title"] = name
		}
	}
	sources, _ := filepath.Glob("*.go")
	for _, name := range sources {
		data, _ := os.ReadFile(name)
		for _, m := range inGo.FindAllStringSubmatch(string(data), -1) {
			used[m[1]] = name
		}
	}
	if len(used) < 50 {
		t.Fatalf("only %d message keys found: the patterns no longer match the code", len(used))
	}
	for key := range messages {
		if _, ok := used[key]; !ok {
			t.Errorf("message %q is used nowhere", key)
		}
	}
	for key, where := range used {
		m, ok := messages[key]
		if !ok {
			t.Errorf("%s asks for message %q, which does not exist", where, key)
		} else if m[0] == "" || m[1] == "" {
			t.Errorf("message %q lacks a language: %q", key, m)
		}
	}
}

func TestAmountsAndDatesAsTheLanguageWrites(t *testing.T) {
	d := decimal.RequireFromString("-1234567.5")
	if got := formatAmount("lv", d, 2); got != "-1\u00a0234\u00a0567,50" {
		t.Errorf("lv: %q", got)
	}
	if got := formatAmount("en", d, 2); got != "-1,234,567.50" {
		t.Errorf("en: %q", got)
	}
	if got := formatAmount("en", decimal.RequireFromString("5"), 0); got != "5" {
		t.Errorf("no decimals: %q", got)
	}
	day := time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)
	if got := formatDate("lv", day); got != "05.12.2026" {
		t.Errorf("lv: %q", got)
	}
	if got := formatDate("en", day); got != "5 Dec 2026" {
		t.Errorf("en: %q", got)
	}
}
