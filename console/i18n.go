package console

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"golang.org/x/text/language"
)

// The console speaks Latvian and English: the browser's language chooses,
// the switch in the page's header (a cookie) overrides.
var languages = language.NewMatcher([]language.Tag{language.Latvian, language.English})

// langOf returns "lv" or "en" for the request.
func langOf(r *http.Request) string {
	if c, err := r.Cookie(langCookie); err == nil && (c.Value == "lv" || c.Value == "en") {
		return c.Value
	}
	tag, _ := language.MatchStrings(languages, r.Header.Get("Accept-Language"))
	if base, _ := tag.Base(); base.String() == "en" {
		return "en"
	}
	return "lv"
}

// switchLanguage sets the language cookie and goes back to the page.
func (s *Server) switchLanguage(w http.ResponseWriter, r *http.Request) {
	lang := r.PathValue("lang")
	if lang != "lv" && lang != "en" {
		http.NotFound(w, r)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: lang, Path: "/ui/", Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode, MaxAge: 365 * 24 * 3600})
	back := r.URL.Query().Get("back")
	if !strings.HasPrefix(back, "/ui/") || strings.HasPrefix(back, "//") {
		back = "/ui/queue"
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// t returns the text of key in lang, formatted with args.
func t(lang, key string, args ...any) string {
	m, ok := messages[key]
	if !ok {
		return key
	}
	text := m[0]
	if lang == "en" {
		text = m[1]
	}
	if len(args) > 0 {
		return fmt.Sprintf(text, args...)
	}
	return text
}

// formatAmount writes an amount as the language does: "1 234,56" in
// Latvian, "1,234.56" in English; scale decimals.
func formatAmount(lang string, d decimal.Decimal, scale int32) string {
	s := d.StringFixed(scale)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(s, ".")
	group, point := ",", "."
	if lang == "lv" {
		group, point = "\u00a0", ","
	}
	var b strings.Builder
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteString(group)
		}
		b.WriteRune(c)
	}
	if frac != "" {
		b.WriteString(point + frac)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// formatDate writes a day as the language does: 05.12.2026 or 5 Dec 2026.
func formatDate(lang string, d time.Time) string {
	if d.IsZero() {
		return ""
	}
	if lang == "en" {
		return d.Format("2 Jan 2006")
	}
	return d.Format("02.01.2006")
}

// messages are the console's texts: Latvian, English.
var messages = map[string][2]string{
	"app":               {"maksa — maksājumu vārteja", "maksa — payment gateway"},
	"nav.queue":         {"Parakstīšana", "Signing"},
	"nav.payments":      {"Maksājumi", "Payments"},
	"nav.files":         {"Faili", "Files"},
	"nav.statements":    {"Izraksti", "Statements"},
	"nav.limits":        {"Limiti", "Limits"},
	"logout":            {"Beigt darbu", "Log out"},
	"idle":              {"Sesija beigsies pēc", "Session ends in"},
	"lang.other":        {"English", "Latviski"},
	"login.title":       {"Pieteikšanās", "Log in"},
	"login.user":        {"Lietotājs", "User"},
	"login.key":         {"Atslēgas fails (PEM)", "Key file (PEM)"},
	"login.key.help":    {"Atslēga paliek pārlūkā: ar to tiek parakstīts servera izaicinājums.", "The key stays in the browser: it signs the server's challenge."},
	"login.go":          {"Pieteikties ar atslēgu", "Log in with key"},
	"login.cert":        {"Pieteikties ar sertifikātu (%s)", "Log in with certificate (%s)"},
	"login.idle":        {"Sesija beidzās bezdarbības dēļ. Piesakieties vēlreiz.", "Your session ended: it was idle too long. Please log in again."},
	"login.bye":         {"Darbs beigts.", "You are logged out."},
	"login.failed":      {"Pieteikšanās neizdevās", "Login failed"},
	"queue.title":       {"Gaida parakstu", "Awaiting signature"},
	"queue.empty":       {"Nav maksājumu, kas gaidītu jūsu parakstu.", "No payment awaits your signature."},
	"queue.account":     {"Konts", "Account"},
	"queue.all":         {"visi", "all"},
	"queue.filter":      {"Rādīt", "Show"},
	"queue.select":      {"Atlasīt", "Select"},
	"queue.key":         {"Atslēgas fails parakstam", "Key file for signing"},
	"queue.sign":        {"Parakstīt atlasītos", "Sign selected"},
	"queue.confirm":     {"Man ir paziņots saņēmēja pārbaudes rezultāts, un es turpinu", "I was told the payee verification outcome and go on"},
	"queue.reason":      {"Atteikuma iemesls", "Reason for refusal"},
	"queue.refuse":      {"Atteikt atlasītos", "Refuse selected"},
	"queue.none":        {"Nav atlasīts neviens maksājums.", "No payment is selected."},
	"queue.signed":      {"Parakstīti: %d. Atteikti: %d.", "Signed: %d. Refused: %d."},
	"queue.needs":       {"Saņēmēja pārbaude nav sakritība šiem maksājumiem — apstipriniet, ka jums tas ir paziņots:", "The payee verification was not a match for these payments — confirm you were told:"},
	"col.payment":       {"Maksājums", "Payment"},
	"col.account":       {"Konts", "Account"},
	"col.creditor":      {"Saņēmējs", "Creditor"},
	"col.iban":          {"Saņēmēja konts", "Creditor account"},
	"col.amount":        {"Summa", "Amount"},
	"col.kind":          {"Veids", "Kind"},
	"col.date":          {"Izpildes datums", "Execution date"},
	"col.cutoff":        {"Pieņemšanas laiks", "Cut-off"},
	"col.levels":        {"Paraksti", "Signatures"},
	"col.vop":           {"Saņēmēja pārbaude", "Payee verification"},
	"col.remittance":    {"Maksājuma mērķis", "Remittance"},
	"col.status":        {"Statuss", "Status"},
	"col.file":          {"Fails", "File"},
	"col.imported":      {"Ielādēts", "Imported"},
	"col.count":         {"Maksājumi", "Payments"},
	"col.accepted":      {"Pieņemti", "Accepted"},
	"col.rejected":      {"Noraidīti", "Rejected"},
	"col.when":          {"Laiks", "Time"},
	"col.what":          {"Notikums", "Event"},
	"col.limit":         {"Maksājuma limits", "Payment limit"},
	"col.daily":         {"Dienas limits", "Daily limit"},
	"col.used":          {"Izmantots šodien", "Used today"},
	"col.left":          {"Atlikums", "Left"},
	"col.modes":         {"Tiesības", "Modes"},
	"col.side":          {"Puse", "Side"},
	"col.booked":        {"Grāmatots", "Booked"},
	"payments.title":    {"Maksājumu meklēšana", "Search payments"},
	"pay.status":        {"Statuss", "Status"},
	"pay.text":          {"Teksts", "Text"},
	"pay.from":          {"No", "From"},
	"pay.to":            {"Līdz", "To"},
	"pay.search":        {"Meklēt", "Search"},
	"pay.none":          {"Nekas nav atrasts.", "Nothing found."},
	"pay.more":          {"Rādīti pirmie %d; sašauriniet meklēšanu.", "The first %d are shown; narrow the search."},
	"one.title":         {"Maksājums %d", "Payment %d"},
	"one.history":       {"Vēsture", "History"},
	"one.postings":      {"Grāmatojumi", "Postings"},
	"one.reasons":       {"Iemesli", "Reasons"},
	"one.note":          {"Piezīme", "Note"},
	"one.remittance":    {"Maksājuma mērķis", "Remittance"},
	"one.e2e":           {"End-to-end id", "End-to-end id"},
	"one.instruction":   {"Instrukcijas id", "Instruction id"},
	"one.reference":     {"Kreditora atsauce", "Creditor reference"},
	"one.purpose":       {"Mērķa kods", "Purpose code"},
	"one.category":      {"Kategorijas mērķa kods", "Category purpose code"},
	"one.address":       {"Saņēmēja adrese", "Creditor's address"},
	"one.ultcreditor":   {"Galīgais saņēmējs", "Ultimate creditor"},
	"one.ultdebtor":     {"Galīgais maksātājs", "Ultimate debtor"},
	"one.debtor":        {"Maksātājs", "Debtor"},
	"one.live":          {"Atjaunojas automātiski", "Updates live"},
	"files.title":       {"Faili", "Files"},
	"files.choose":      {"Fails (pain.001, CSV, XLSX)", "File (pain.001, CSV, XLSX)"},
	"files.send":        {"Augšupielādēt", "Upload"},
	"files.none":        {"Vēl nav neviena faila.", "No file yet."},
	"file.title":        {"Fails %s", "File %s"},
	"file.answer":       {"Atbilde (pain.002)", "Answer (pain.002)"},
	"file.problems":     {"Kļūdas", "Problems"},
	"statements.title":  {"Izraksti", "Statements"},
	"st.account":        {"Konts", "Account"},
	"st.format":         {"Formāts", "Format"},
	"st.download":       {"Lejupielādēt", "Download"},
	"st.none":           {"Jums nav tiesību skatīt neviena konta izrakstu.", "You may view no account's statements."},
	"limits.title":      {"Limiti šodien", "Limits today"},
	"lim.none":          {"Jums nav piešķirtu kontu.", "You hold no grants."},
	"operator.title":    {"Operatoram", "Operator"},
	"nav.operator":      {"Operatoram", "Operator"},
	"op.not":            {"šī lapa ir tikai operatoriem (maksa serve --operators)", "this page is for operators only (maksa serve --operators)"},
	"op.nights":         {"Nakts apstrādes", "Nightly runs"},
	"op.nonights":       {"Nakts apstrāde vēl nav notikusi.", "No nightly run yet."},
	"op.held":           {"Aizturētie maksājumi", "Held payments"},
	"op.noheld":         {"Neviens maksājums nav aizturēts.", "No payment is held."},
	"op.heldwhy":        {"Klienta kopsumma nebija pieteikta: maksājums gaida, līdz operators to atbrīvo.", "The client's total was not announced: the payment waits until an operator releases it."},
	"op.release":        {"Atbrīvot atlasītos", "Release selected"},
	"op.released":       {"Atbrīvoti maksājumi: %d. Tie tiks izpildīti nākamajā nakts apstrādē.", "Released: %d. They go in the next nightly run."},
	"op.audit":          {"Audita žurnāls", "Audit log"},
	"op.verify":         {"Pārbaudīt ķēdi", "Verify the chain"},
	"op.verified":       {"Kārtībā: %d notikumi pārbaudīti. Pierakstiet enkuru ārpus datubāzes: %s", "OK: %d events verify. Note the anchor outside the database: %s"},
	"op.broken":         {"BOJĀTS: %s (%d notikumi pirms tā ir kārtībā)", "BROKEN: %s (%d events before it verify)"},
	"op.ran":            {"Izpildīja", "Ran"},
	"op.reports":        {"Dienas pārskats", "Daily report"},
	"col.executed":      {"Izpildīti", "Executed"},
	"col.refused":       {"Atteikti", "Refused"},
	"col.held":          {"Aizturēti", "Held"},
	"col.awaiting":      {"Gaida parakstu", "Awaiting signature"},
	"col.note":          {"Iemesls", "Why"},
	"pay.direction":     {"Virziens", "Direction"},
	"pay.out":           {"izejošie", "outgoing"},
	"pay.in":            {"ienākošie", "incoming"},
	"pay.e2e":           {"End-to-end id", "End-to-end id"},
	"pay.batch":         {"Fails (nr.)", "File (no.)"},
	"pay.min":           {"Summa no", "Amount from"},
	"pay.max":           {"Summa līdz", "Amount to"},
	"err.batch":         {"faila numurs ir skaitlis", "a file number is a number"},
	"err.amount":        {"summu raksta ar cipariem, piemēram, 1500.00", "write an amount as digits, e.g. 1500.00"},
	"queue.total":       {"%d maksājumi, kopā", "%d payments, in total"},
	"queue.selectall":   {"Visus (%d)", "All (%d)"},
	"queue.more":        {"Parādīti pirmie %d no %d. «Visus» paraksta visus %[2]d kā vienu kopu.", "The first %d of %d are shown. «All» signs all %[2]d as one set."},
	"queue.confirmmore": {"… kopā %d maksājumi, kuru saņēmēja pārbaudes rezultāts jāapstiprina.", "… %d payments in all whose payee verification outcome you confirm."},
	"file.more":         {"Parādīti pirmie %d maksājumi; visus ar statusiem un iemesliem satur atbilde (pain.002).", "The first %d payments are shown; the answer (pain.002) holds them all with their status and reasons."},
	"err.title":         {"Atteikts", "Refused"},
	"err.ip":            {"pieprasījumi no %s nav jūsu atļauto IP adrešu sarakstā", "requests from %s are not in your IP allow-list"},
	"err.inactive":      {"lietotājs nav aktīvs vai tā derīguma termiņš beidzies", "the user is not active or past valid-until"},
	"err.csrf":          {"pieprasījums nenāk no šīs konsoles lapas (CSRF)", "the request did not come from this console's page (CSRF)"},
	"err.nosession":     {"nav sesijas: piesakieties", "no session: log in"},
	"err.internal":      {"iekšēja kļūda; operatora žurnālā ir sīkāka informācija", "internal error; the operator's log has the details"},
	"err.notfound":      {"nav tāda, ko jūs drīkstētu redzēt", "nothing you may see by that name"},
	"err.view":          {"jums nav skatīšanās tiesību kontam %s", "you hold no view mode on %s"},
	"err.dates":         {"datumi jānorāda kā GGGG-MM-DD, 'no' ne vēlāk par 'līdz'", "dates are YYYY-MM-DD, from not after to"},
	"back":              {"Atpakaļ", "Back"},
}
