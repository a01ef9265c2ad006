package secure_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/audit"
	"github.com/hearth-placements/hearth/commissioning/secure"
)

// TestEthnicityCodesMatchTheDatabase keeps the one Go list of ethnicity codes (the
// kernel's data/ethnicity.csv), the database's hearth_ethnicity_codes() and the DfE's
// SSDA903 ETHNIC codes (../shared/data/ssda903/codes.csv, when it is beside the checkout)
// the same.
func TestEthnicityCodesMatchTheDatabase(t *testing.T) {
	w := newWorld(t)
	var db []string
	must(t, w.db.Pool.QueryRow(context.Background(), "SELECT hearth_ethnicity_codes()").Scan(&db))
	goCodes := make([]string, len(kernel.Ethnicities))
	for i, o := range kernel.Ethnicities {
		goCodes[i] = o.Code
	}
	if !slices.Equal(db, goCodes) {
		t.Errorf("hearth_ethnicity_codes():\n database %v\n Go       %v", db, goCodes)
	}
	if f, err := os.Open("../../../shared/data/ssda903/codes.csv"); err == nil {
		defer f.Close()
		rows, err := csv.NewReader(f).ReadAll()
		must(t, err)
		var dfe []kernel.Option
		for _, r := range rows[1:] {
			if r[0] == "ETHNIC" && r[4] == "" {
				dfe = append(dfe, kernel.Option{Code: r[1], Label: r[2]})
			}
		}
		if !slices.Equal(dfe, kernel.Ethnicities) {
			t.Errorf("SSDA903 ETHNIC:\n DfE %v\n Go  %v", dfe, kernel.Ethnicities)
		}
	}
}

// TestSANFieldsInTheDatabase: the database holds the referral form's codes, lengths and
// dates whoever writes the row, and a new referral must say why the order is sought and
// whether the child is on a child protection plan.
func TestSANFieldsInTheDatabase(t *testing.T) {
	w := newWorld(t)
	const cols = `INSERT INTO secure_referrals (council_id, child_ref, age_years, birth_month, birth_year, sex, legal_position, urgency,
		current_outcode, lat, lon, preferred_miles, social_worker, sanctioning_officer, primary_reason, child_protection_plan, ethnicity, religion, first_language,
		order_start, order_kind, order_expiry)
		VALUES ($1, $2, 14, 1, 2012, 'male', 'applying', 'urgent', 'M14', 53.4, -2.2, 50, 'Sam Worker', 'Head of Service', `
	tests := []struct {
		name, values string
		state        string
	}{
		{"OK", `'injure_self', false, 'AIND', 'Hindu', 'Gujarati', NULL, NULL, NULL)`, ""},
		{"OKOldDefaults", `'absconding_harm', true, DEFAULT, DEFAULT, DEFAULT, NULL, NULL, NULL)`, ""},
		{"ErrNoPrimaryReason", `NULL, false, 'AIND', '', '', NULL, NULL, NULL)`, "HS008"},
		{"ErrNoProtectionPlanAnswer", `'injure_self', NULL, 'AIND', '', '', NULL, NULL, NULL)`, "HS008"},
		{"ErrReasonNotInList", `'naughty', false, 'AIND', '', '', NULL, NULL, NULL)`, "23514"},
		{"ErrEthnicityNotInList", `'injure_self', false, 'XXXX', '', '', NULL, NULL, NULL)`, "23514"},
		{"ErrEthnicityEmpty", `'injure_self', false, '', '', '', NULL, NULL, NULL)`, "23514"},
		{"ErrReligionTooLong", `'injure_self', false, 'AIND', repeat('x', 61), '', NULL, NULL, NULL)`, "23514"},
		{"ErrLanguageTooLong", `'injure_self', false, 'AIND', '', repeat('x', 61), NULL, NULL, NULL)`, "23514"},
		{"ErrLanguageUntrimmed", `'injure_self', false, 'AIND', '', ' Urdu', NULL, NULL, NULL)`, "23514"},
		{"ErrOrderStartsAfterExpiry", `'injure_self', false, 'AIND', '', '', current_date + 10, 'first', current_date + 5)`, "23514"},
		{"ErrOrderStartsBeforeBirth", `'injure_self', false, 'AIND', '', '', '2011-12-31', 'first', '2012-02-01')`, "23514"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Each its own child: a council has one active referral of a child (00031).
			if code := sqlState(t, w, cols+tt.values, w.manchester.ID, "X-"+tt.name); code != tt.state {
				t.Fatalf("SQLSTATE %q, want %q", code, tt.state)
			}
		})
	}
	// A referral sent before the form asked (NULLs) can still change state.
	if code := sqlState(t, w, `UPDATE secure_referrals SET primary_reason = NULL, child_protection_plan = NULL WHERE child_ref = 'X-OKOldDefaults'`); code != "" {
		t.Fatalf("an old referral cannot be updated: SQLSTATE %q", code)
	}
	if code := sqlState(t, w, `UPDATE secure_referrals SET status = 'withdrawn' WHERE child_ref = 'X-OKOldDefaults'`); code != "" {
		t.Fatalf("an old referral cannot be withdrawn: SQLSTATE %q", code)
	}
}

