package frontend

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/notify"
	"github.com/hearth-placements/hearth/commissioning/monitoring"
	"github.com/hearth-placements/hearth/commissioning/secure"
	"github.com/hearth-placements/hearth/frontend/auth"
	"github.com/hearth-placements/hearth/marketplace"
	"github.com/hearth-placements/hearth/marketplace/billing"
)

// views holds one parsed template set per page (layout + partials + page).
type views struct {
	pages map[string]*template.Template
}

var london = kernel.London

var funcs = template.FuncMap{
	"trimSpace": strings.TrimSpace,
	"asset":     assetURL,
	"dict": func(kv ...any) (map[string]any, error) {
		if len(kv)%2 != 0 {
			return nil, errors.New("dict: odd number of arguments")
		}
		m := make(map[string]any, len(kv)/2)
		for i := 0; i < len(kv); i += 2 {
			k, ok := kv[i].(string)
			if !ok {
				return nil, errors.New("dict: keys must be strings")
			}
			m[k] = kv[i+1]
		}
		return m, nil
	},
	"errorFor": errorFor,
	"message":  func(code string) string { return kernel.Message(kernel.Code(code)) },
	"value":    func(form map[string]string, field string) string { return form[field] },
	"checked": func(form map[string]string, field, v string) bool {
		for _, x := range strings.Split(form[field], ",") {
			if x == v {
				return true
			}
		}
		return false
	},
	"label": func(kind string, v any) string {
		code := codeOf(v)
		return kernel.Label(map[string][]kernel.Option{"need": kernel.Needs, "rating": marketplace.Ratings, "type": marketplace.HomeTypes,
			"placement": marketplace.PlacementTypes, "tier": marketplace.Tiers, "end": marketplace.EndReasons,
			"incident": marketplace.IncidentKinds, "risk": marketplace.RiskGrades, "ending": marketplace.EpisodeEndings, "rhiResponsible": marketplace.RHIResponsibles, "notice": notify.NoticeKinds, "bed": secure.BedStatuses, "closed": secure.ClosedReasons,
			"designation": secure.Designations, "position": secure.LegalPositions, "urgency": secure.Urgencies, "secure_status": secure.Statuses,
			"decline": secure.DeclineReasons, "discharge": secure.DischargeReasons, "primary_reason": secure.PrimaryReasons,
			"ethnicity": kernel.Ethnicities, "order_kind": secure.OrderKinds, "legal": legalStatuses, "visit_type": monitoring.VisitTypes,
			"sex": {{Code: "female", Label: "Female"}, {Code: "male", Label: "Male"}}}[kind], code)
	},
	"consulted": func(yes *bool, on *time.Time, note string) string {
		switch {
		case yes == nil:
			return "not recorded"
		case *yes && on != nil:
			if note != "" {
				return "yes, " + on.Format("2 January 2006") + ". " + note
			}
			return "yes, " + on.Format("2 January 2006")
		}
		return "no. " + note
	},
	// pounds is the one way pages print money: "£5,400.00".
	"pounds": func(p any) string {
		switch v := p.(type) {
		case int64:
			return kernel.Pence(v).String()
		case kernel.Pence:
			return v.String()
		case *kernel.Pence:
			if v != nil {
				return v.String()
			}
		}
		return ""
	},
	"miles": func(m *float64) string {
		if m == nil {
			return ""
		}
		return fmt.Sprintf("%.1f miles", *m)
	},
	"isodate": func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.Format("2006-01-02")
	},
	"str": func(v any) string { return fmt.Sprint(v) },
	// level is the monitoring framework's name for a score: "Good".
	"level": func(v any) string {
		switch n := v.(type) {
		case int:
			return monitoring.LevelLabel(n)
		case *int:
			if n != nil {
				return monitoring.LevelLabel(*n)
			}
		}
		return ""
	},
	"occupancyChart": occupancyChart,
	"spendChart":     spendChart,
	"sub":            func(a, b int64) int64 { return a - b },
	"bedsNote": func(free, soon int) string {
		if free+soon == 0 {
			return "no welfare bed today"
		}
		return fmt.Sprintf("suitable today, %d free, %d free soon", free, soon)
	},
	"statusText": statusText,
	"list":       func(v ...string) []string { return v },
	"lower":      strings.ToLower,
	"list2": func(kv ...string) [][2]string {
		out := make([][2]string, 0, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			out = append(out, [2]string{kv[i], kv[i+1]})
		}
		return out
	},
	"deref2": func(b *bool) bool { return b != nil && *b },
	// alternative labels an alternative offer with the matching rules its home fails.
	"alternative": marketplace.AlternativeLabel,
	"append2":     func(opts [][2]string, value, label string) [][2]string { return append(opts, [2]string{value, label}) },
	"ceiling": func(l commissioning.Lot, tier string) *kernel.Pence {
		if p, ok := l.Ceiling(tier); ok {
			return &p
		}
		return nil
	},
	"appStatus": applicationStatus,
	"title":     func(s string) string { return strings.ToUpper(s[:1]) + s[1:] },
	"opts":      options,
	"lotOpts": func(lots []commissioning.Lot) [][2]string {
		out := make([][2]string, len(lots))
		for i, l := range lots {
			out[i] = [2]string{strconv.FormatInt(l.ID, 10), l.Name}
		}
		return out
	},
	// yesno is an optional yes or no question's answer ("" when not answered).
	"yesno": func(b *bool) string {
		if b == nil {
			return ""
		}
		return map[bool]string{true: "Yes", false: "No"}[*b]
	},
	// withUnit is a number and its unit, like "26 weeks" ("" when not given).
	"withUnit": func(n *int, unit string) string {
		if n == nil {
			return ""
		}
		return fmt.Sprintf("%d %s", *n, unit)
	},
	// monthYear is a month and year, like "3/2012" ("" when either is missing).
	"monthYear": func(m, y *int) string {
		if m == nil || y == nil {
			return ""
		}
		return fmt.Sprintf("%d/%d", *m, *y)
	},
	// answer is one row of a GOV.UK summary list (see the "answer" partial).
	"answer": func(key string, value, href any, field string) map[string]any {
		h, _ := href.(string)
		return map[string]any{"Key": key, "Value": value, "Href": h, "Field": field}
	},
	// deref is what a pointer points to, "" for nil.
	"deref": func(p any) any {
		v := reflect.ValueOf(p)
		if v.Kind() != reflect.Pointer {
			return p
		}
		if v.IsNil() {
			return ""
		}
		return v.Elem().Interface()
	},
	"date":     func(t any) string { return formatTime(t, "2 January 2006") },
	"datetime": func(t any) string { return formatTime(t, "2 Jan 2006 15:04") },
	"hours":    func(h float64) string { return hoursLeft(h) },
	"statusTag": func(v any) string {
		switch st := v.(type) {
		case marketplace.RequestStatus:
			return tagOr(requestTags[st])
		case marketplace.PlacementStatus:
			return tagOr(placementTags[st])
		case secure.ReferralStatus:
			return tagOr(referralTags[st])
		case billing.InvoiceStatus:
			return tagOr(invoiceTags[st])
		}
		switch codeOf(v) {
		case "sent", "admitted", "Admitted", "started", "awarded":
			return "govuk-tag--green"
		case "failed", "rejected", "Suspended", "Not admitted":
			return "govuk-tag--red"
		case "queued", "requested", "Submitted", "In progress", "awaiting_approval", "open":
			return "govuk-tag--yellow"
		}
		return "govuk-tag--grey"
	},
}

