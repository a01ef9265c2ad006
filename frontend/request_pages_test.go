package frontend

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hearth-placements/hearth/marketplace"
)

// draftFor creates a council's draft through the form's first two pages and returns its id.
func draftFor(t *testing.T, b *browser, child url.Values) string {
	t.Helper()
	r := b.post("/requests/new", "/requests/new", child)
	m := regexp.MustCompile(`^/requests/(\d+)/edit/needs$`).FindStringSubmatch(r.Location)
	if r.Status != http.StatusSeeOther || m == nil {
		t.Fatalf("child page: %d %q\n%s", r.Status, r.Location, r.Body)
	}
	return m[1]
}

// newDraft signs a commissioner in and saves a draft's child page.
func newDraft(t *testing.T) (*harness, *browser, time.Time, string) {
	h := newHarness(t)
	b := h.signIn("commissioner@manchester.test")
	now := h.clock.Now()
	return h, b, now, draftFor(t, b, childPage(now))
}

func childPage(now time.Time) url.Values {
	return url.Values{"child_ref": {"MCR-5150"}, "age_years": {"14"}, "birth_month": {fmt.Sprint(int(now.Month()))}, "birth_year": {fmt.Sprint(now.Year() - 14)},
		"sex": {"male"}, "legal_status": {"s20"}, "school_year": {"Year 9"}, "ehcp": {"yes"}, "first_language": {"Arabic"}, "religion": {"Muslim"}}
}

func placementPage(lotID int64, start, deadline time.Time) url.Values {
	deadline = deadline.In(london)
	return url.Values{"home_outcode": {"M14"}, "within_miles": {"20"}, "lot_id": {fmt.Sprint(lotID)}, "tier": {"complex"}, "duration_weeks": {"26"},
		"start_date-day": {fmt.Sprint(start.Day())}, "start_date-month": {fmt.Sprint(int(start.Month()))}, "start_date-year": {fmt.Sprint(start.Year())},
		"deadline-day": {fmt.Sprint(deadline.Day())}, "deadline-month": {fmt.Sprint(int(deadline.Month()))}, "deadline-year": {fmt.Sprint(deadline.Year())},
		"deadline_time": {deadline.Format("15:04")}, "emergency": {"yes"}}
}

// The child page compares the age with the month and year of birth itself, with every
// other problem on the page, in one pass; what was typed stays.
func TestRequestChildPageChecksAgeAgainstBirthInOnePass(t *testing.T) {
	h := newHarness(t)
	b := h.signIn("commissioner@manchester.test")
	now := h.clock.Now()
	child := childPage(now)
	child.Set("birth_year", fmt.Sprint(now.Year()-5)) // a child aged 14 born 5 years ago
	child.Set("sex", "")
	child.Set("religion", strings.Repeat("x", 61))
	r := b.post("/requests/new", "/requests/new", child)
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("child page: %d", r.Status)
	}
	for _, want := range []string{"The month and year of birth do not match the child&#39;s age", "Select the child&#39;s sex", "The religion must be 60 characters or fewer",
		`href="#birth_month"`, `href="#sex"`, `href="#religion"`, `value="` + child.Get("birth_year") + `"`, `value="` + strings.Repeat("x", 61) + `"`, `value="Arabic"`} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("child page lacks %q", want)
		}
	}
	// The error summary follows the page: birth before sex before religion.
	if i, j, k := strings.Index(r.Body, `href="#birth_month"`), strings.Index(r.Body, `href="#sex"`), strings.Index(r.Body, `href="#religion"`); i > j || j > k {
		t.Errorf("error summary out of page order: %d %d %d", i, j, k)
	}
	// Corrected, it saves, and the draft keeps the religion.
	id := draftFor(t, b, childPage(now))
	if r := b.get("/requests/" + id + "/edit/child"); !strings.Contains(r.Body, `value="Muslim"`) || !strings.Contains(r.Body, `value="14"`) || !strings.Contains(r.Body, "Step 1 of 3") {
		t.Fatal("the child page is not prefilled from the draft")
	}
}

