package frontend

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

func TestFrameworkAdministration(t *testing.T) {
	h := newHarness(t)
	b := h.signIn("admin@consortium.test")
	terms := url.Values{"name": {"Second DPS"}, "open": {"yes"}, "weight_price": {"50"}, "weight_quality": {"30"}, "weight_distance": {"20"}, "weight_fit": {"10"}, "levy_bps": {"150"}}
	r := b.post("/admin/frameworks/new", "/admin/frameworks/new", terms)
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "must add up to 100 (they add up to 110)") || !strings.Contains(r.Body, `value="Second DPS"`) {
		t.Fatalf("weights of 110: %d", r.Status)
	}
	terms.Set("weight_price", "40")
	r = b.post("/admin/frameworks/new", "/admin/frameworks/new", terms)
	m := regexp.MustCompile(`^/admin/frameworks/(\d+)$`).FindStringSubmatch(r.Location)
	if r.Status != http.StatusSeeOther || m == nil {
		t.Fatalf("create: %d %q", r.Status, r.Location)
	}
	page := r.Location
	lot := url.Values{"lot_name": {"Solo"}, "code": {"Residential Solo!"}, "placement_type": {"residential"}, "ceiling_complex": {"£60,000"}}
	r = b.post(page, page+"/lots", lot)
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Enter a code of 2 to 40") || !strings.Contains(r.Body, "between £1 and £50,000") {
		t.Fatalf("bad lot: %d", r.Status)
	}
	lot.Set("code", "residential_solo")
	lot.Set("ceiling_complex", "9,500")
	if r := b.post(page, page+"/lots", lot); r.Status != http.StatusSeeOther {
		t.Fatalf("add lot: %d", r.Status)
	}
	if r := b.get(page); !strings.Contains(r.Body, "£9,500.00") {
		t.Fatal("ceiling not shown")
	}
	var lotID int64
	must(t, h.deps.DB.Pool.QueryRow(t.Context(), "SELECT id FROM lots WHERE code = 'residential_solo'").Scan(&lotID))
	field := fmt.Sprintf("ceiling_specialist_%d", lotID)
	ceil := fmt.Sprintf("%s/lots/%d/ceilings", page, lotID)
	if r := b.post(page, ceil, url.Values{field: {"lots"}}); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `href="#`+field+`"`) {
		t.Fatalf("bad ceiling: %d", r.Status)
	}
	if r := b.post(page, ceil, url.Values{field: {"14000"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("set ceiling: %d", r.Status)
	}
	if r := b.get(page); !strings.Contains(r.Body, "£14,000.00") {
		t.Fatal("new ceiling not shown")
	}
	// A lot of another framework cannot be changed through this one.
	if r := b.post(page, fmt.Sprintf("%s/lots/%d/ceilings", page, h.lot.ID), url.Values{"x": {"1"}}); r.Status != http.StatusNotFound {
		t.Fatalf("lot of another framework: %d", r.Status)
	}
	// Another consortium's admin cannot see or change it.
	other, err := h.deps.Orgs.Create(t.Context(), "consortium", "Other Consortium")
	must(t, err)
	_, err = h.deps.Users.Create(t.Context(), newUser("admin@other.test", "consortium_admin", other.ID))
	must(t, err)
	ob := h.signIn("admin@other.test")
	if r := ob.get(page); r.Status != http.StatusForbidden {
		t.Fatalf("other consortium reads the framework: %d", r.Status)
	}
	if r := ob.post("/admin/frameworks", page, terms); r.Status != http.StatusForbidden {
		t.Fatalf("other consortium changes the framework: %d", r.Status)
	}
	app, _ := h.deps.Frameworks.ExistingApplication(t.Context(), h.framework.ID, h.orgs["providerx"].ID)
	if r := ob.get(fmt.Sprintf("/admin/applications/%d", app.ID)); r.Status != http.StatusForbidden {
		t.Fatalf("other consortium reads an application: %d", r.Status)
	}
}

// TestAdmissionFormsKeepTheirErrorsApart proves a page with a form per item shows each
// error beside its own element only: a decision on a lot without a reason is not also
// an error on the suspension's reason, and a per-lot ceiling not on the add-a-lot form.
func TestAdmissionFormsKeepTheirErrorsApart(t *testing.T) {
	h := newHarness(t)
	a, err := h.deps.Frameworks.ExistingApplication(t.Context(), h.framework.ID, h.orgs["providerx"].ID)
	must(t, err)
	b := h.signIn("admin@consortium.test")
	page, lot := fmt.Sprintf("/admin/applications/%d", a.ID), fmt.Sprint(h.lot.ID)
	r := b.post(page, page+"/decide", url.Values{"lot_id": {lot}, "reason_" + lot: {""}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `href="#reason_`+lot+`"`) || !strings.Contains(r.Body, `href="#decision_`+lot+`"`) {
		t.Fatalf("decision without a reason: %d", r.Status)
	}
	if strings.Contains(r.Body, `id="reason-error"`) {
		t.Error("the decision's error is also shown on the suspension's reason")
	}
	fw := fmt.Sprintf("/admin/frameworks/%d", h.framework.ID)
	r = b.post(fw, fmt.Sprintf("%s/lots/%d/ceilings", fw, h.lot.ID), url.Values{})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `href="#ceiling_standard_`+lot+`"`) {
		t.Fatalf("no ceilings: %d", r.Status)
	}
	if strings.Contains(r.Body, `id="ceiling_standard-error"`) {
		t.Error("the lot's ceiling error is also shown on the add-a-lot form")
	}
}