// statusText is the one way a status tag is worded: a status code or label, capitalised
// ("awaiting_approval" is "Awaiting approval", "open" is "Open").
func statusText(v any) string {
	s := strings.ReplaceAll(codeOf(v), "_", " ")
	if s == "" {
		return ""
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func formatTime(t any, layout string) string {
	switch v := t.(type) {
	case time.Time:
		return v.In(london).Format(layout)
	case *time.Time:
		if v == nil {
			return ""
		}
		return v.In(london).Format(layout)
	}
	return ""
}

func loadViews(fsys fs.FS) (*views, error) {
	pages, err := fs.Glob(fsys, "templates/*.html")
	if err != nil {
		return nil, err
	}
	v := &views{pages: map[string]*template.Template{}}
	for _, p := range pages {
		name := strings.TrimSuffix(path.Base(p), ".html")
		if name == "layout" || strings.HasSuffix(name, "partial") || name == "partials" {
			continue
		}
		t, err := template.New(name).Funcs(funcs).ParseFS(fsys, "templates/layout.html", "templates/partials.html", "templates/*_partial.html", p)
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", name, err)
		}
		v.pages[name] = t
	}
	return v, nil
}

// ServiceName is the service every page belongs to: the header names it, and every
// page's title reads "<Page> – <ServiceName> – Hearth" (GOV.UK's pattern, with Hearth
// where GOV.UK has GOV.UK), "Error: " first when the page shows an error summary.
const ServiceName = "Children's placements marketplace"

// Link is a link in the page furniture: a back link or a breadcrumb.
type Link struct{ Text, Href string }

// View is what every page template receives.
type View struct {
	Title     string
	Service   string
	Back      *Link  // a GOV.UK back link above the page (form pages): see withBack
	Crumbs    []Link // GOV.UK breadcrumbs above the page (detail pages): see withCrumbs
	User      *auth.User
	Org       commissioning.Organisation
	Nav       []NavItem
	CSRF      string
	Flash     string
	Errors    kernel.FieldErrors
	Form      map[string]string // what the user typed, re-shown on error
	Data      any
	RequestID string

	path   string // the request's path
	can    func(method, path string) bool
	isPage func(path string) bool // a page's address, not a pattern's misreading (/homes/:id for /homes/vacancies)
}

// Can reports whether the signed-in user may follow a link to path: templates show
// a link only when it does not lead to a refusal ({{if $.Can "/notices"}}).
func (v *View) Can(path string) bool { return v.can != nil && v.can(http.MethodGet, path) }

// CanPost reports whether the signed-in user may submit a form to path.
func (v *View) CanPost(path string) bool { return v.can != nil && v.can(http.MethodPost, path) }

// NavItem is one link in the service navigation.
type NavItem struct {
	Text, Href string
	Current    bool
	Count      int64 // unread, shown beside the text (the notices)
}

// page renders a page template with status.
func (s *Server) page(c echo.Context, status int, name, title string, data any, opts ...func(*View)) error {
	v := &View{Title: title, Service: ServiceName, Data: data, Form: map[string]string{}, RequestID: c.Response().Header().Get(echo.HeaderXRequestID),
		path: c.Request().URL.Path}
	if tok, ok := c.Get(middleware.DefaultCSRFConfig.ContextKey).(string); ok {
		v.CSRF = tok
	}
	if u, ok := currentUser(c); ok {
		v.User = &u
		v.Org = currentOrg(c)
		v.can = func(method, path string) bool { return s.CanUse(u.Role, method, path) }
		v.isPage = s.isPage
		for _, item := range navFor(u.Role, c.Request().URL.Path) {
			if item.Href == "/notices" {
				item.Count = s.unreadNotices(c, c.Request().Context())
			}
			if v.Can(item.Href) {
				v.Nav = append(v.Nav, item)
			}
		}
	}
	v.Flash = s.sessions.PopString(c.Request().Context(), sessFlash)
	for _, o := range opts {
		o(v)
	}
	t, ok := s.views.pages[name]
	if !ok {
		return fmt.Errorf("no template %q", name)
	}
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, "layout", v); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	return c.HTMLBlob(status, scrollTables(b.Bytes()))
}