// The placement page reads through decodeForm: every problem at once, the deadline
// compared with the start date on the page, and what was typed kept.
func TestRequestPlacementPageShowsEveryProblemAtOnce(t *testing.T) {
	h, b, now, id := newDraft(t)
	page := "/requests/" + id + "/edit/placement"
	start := now.AddDate(0, 0, 7)
	p := placementPage(h.lot.ID, start, start.AddDate(0, 0, 2).Add(time.Hour)) // responses due after the start
	p.Set("within_miles", "many")
	p.Del("tier")
	p.Set("duration_weeks", "900")
	r := b.post(page, page, p)
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("placement page: %d", r.Status)
	}
	for _, want := range []string{"The response deadline must be on or before the wanted start date", "Select the needs tier", "Enter a whole number",
		"from 1 to 520", `href="#deadline-day"`, `href="#tier"`, `href="#within_miles"`, `href="#duration_weeks"`, `value="many"`, `value="900"`, `value="M14"`} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("placement page lacks %q", want)
		}
	}
	if n := strings.Count(r.Body, `class="govuk-error-message"`); n != 4 {
		t.Errorf("%d errors beside fields, want 4", n)
	}
	// An incomplete date and a missing time are each a problem beside their box.
	p = placementPage(h.lot.ID, start, start.Add(-time.Hour))
	p.Del("start_date-year")
	p.Set("deadline_time", "teatime")
	if r := b.post(page, page, p); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "The start date must include a year") ||
		!strings.Contains(r.Body, "Enter the time like 17:30") {
		t.Fatalf("dates: %d", r.Status)
	}
	// Corrected, it goes to check your answers, and the page is prefilled from the draft.
	if r := b.post(page, page, placementPage(h.lot.ID, start, now.Add(3*time.Hour))); r.Location != "/requests/"+id {
		t.Fatalf("placement: %d %q", r.Status, r.Location)
	}
	got := b.get(page)
	for _, want := range []string{`value="M14"`, `value="20"`, `value="26"`, fmt.Sprintf(`value="%d"`, start.Year()), "Step 3 of 3", `class="govuk-back-link" href="/requests/` + id + `/edit/needs"`} {
		if !strings.Contains(got.Body, want) {
			t.Errorf("placement page (GET) lacks %q", want)
		}
	}
}

