package frontend

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hearth-placements/hearth/commissioning/secure"
)

// bedsTable is the beds table's form as the home's page shows it: every bed at its
// current state.
func bedsTable(t *testing.T, h *harness, home secure.Home) (url.Values, []secure.Bed) {
	t.Helper()
	_, beds, err := h.deps.Secure.HomeOf(context.Background(), home.ProviderID)
	must(t, err)
	form := url.Values{"action": {"save"}}
	for k, v := range bedForm(beds) {
		form.Set(k, v)
	}
	return form, beds
}

func bedByLabel(t *testing.T, h *harness, home secure.Home, label string) secure.Bed {
	t.Helper()
	var b secure.Bed
	must(t, h.deps.DB.Gorm.Where("home_id = ? AND label = ?", home.ID, label).First(&b).Error)
	return b
}

// selectOf returns the HTML of one <select> on the page.
func selectOf(t *testing.T, body, id string) string {
	t.Helper()
	m := regexp.MustCompile(`(?s)<select[^>]* id="` + regexp.QuoteMeta(id) + `".*?</select>`).FindString(body)
	if m == "" {
		t.Fatalf("no select %s on the page", id)
	}
	return m
}

func TestSecureBedsTable(t *testing.T) {
	h := newHarness(t)
	oak, heron := h.withEstate(t)
	om := h.signIn("manager@oakfield.test")
	today := time.Now().In(london)

	t.Run("OneFormWithEachBedsStatePreselected", func(t *testing.T) {
		reopen := today.AddDate(0, 0, 9)
		_, err := h.deps.Secure.SetBed(context.Background(), bedByLabel(t, h, oak, "B1").ID, oak.ProviderID, 0,
			secure.BedUpdate{Status: secure.BedClosed, ClosedReason: "maintenance", ReopensOn: &reopen})
		must(t, err)
		got := om.get("/secure/home")
		if n := strings.Count(got.Body, `action="/secure/beds`); n != 1 {
			t.Fatalf("%d bed forms on the page, want 1", n)
		}
		if !strings.Contains(got.Body, ">Confirm, no changes</button>") {
			t.Fatal("no Confirm, no changes button")
		}
		_, beds, err := h.deps.Secure.HomeOf(context.Background(), oak.ProviderID)
		must(t, err)
		for _, b := range beds {
			sel := selectOf(t, got.Body, fmt.Sprintf("bed_%d_status", b.ID))
			if !strings.Contains(sel, fmt.Sprintf(`value="%s" selected`, b.Status)) || strings.Count(sel, " selected") != 1 {
				t.Errorf("bed %s (%s): select %s", b.Label, b.Status, sel)
			}
			if !strings.Contains(got.Body, fmt.Sprintf(`<label class="govuk-label govuk-visually-hidden" for="bed_%d_status">State of bed %s</label>`, b.ID, b.Label)) {
				t.Errorf("bed %s: state control has no label naming the bed", b.Label)
			}
		}
		b1 := bedByLabel(t, h, oak, "B1")
		if sel := selectOf(t, got.Body, fmt.Sprintf("bed_%d_closed_reason", b1.ID)); !strings.Contains(sel, `value="maintenance" selected`) {
			t.Errorf("closed bed's reason not preselected: %s", sel)
		}
		if !strings.Contains(got.Body, fmt.Sprintf(`name="bed_%d_reopens_on-day" type="text" inputmode="numeric" value="%d"`, b1.ID, reopen.Day())) {
			t.Error("closed bed's reopening date not filled in")
		}
	})

	t.Run("OneChangeSaves", func(t *testing.T) {
		form, beds := bedsTable(t, h, oak)
		a4 := bedByLabel(t, h, oak, "A4")
		reopen := today.AddDate(0, 0, 5)
		form = merge(form, url.Values{fmt.Sprintf("bed_%d_status", a4.ID): {"closed"}, fmt.Sprintf("bed_%d_closed_reason", a4.ID): {"staffing"}},
			formDate(fmt.Sprintf("bed_%d_reopens_on", a4.ID), reopen))
		if got := om.post("/secure/home", "/secure/beds", form); got.Status != http.StatusSeeOther {
			t.Fatalf("save: %d %s", got.Status, got.Body)
		}
		after := bedByLabel(t, h, oak, "A4")
		if after.Status != secure.BedClosed || after.ClosedReason == nil || *after.ClosedReason != "staffing" || after.ReopensOn == nil || after.ReopensOn.Format(time.DateOnly) != reopen.Format(time.DateOnly) {
			t.Fatalf("A4 after save: %+v", after)
		}
		for _, b := range beds {
			if b.ID != a4.ID && bedByLabel(t, h, oak, b.Label).Version != b.Version {
				t.Errorf("bed %s changed though its row did not", b.Label)
			}
		}
		if got := om.get("/secure/home"); !strings.Contains(got.Body, "Bed A4 is saved") {
			t.Error("no message naming the bed saved")
		}
	})

	t.Run("TwoChangesSaveTogether", func(t *testing.T) {
		form, _ := bedsTable(t, h, oak)
		a5, a6 := bedByLabel(t, h, oak, "A5"), bedByLabel(t, h, oak, "A6")
		free := today.AddDate(0, 0, 3)
		form = merge(form, url.Values{fmt.Sprintf("bed_%d_status", a5.ID): {"free"}}, formDate(fmt.Sprintf("bed_%d_expected_free_on", a6.ID), free))
		if got := om.post("/secure/home", "/secure/beds", form); got.Status != http.StatusSeeOther {
			t.Fatalf("save: %d %s", got.Status, got.Body)
		}
		if st := bedState(t, h, a5.ID); st != "free" {
			t.Errorf("A5 is %s", st)
		}
		if b := bedByLabel(t, h, oak, "A6"); b.ExpectedFreeOn == nil || b.ExpectedFreeOn.Format(time.DateOnly) != free.Format(time.DateOnly) {
			t.Errorf("A6 expected free on %v", b.ExpectedFreeOn)
		}
		if got := om.get("/secure/home"); !strings.Contains(got.Body, "2 beds are saved") {
			t.Error("no message counting the beds saved")
		}
	})

	t.Run("AnInvalidChangeRefusesAllAndShowsEachErrorBesideItsBed", func(t *testing.T) {
		form, _ := bedsTable(t, h, oak)
		a7, a8, a2 := bedByLabel(t, h, oak, "A7"), bedByLabel(t, h, oak, "A8"), bedByLabel(t, h, oak, "A2")
		form = merge(form, url.Values{fmt.Sprintf("bed_%d_status", a7.ID): {"closed"}, fmt.Sprintf("bed_%d_status", a8.ID): {"free"}},
			formDate(fmt.Sprintf("bed_%d_expected_free_on", a2.ID), today.AddDate(0, 0, -2)))
		got := om.post("/secure/home", "/secure/beds", form)
		if got.Status != http.StatusUnprocessableEntity {
			t.Fatalf("save: %d", got.Status)
		}
		for _, want := range []string{
			fmt.Sprintf(`id="bed_%d_closed_reason-error"`, a7.ID), "Select why the bed is closed",
			fmt.Sprintf(`id="bed_%d_reopens_on-error"`, a7.ID), "Enter the date the bed is expected to reopen",
			fmt.Sprintf(`id="bed_%d_expected_free_on-error"`, a2.ID), "must be today or later",
			fmt.Sprintf(`href="#bed_%d_reopens_on-day"`, a7.ID),
		} {
			if !strings.Contains(got.Body, want) {
				t.Errorf("the page lacks %q", want)
			}
		}
		if st := bedState(t, h, a8.ID); st != "occupied" {
			t.Errorf("A8's valid change was saved though another bed's was refused: %s", st)
		}
		if st := bedState(t, h, a7.ID); st != "occupied" {
			t.Errorf("A7 is %s", st)
		}
		if sel := selectOf(t, got.Body, fmt.Sprintf("bed_%d_status", a8.ID)); !strings.Contains(sel, `value="free" selected`) {
			t.Errorf("what was typed for A8 is lost: %s", sel)
		}
	})

	t.Run("ConfirmWithUnsavedChangesKeepsThem", func(t *testing.T) {
		form, _ := bedsTable(t, h, oak)
		bed := bedByLabel(t, h, oak, "A8")
		was := bed.Status
		to := "free"
		if was == "free" {
			to = "occupied"
		}
		form.Set(fmt.Sprintf("bed_%d_status", bed.ID), to)
		form.Set("action", "confirm")
		got := om.post("/secure/home", "/secure/beds", form)
		if got.Status != http.StatusUnprocessableEntity {
			t.Fatalf("confirm with a changed row: %d, want 422", got.Status)
		}
		if !strings.Contains(got.Body, "You changed bed A8") {
			t.Error("the page does not say which bed was changed")
		}
		if sel := selectOf(t, got.Body, fmt.Sprintf("bed_%d_status", bed.ID)); !strings.Contains(sel, fmt.Sprintf(`value="%s" selected`, to)) {
			t.Errorf("the unsaved change is lost: %s", sel)
		}
		if after := bedByLabel(t, h, oak, "A8"); after.Status != was || after.Version != bed.Version {
			t.Errorf("a refused confirmation changed A8: %+v", after)
		}
	})

	t.Run("ConfirmNoChangesConfirmsEveryBed", func(t *testing.T) {
		must(t, h.deps.DB.Gorm.Exec("UPDATE secure_beds SET updated_at = now() - interval '3 days' WHERE home_id IN (?, ?)", oak.ID, heron.ID).Error)
		_, before, err := h.deps.Secure.HomeOf(context.Background(), oak.ProviderID)
		must(t, err)
		form, _ := bedsTable(t, h, oak)
		form.Set("action", "confirm")
		if got := om.post("/secure/home", "/secure/beds", form); got.Status != http.StatusSeeOther {
			t.Fatalf("confirm: %d", got.Status)
		}
		user := h.users["manager@oakfield.test"]
		for _, b := range before {
			after := bedByLabel(t, h, oak, b.Label)
			if time.Since(after.UpdatedAt) > time.Minute || after.UpdatedBy == nil || *after.UpdatedBy != user.ID || after.Version != b.Version+1 || after.Status != b.Status {
				t.Errorf("bed %s not confirmed as it stands: %+v", b.Label, after)
			}
		}
		if other := anyBed(t, h, heron); time.Since(other.UpdatedAt) < time.Hour {
			t.Error("confirming Oakfield's beds confirmed Heron Court's")
		}
		if got := om.get("/secure/home"); !strings.Contains(got.Body, fmt.Sprintf("All %d beds are confirmed", len(before))) {
			t.Error("no message for the confirmation")
		}
	})

	t.Run("AnotherHomesBedCannotBeChanged", func(t *testing.T) {
		form, _ := bedsTable(t, h, oak)
		theirs := anyBed(t, h, heron)
		want := bedByLabel(t, h, heron, theirs.Label)
		form = merge(form, url.Values{fmt.Sprintf("bed_%d_status", theirs.ID): {"closed"}, fmt.Sprintf("bed_%d_closed_reason", theirs.ID): {"staffing"}},
			formDate(fmt.Sprintf("bed_%d_reopens_on", theirs.ID), today.AddDate(0, 0, 4)))
		om.post("/secure/home", "/secure/beds", form)
		if got := bedByLabel(t, h, heron, theirs.Label); got.Status != want.Status || got.Version != want.Version {
			t.Fatalf("Heron Court's bed changed through Oakfield's form: %+v", got)
		}
		_, err := h.deps.Secure.SetBeds(context.Background(), oak.ProviderID, 0, map[int64]secure.BedUpdate{theirs.ID: {Status: secure.BedFree}})
		if err == nil || !strings.Contains(err.Error(), "not found") {
			t.Fatalf("SetBeds on another home's bed: %v", err)
		}
	})
}