// fragment renders one named block of a page template without the layout, for
// pages that refresh part of themselves (the live vacancy board).
func (s *Server) fragment(c echo.Context, status int, name, block string, data any, opts ...func(*View)) error {
	v := &View{Data: data, Form: map[string]string{}}
	if u, ok := currentUser(c); ok {
		v.can = func(method, path string) bool { return s.CanUse(u.Role, method, path) }
	}
	for _, o := range opts {
		o(v)
	}
	var b bytes.Buffer
	if err := s.views.pages[name].ExecuteTemplate(&b, block, v); err != nil {
		return fmt.Errorf("render %s/%s: %w", name, block, err)
	}
	return c.HTMLBlob(status, scrollTables(b.Bytes()))
}

var (
	tableRe       = regexp.MustCompile(`(?s)<table\b([^>]*)>.*?</table>`)
	captionRe     = regexp.MustCompile(`(?s)<caption\b[^>]*>(.*?)</caption>`)
	tagRe         = regexp.MustCompile(`<[^>]*>`)
	spaceRe       = regexp.MustCompile(`\s+`)
	scrollerStart = []byte(`<div class="hearth-table-scroll"`)
)

// scrollTables puts every GOV.UK table on a page in a scrolling container named by its
// caption (<div class="hearth-table-scroll" tabindex="0" role="region" aria-label="…">),
// so a wide table scrolls inside itself at 390 px and the page never scrolls sideways;
// keyboard users can focus it to scroll. Tables that stack on a phone (hearth-stack) and
// tables a template already wraps are left as they are.
// wrapped says whether the table after before is already inside a scrolling region (a
// template that names its region itself).
func wrapped(before []byte) bool {
	before = bytes.TrimRight(before, " \t\r\n")
	i := bytes.LastIndexByte(before, '<')
	return i >= 0 && bytes.HasPrefix(before[i:], scrollerStart)
}