// TestWhoSeesEthnicityAndReligion: the referring council and the SWCU see them; a secure
// home sees them only once the child holds a bed there; another council sees nothing.
// Each read is audited, saying whether they were shown.
func TestWhoSeesEthnicityAndReligion(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	in := input("MCR-E-1")
	in.Ethnicity, in.Religion, in.FirstLanguage = "BAFR", "Muslim", "Somali"
	r, err := w.s.Submit(ctx, w.manchester.ID, 0, in)
	must(t, err)
	_, err = w.s.Circulate(ctx, r.ID, []int64{w.oakfield.ID, w.heron.ID}, 0)
	must(t, err)
	check := func(name string, v secure.Viewer, wantSpecial bool) {
		t.Helper()
		got, err := w.s.Referral(ctx, r.ID, v)
		must(t, err)
		shown := got.Ethnicity == "BAFR" && got.Religion == "Muslim"
		if shown != wantSpecial || got.ShowsSpecial() != wantSpecial || (!wantSpecial && (got.Ethnicity != "" || got.Religion != "")) {
			t.Errorf("%s: ethnicity %q, religion %q, shows special %v; want shown %v", name, got.Ethnicity, got.Religion, got.ShowsSpecial(), wantSpecial)
		}
		if got.FirstLanguage != "Somali" || got.PrimaryReason == nil || *got.PrimaryReason != "injure_self" || got.ChildProtectionPlan == nil {
			t.Errorf("%s: language %q, reason %v, plan %v: what a home needs to decide is missing", name, got.FirstLanguage, got.PrimaryReason, got.ChildProtectionPlan)
		}
	}
	check("OwnCouncil", secure.Viewer{OrgID: w.manchester.ID, Kind: kernel.KindCouncil}, true)
	check("SWCU", secure.Viewer{OrgID: w.swcu.ID, Kind: kernel.KindSWCU}, true)
	check("HomeDeciding", secure.Viewer{OrgID: w.oakfield.ProviderID, Kind: kernel.KindProvider}, false)
	if _, err := w.s.Referral(ctx, r.ID, secure.Viewer{OrgID: w.leeds.ID, Kind: kernel.KindCouncil}); err == nil {
		t.Error("another council read the referral")
	}
	bed := w.freeWelfare(t, w.oakfield)
	w.offer(t, r, w.oakfield, bed)
	_, err = w.s.Allocate(ctx, r.ID, bed.ID, 0)
	must(t, err)
	check("HomeWithTheBed", secure.Viewer{OrgID: w.oakfield.ProviderID, Kind: kernel.KindProvider}, true)
	check("OtherHomeAsked", secure.Viewer{OrgID: w.heron.ProviderID, Kind: kernel.KindProvider}, false)

	entries, _, err := audit.New(w.db.Gorm).List(ctx, audit.AllEntries, audit.Filter{Action: "child.read", EntityType: "secure_referral"}, 0, 20)
	must(t, err)
	var shown []string
	for _, e := range entries {
		var d struct {
			Kind    string `json:"viewer_kind"`
			Special bool   `json:"special_category"`
		}
		must(t, json.Unmarshal(e.Detail, &d))
		shown = append(shown, d.Kind+"="+map[bool]string{true: "shown", false: "hidden"}[d.Special])
	}
	slices.Sort(shown)
	if want := "council=shown provider=hidden provider=hidden provider=shown swcu=shown"; strings.Join(shown, " ") != want {
		t.Errorf("audited reads %q, want %q", strings.Join(shown, " "), want)
	}
}