// Check your answers shows every field, grouped by page, each row with its own Change
// link to its page and field; the page opened from it comes back to it.
func TestCheckYourAnswersShowsEveryFieldWithItsChangeLink(t *testing.T) {
	h, b, now, id := newDraft(t)
	needs := "/requests/" + id + "/edit/needs"
	if r := b.post(needs, needs, url.Values{"needs": {"autism", "cse_risk"}, "needs_detail": {"Needs a quiet home"}, "family_details": {"A brother, 9"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("needs: %d", r.Status)
	}
	page := "/requests/" + id + "/edit/placement"
	if r := b.post(page, page, placementPage(h.lot.ID, now.AddDate(0, 0, 7), now.Add(3*time.Hour))); r.Location != "/requests/"+id {
		t.Fatalf("placement: %d %q", r.Status, r.Location)
	}
	check := b.get("/requests/" + id)
	for _, want := range []string{"MCR-5150", "Male", "Section 20 (accommodated)", "Year 9", "Arabic", "Muslim", "Autism spectrum condition", "Needs a quiet home",
		"A brother, 9", "M14", "20 miles", h.lot.Name, "Complex", "26 weeks", "Same-day emergency"} {
		if !strings.Contains(check.Body, want) {
			t.Errorf("check your answers lacks %q", want)
		}
	}
	for _, field := range []string{"child/child_ref", "child/age_years", "child/birth_month", "child/sex", "child/legal_status", "child/school_year", "child/ehcp",
		"child/first_language", "child/religion", "needs/needs", "needs/needs_detail", "needs/family_details", "placement/home_outcode", "placement/within_miles",
		"placement/lot_id", "placement/tier", "placement/start_date-day", "placement/duration_weeks", "placement/deadline-day", "placement/emergency"} {
		step, f, _ := strings.Cut(field, "/")
		if href := fmt.Sprintf(`href="/requests/%s/edit/%s?check=1#%s"`, id, step, f); !strings.Contains(check.Body, href) {
			t.Errorf("no Change link %s", href)
		}
	}
	// A Change link's page says where it goes back to, and saving returns there.
	r := b.get("/requests/" + id + "/edit/child?check=1")
	if !strings.Contains(r.Body, `action="/requests/`+id+`/edit/child?check=1"`) || !strings.Contains(r.Body, `class="govuk-back-link" href="/requests/`+id+`"`) {
		t.Fatal("the child page opened from check your answers does not return to it")
	}
	c := childPage(now)
	c.Set("religion", "Sikh")
	if r := b.post("/requests/"+id+"/edit/child?check=1", "/requests/"+id+"/edit/child?check=1", c); r.Location != "/requests/"+id {
		t.Fatalf("change from check your answers: %d %q", r.Status, r.Location)
	}
	if r := b.get("/requests/" + id); !strings.Contains(r.Body, "Sikh") {
		t.Fatal("the changed religion is not shown")
	}
}

// Long text has the GOV.UK character count with maxlength, and a needs detail over the
// limit (300 KB) is refused beside its field with what was typed kept.
func TestRequestNeedsDetailHasAMaximumAndKeepsInput(t *testing.T) {
	_, b, _, id := newDraft(t)
	page := "/requests/" + id + "/edit/needs"
	got := b.get(page)
	for _, want := range []string{`maxlength="4000"`, `data-module="govuk-character-count"`, "Step 2 of 3", `class="govuk-back-link" href="/requests/` + id + `/edit/child"`} {
		if !strings.Contains(got.Body, want) {
			t.Errorf("needs page lacks %s", want)
		}
	}
	huge := strings.Repeat("quiet home ", 300_000/11)
	r := b.post(page, page, url.Values{"needs": {"autism"}, "needs_detail": {huge}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "The needs detail must be 4,000 characters or fewer") || !strings.Contains(r.Body, huge) ||
		!strings.Contains(r.Body, `value="autism" checked`) {
		t.Fatalf("300 KB of needs detail: %d", r.Status)
	}
}

// The API's create body is the form's three page inputs: the spec's NewRequest has
// exactly their fields; and the spec's Invitation has every field the request shows
// invited providers (toAPIInvitation copies them by name).
func TestRequestSchemasMatchTheInputs(t *testing.T) {
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]any `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(openAPIDoc, &doc); err != nil {
		t.Fatal(err)
	}
	var inputs []string
	for _, f := range reflect.VisibleFields(reflect.TypeOf(newRequest{})) {
		if !f.Anonymous {
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			inputs = append(inputs, name)
		}
	}
	var spec []string
	for name := range doc.Components.Schemas["NewRequest"].Properties {
		spec = append(spec, name)
	}
	slices.Sort(inputs)
	slices.Sort(spec)
	if !slices.Equal(inputs, spec) {
		t.Errorf("NewRequest has %v; the inputs %v", spec, inputs)
	}
	shown := marketplace.Invitation{}.Shown()
	if len(shown) < 10 {
		t.Fatalf("only %d invited fields", len(shown))
	}
	for name := range shown {
		if _, ok := doc.Components.Schemas["Invitation"].Properties[name]; !ok {
			t.Errorf("the spec's Invitation lacks %q", name)
		}
	}
	for _, never := range []string{"child_ref", "birth_month", "birth_year", "home_outcode", "avoid_councils"} {
		if _, ok := shown[never]; ok {
			t.Errorf("invited providers would see %s", never)
		}
	}
}