func scrollTables(page []byte) []byte {
	found := tableRe.FindAllSubmatchIndex(page, -1)
	if found == nil {
		return page
	}
	out := make([]byte, 0, len(page)+len(found)*100)
	last := 0
	for _, m := range found {
		table, attrs := page[m[0]:m[1]], page[m[2]:m[3]]
		if !bytes.Contains(attrs, []byte("govuk-table")) || bytes.Contains(attrs, []byte("hearth-stack")) || wrapped(page[:m[0]]) {
			continue
		}
		label := "Table"
		if c := captionRe.FindSubmatch(table); c != nil {
			if text := strings.TrimSpace(spaceRe.ReplaceAllString(string(tagRe.ReplaceAll(c[1], nil)), " ")); text != "" {
				label = strings.ReplaceAll(text, `"`, "&#34;")
			}
		}
		out = append(out, page[last:m[0]]...)
		out = append(out, `<div class="hearth-table-scroll" tabindex="0" role="region" aria-label="`+label+`">`...)
		out = append(out, table...)
		out = append(out, "</div>"...)
		last = m[1]
	}
	return append(out, page[last:]...)
}

// errorFor is the message for the form element id (or the field whose element it
// is), "" when it has none.
func errorFor(errs kernel.FieldErrors, id string) string {
	for _, e := range errs {
		if e.ID() == id || e.Field == id || e.Field+"-day" == id {
			return e.Text()
		}
	}
	return ""
}

// withBack puts a GOV.UK back link above a form page, to the nearest page above it the
// user may follow (/homes/5/edit goes back to /homes/5, /homes/vacancies/upload to
// /homes); none when that is the home page.
func withBack() func(*View) {
	return func(v *View) {
		for p := path.Dir(v.path); p != "/" && p != "."; p = path.Dir(p) {
			if v.isPage != nil && v.isPage(p) && v.Can(p) {
				v.Back = &Link{Text: "Back", Href: p}
				return
			}
		}
	}
}

// isPage reports whether p is the address of a page: a GET route whose ids are numbers.
func (s *Server) isPage(p string) bool {
	c := s.e.NewContext(nil, nil)
	s.e.Router().Find(http.MethodGet, p, c)
	if c.Path() == "" {
		return false
	}
	for _, id := range c.ParamValues() {
		if _, err := strconv.ParseInt(id, 10, 64); err != nil {
			return false
		}
	}
	return true
}

// withCrumbs puts GOV.UK breadcrumbs above a detail page: Home, then each ancestor the
// user may follow. An ancestor without text is a section of the menu, named as the menu
// names it for this role (Link{Href: "/placements"}), and left out when the role's menu
// lacks it. Breadcrumbs replace a back link.
func withCrumbs(ancestors ...Link) func(*View) {
	return func(v *View) {
		v.Back, v.Crumbs = nil, []Link{{Text: "Home", Href: "/"}}
		for _, l := range ancestors {
			if l.Text == "" {
				for _, item := range v.Nav {
					if item.Href == l.Href {
						l.Text = item.Text
					}
				}
			}
			if l.Text != "" && v.Can(l.Href) {
				v.Crumbs = append(v.Crumbs, l)
			}
		}
	}
}

// withForm re-shows typed values and field errors, each beside its form element: a
// field whose form holds a GOV.UK date input (name-day, -month, -year) links to its
// day box.
func withForm(form map[string]string, errs kernel.FieldErrors) func(*View) {
	return func(v *View) {
		if form != nil {
			v.Form = form
		}
		v.Errors = formIDs(errs, form)
	}
}

// formIDs fills in the form element id of each field error that lacks one.
func formIDs(errs kernel.FieldErrors, form map[string]string) kernel.FieldErrors {
	if errs == nil {
		return nil
	}
	out := make(kernel.FieldErrors, len(errs))
	for i, e := range errs {
		if e.FormID == "" {
			if _, ok := form[e.Field+"-day"]; ok {
				e.FormID = e.Field + "-day"
			}
		}
		out[i] = e
	}
	return out
}

// flash sets a success message for the next page.
func (s *Server) flash(c echo.Context, msg string) {
	s.sessions.Put(c.Request().Context(), sessFlash, msg)
}

