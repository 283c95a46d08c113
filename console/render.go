package console

import (
	"bytes"
	"html/template"
	"io/fs"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"maksa"
)

// page is what every template gets: the language, the user (nil on the
// login page), the CSRF token, the idle timeout for the countdown, the
// path (for the language switch) and the page's own data.
type page struct {
	Lang  string
	User  *maksa.User
	CSRF  string
	Idle  int
	Path  string
	Title string
	// Operator shows the operator's page in the menu.
	Operator bool
	Data     any
}

var funcs = template.FuncMap{
	"t": t,
	// amount writes a decimal text (as stored) in the language's way, with
	// the currency's decimals.
	"amount": func(lang, text, currency string) string {
		d, err := decimal.NewFromString(text)
		if err != nil {
			return text
		}
		scale := int32(2)
		if c, ok := maksa.LookupCurrency(currency); ok {
			scale = c.MinorUnits
		}
		return formatAmount(lang, d, scale)
	},
	"money": func(lang string, d decimal.Decimal) string { return formatAmount(lang, d, 2) },
	"date":  formatDate,
	"day": func(lang, text string) string {
		d, err := time.Parse(maksa.DateLayout, text)
		if err != nil {
			return text
		}
		return formatDate(lang, d)
	},
}

// parsePages reads every page's template with the layout.
func parsePages() map[string]*template.Template {
	names, err := fs.Glob(assets, "templates/*.html")
	if err != nil {
		panic(err)
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if name == "layout" {
			continue
		}
		pages[name] = template.Must(template.New("layout.html").Funcs(funcs).ParseFS(assets, "templates/layout.html", n))
	}
	return pages
}

// render writes page name with data; c is nil on the login page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, name string, c *call, data any) {
	lang := langOf(r)
	p := page{Lang: lang, Data: data, Idle: int(s.IdleTimeout.Seconds()), Title: t(lang, name+".title"), Path: r.URL.RequestURI()}
	if r.Method != http.MethodGet { // the language switch must not ask for a POST's address
		p.Path = "/ui/"
	}
	if m, ok := data.(map[string]any); ok {
		if m["Title"] != nil {
			p.Title = m["Title"].(string)
		}
		if m["Back"] != nil { // the page to show again in the other language
			p.Path = m["Back"].(string)
		}
	}
	if name == "error" {
		p.Title = t(lang, "err.title")
	}
	if c != nil && c.token != "" {
		p.User, p.CSRF, p.Operator = c.user, c.csrf(), slices.Contains(s.Operators, c.user.ID)
	}
	var buf bytes.Buffer
	if err := s.pages[name].Execute(&buf, p); err != nil {
		s.Log.Error("console page failed", "page", name, "err", err)
		http.Error(w, t(lang, "err.internal"), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(buf.Bytes())
}
