package console

import (
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"time"

	"maksa"
	"maksa/nightly"
	"maksa/store"
)

// nightsShown is how many nightly runs the operator's page lists.
const nightsShown = 14

// night is one nightly run as its audit event tells it, with the daily
// report files it left in reports/<date>/.
type night struct {
	At      time.Time
	Actor   string
	Summary nightly.Summary
	Reports []string
}

// operatorOnly runs h for the operators named to maksa serve (--operators)
// and refuses everyone else.
func (s *Server) operatorOnly(h func(http.ResponseWriter, *http.Request, *call)) func(http.ResponseWriter, *http.Request, *call) {
	return func(w http.ResponseWriter, r *http.Request, c *call) {
		if !slices.Contains(s.Operators, c.user.ID) {
			s.refuse403(w, r, c, maksa.AG08, t(c.lang, "op.not"))
			return
		}
		h(w, r, c)
	}
}

// operatorPage shows the nightly runs with their daily reports, the
// payments held for an unannounced total (to release), and, after the
// operator asks, the audit chain's verification.
func (s *Server) operatorPage(w http.ResponseWriter, r *http.Request, c *call) {
	s.renderOperator(w, r, c, nil)
}

func (s *Server) renderOperator(w http.ResponseWriter, r *http.Request, c *call, data map[string]any) {
	if data == nil {
		data = map[string]any{}
	}
	data["Back"] = "/ui/operator"
	events, err := s.Store.AuditLatest(r.Context(), "batch.run", nightsShown)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	var nights []night
	for _, e := range events {
		n := night{At: e.At.In(s.Location), Actor: e.Actor}
		if json.Unmarshal([]byte(e.Details), &n.Summary) != nil {
			continue
		}
		n.Reports = s.dailyReports(n.Summary.Date)
		nights = append(nights, n)
	}
	held, err := s.search(r.Context(), store.PaymentFilter{Held: true}, c, data, func(*maksa.Payment) bool { return true })
	if err != nil {
		s.internal(w, r, err)
		return
	}
	data["Nights"], data["Held"] = nights, held
	s.render(w, r, "operator", c, data)
}

// dailyReports lists the files of a day's report folder.
func (s *Server) dailyReports(day string) []string {
	if _, err := time.Parse(maksa.DateLayout, day); err != nil {
		return nil
	}
	entries, err := os.ReadDir(filepath.Join(s.Home, "reports", day))
	if err != nil {
		return nil
	}
	var names []string
	for _, e := range entries {
		if e.Type().IsRegular() {
			names = append(names, e.Name())
		}
	}
	return names
}

// release lets the selected held payments go in the next nightly batch,
// as "maksa release --payment" does, in the operator's name.
func (s *Server) release(w http.ResponseWriter, r *http.Request, c *call) {
	ids, err := selectedIDs(r.Form["ids"])
	if err != nil || len(ids) == 0 {
		w.WriteHeader(http.StatusBadRequest)
		s.render(w, r, "error", c, map[string]any{"Code": maksa.NARR, "Message": t(c.lang, "queue.none")})
		return
	}
	n, err := s.Store.Release(r.Context(), ids, "", time.Time{}, c.user.ID+" (console)")
	if err != nil {
		s.internal(w, r, err)
		return
	}
	s.renderOperator(w, r, c, map[string]any{"Released": t(c.lang, "op.released", n)})
}

// verifyAudit checks the audit log's hash chain, as "maksa audit verify"
// does, and shows the outcome with the anchor to note.
func (s *Server) verifyAudit(w http.ResponseWriter, r *http.Request, c *call) {
	check, err := s.Store.VerifyAudit(r.Context())
	data := map[string]any{}
	var broken *store.BrokenChainError
	switch {
	case errors.As(err, &broken):
		data["Broken"] = t(c.lang, "op.broken", broken.Error(), check.Checked)
	case err != nil:
		s.internal(w, r, err)
		return
	default:
		data["Verified"] = t(c.lang, "op.verified", check.Checked, check.Last.String())
	}
	s.audit(r, c.user.ID, http.StatusOK, "audit verify")
	s.renderOperator(w, r, c, data)
}

// dailyReport sends one file of a day's report folder.
func (s *Server) dailyReport(w http.ResponseWriter, r *http.Request, c *call) {
	day, name := r.PathValue("date"), r.PathValue("name")
	if !slices.Contains(s.dailyReports(day), name) {
		w.WriteHeader(http.StatusNotFound)
		s.render(w, r, "error", c, map[string]any{"Code": maksa.NARR, "Message": t(c.lang, "err.notfound")})
		return
	}
	f, err := os.Open(filepath.Join(s.Home, "reports", day, name))
	if err != nil {
		s.internal(w, r, err)
		return
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		s.internal(w, r, err)
		return
	}
	w.Header().Set("Content-Disposition", `attachment; filename="`+day+"-"+name+`"`)
	http.ServeContent(w, r, name, info.ModTime(), f)
}