// statusTable maps each error kind to its HTTP status: the one table for the whole
// server. Domain errors (kernel.Error) and field errors match by their kind.
var statusTable = []struct {
	kind   error
	status int
}{
	{kernel.ErrNotFound, http.StatusNotFound},
	{kernel.ErrForbidden, http.StatusForbidden},
	{kernel.ErrConflict, http.StatusConflict},
	{kernel.ErrInvalid, http.StatusUnprocessableEntity},
	{auth.ErrThrottled, http.StatusTooManyRequests},
}

// statusFor is err's HTTP status: echo's own, 400 for malformed JSON, then the first
// kind in statusTable that err matches, else 500.
func statusFor(err error) int {
	var he *echo.HTTPError
	var je *jsonError
	switch {
	case errors.As(err, &he):
		return he.Code
	case errors.As(err, &je):
		return http.StatusBadRequest
	}
	for _, row := range statusTable {
		if errors.Is(err, row.kind) {
			return row.status
		}
	}
	return http.StatusInternalServerError
}

// handleError renders every error: JSON under /api, a GOV.UK page elsewhere. Only
// internal errors are logged in full; users never see their detail.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	status := statusFor(err)
	msg := ""
	var he *echo.HTTPError
	if errors.As(err, &he) {
		if m, ok := he.Message.(string); ok {
			msg = m
		}
	}
	if msg == "" && status < 500 && !errors.As(err, &he) {
		msg = userMessage(err)
	}
	reqID := c.Response().Header().Get(echo.HeaderXRequestID)
	if status >= 500 {
		slog.ErrorContext(c.Request().Context(), "internal error", "err", err, "request_id", reqID, "route", routeOf(c))
		msg = ""
	}
	if isAPI(c.Request().URL.Path) {
		_ = c.JSON(status, apiError(status, firstNonEmpty(msg, http.StatusText(status)), reqID, err))
		return
	}
	heading, paras := errorText(status, msg)
	if rerr := s.page(c, status, "error", heading, map[string]any{"Heading": heading, "Paragraphs": paras}); rerr != nil {
		slog.ErrorContext(c.Request().Context(), "render error page", "err", rerr)
		_ = c.String(http.StatusInternalServerError, "Sorry, there is a problem with the service.")
	}
}

func errorText(status int, msg string) (string, []string) {
	switch status {
	case http.StatusNotFound:
		return "Page not found", []string{"If you typed the web address, check it is correct.", "If you pasted the web address, check you copied the entire address."}
	case http.StatusForbidden:
		return "You do not have permission to see this page", []string{firstNonEmpty(msg, "Your account cannot use this page."), "If you think you should, ask your organisation's administrator."}
	case http.StatusTooManyRequests:
		return "Too many attempts", []string{firstNonEmpty(msg, "Wait a few minutes, then try again.")}
	case http.StatusMethodNotAllowed:
		return "Page not found", []string{"This page cannot be used that way."}
	case http.StatusRequestEntityTooLarge:
		return "The file is too large", []string{"Upload a file of 2 MB or less (about 5,000 rows). Split a larger file into several."}
	case http.StatusConflict:
		return "Someone else changed this first", []string{firstNonEmpty(msg, "Go back, reload the page and try again.")}
	}
	if status >= 500 {
		return "Sorry, there is a problem with the service", []string{"Try again later. If it keeps happening, give the reference below to your administrator."}
	}
	return "There is a problem", []string{firstNonEmpty(msg, http.StatusText(status))}
}

// userMessage is a domain error's text for people: its code's message from the message
// table, so context wrapped around it never shows. Errors not yet declared with a code
// are worded for people, with the kind ("conflict", "not found"…) as a suffix that is
// dropped here.
func userMessage(err error) string {
	if code := kernel.CodeOf(err); code != "" {
		return kernel.Message(code)
	}
	s := err.Error()
	for _, k := range []error{kernel.ErrNotFound, kernel.ErrForbidden, kernel.ErrConflict, kernel.ErrInvalid} {
		s = strings.TrimSuffix(s, ": "+k.Error())
	}
	if s == "" {
		return ""
	}
	return strings.ToUpper(s[:1]) + s[1:] + "."
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

func isAPI(p string) bool { return strings.HasPrefix(p, "/api/") }

// navFor is the service navigation for a role.
func navFor(r kernel.Role, current string) []NavItem {
	items := []NavItem{{Text: "Home", Href: "/"}}
	switch r {
	case kernel.RoleConsortiumAdmin:
		items = append(items, NavItem{Text: "Vacancies", Href: "/board"}, NavItem{Text: "Frameworks", Href: "/admin/frameworks"}, NavItem{Text: "Users", Href: "/admin/users"}, NavItem{Text: "Billing", Href: "/admin/billing"},
			NavItem{Text: "Audit log", Href: "/admin/audit"}, NavItem{Text: "Email outbox", Href: "/admin/outbox"}, NavItem{Text: "Mailboxes", Href: "/admin/mailboxes"},
			NavItem{Text: "Police", Href: "/admin/police"},
			NavItem{Text: "Intelligence", Href: "/intelligence"}, NavItem{Text: "Monitoring", Href: "/monitoring"}, NavItem{Text: "Simulations", Href: "/simulations"})
	case kernel.RoleCommissioner:
		items = append(items, NavItem{Text: "Requests", Href: "/requests"}, NavItem{Text: "Placements", Href: "/placements"}, NavItem{Text: "Missing", Href: "/missing"}, NavItem{Text: "Notices", Href: "/notices"},
			NavItem{Text: "Vacancies", Href: "/board"}, NavItem{Text: "Secure referrals", Href: "/secure/referrals"}, NavItem{Text: "Invoices", Href: "/billing"},
			NavItem{Text: "Find a child", Href: "/children/search"}, NavItem{Text: "Intelligence", Href: "/intelligence"}, NavItem{Text: "Monitoring", Href: "/monitoring"},
			NavItem{Text: "SSDA903 return", Href: "/returns/ssda903"})
	case kernel.RoleApprover:
		items = append(items, NavItem{Text: "Approvals", Href: "/approvals"}, NavItem{Text: "Placements", Href: "/placements"}, NavItem{Text: "Notices", Href: "/notices"},
			NavItem{Text: "Vacancies", Href: "/board"}, NavItem{Text: "Find a child", Href: "/children/search"}, NavItem{Text: "Monitoring", Href: "/monitoring"})
	case kernel.RoleProviderAdmin:
		items = append(items, NavItem{Text: "Requests", Href: "/invitations"}, NavItem{Text: "Placements", Href: "/placements"}, NavItem{Text: "Missing", Href: "/missing"}, NavItem{Text: "Notices", Href: "/notices"},
			NavItem{Text: "Homes", Href: "/homes"}, NavItem{Text: "Frameworks", Href: "/provider/frameworks"}, NavItem{Text: "Payments", Href: "/billing"})
	case kernel.RoleSWCUCoordinator:
		items = append(items, NavItem{Text: "Waiting list", Href: "/secure/waiting"}, NavItem{Text: "Bed board", Href: "/secure/board"},
			NavItem{Text: "Suggested allocation", Href: "/secure/suggestions"}, NavItem{Text: "Daily report", Href: "/secure/report"},
			NavItem{Text: "Measures", Href: "/secure/metrics"}, NavItem{Text: "Notices", Href: "/notices"}, NavItem{Text: "Audit log", Href: "/secure/audit"})
	case kernel.RoleSecureHomeUser:
		items = append(items, NavItem{Text: "Your home", Href: "/secure/home"}, NavItem{Text: "Bed board", Href: "/secure/board"}, NavItem{Text: "Notices", Href: "/notices"})
	case kernel.RoleHostCouncilUser:
		items = append(items, NavItem{Text: "Notices", Href: "/notices"}, NavItem{Text: "Placements into your area", Href: "/placements"}, NavItem{Text: "Missing episodes", Href: "/missing"})
	case kernel.RolePoliceLiaison:
		items = append(items, NavItem{Text: "Homes in your area", Href: "/police"}, NavItem{Text: "Missing episodes", Href: "/police/missing"})
	case kernel.RoleProviderUser:
		items = append(items, NavItem{Text: "Requests", Href: "/invitations"}, NavItem{Text: "Placements", Href: "/placements"}, NavItem{Text: "Notices", Href: "/notices"},
			NavItem{Text: "Homes", Href: "/homes"})
	}
	items = append(items, NavItem{Text: "Your account", Href: "/account"})
	for i := range items {
		items[i].Current = items[i].Href == current || (items[i].Href != "/" && strings.HasPrefix(current, items[i].Href+"/"))
	}
	return items
}

// legalStatuses are a child's legal statuses as options, for the "legal" label.
var legalStatuses = func() []kernel.Option {
	out := make([]kernel.Option, len(marketplace.LegalStatuses))
	for i, l := range marketplace.LegalStatuses {
		out[i] = kernel.Option{Code: l[0], Label: l[1]}
	}
	return out
}()
