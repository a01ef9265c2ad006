package marketplace_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hearth-placements/hearth/marketplace"
)

// TestHomeContacts: a home's address and registered manager are optional, checked in
// the one pass with the rest of the home (every problem at once), saved by the form and
// the API, and left as they are by a CSV upload, which has no columns for them.
func TestHomeContacts(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	lots, _, _ := w.mk.AdmittedLots(ctx, w.provider.ID)
	base := marketplace.HomeInput{Name: "Crescent House", OfstedURN: "SC200101", HomeType: "childrens_home", OfstedRating: "good", InspectionDate: "2025-01-10",
		RegisteredPlaces: "4", MinAge: "11", MaxAge: "17", Sexes: "any", Postcode: "SK10 1AB", Lots: []string{"residential"}}
	tests := []struct {
		name                       string
		address, mgr, phone, email string
		wantErrs                   []string
		wantAddress, wantPhone     string
	}{
		{name: "OKNone"},
		{name: "OK", address: "  Flat 2\n1 Crescent Road  ", mgr: "Rita Manager", phone: "0161  496 0000", email: "rita@example.com", wantAddress: "Flat 2\n1 Crescent Road", wantPhone: "0161 496 0000"},
		{name: "OKInternational", phone: "+44 (0)161 496-0000", wantPhone: "+44 (0)161 496-0000"},
		{name: "ErrAddressTooLong", address: strings.Repeat("x", 201), wantErrs: []string{"address"}},
		{name: "ErrFormula", address: "=HYPERLINK(1)", mgr: "@SUM(1)", wantErrs: []string{"address", "manager_name"}},
		{name: "ErrPhoneAndEmail", phone: "call the office", email: "rita at example", wantErrs: []string{"manager_phone", "manager_email"}},
		{name: "ErrEmailNoDomainDot", email: "rita@localhost", wantErrs: []string{"manager_email"}},
		{name: "ErrEmailUnicodeSpace", email: "a@c.d\u2003e", wantErrs: []string{"manager_email"}},
		{name: "ErrEmailNonASCII", email: "rité@example.org", wantErrs: []string{"manager_email"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := base
			in.Address, in.ManagerName, in.ManagerPhone, in.ManagerEmail = tt.address, tt.mgr, tt.phone, tt.email
			f, fe := marketplace.ParseHome(in, lots, time.Now())
			for _, field := range tt.wantErrs {
				if !fe.Has(field) {
					t.Errorf("no error on %s: %v", field, fe)
				}
			}
			if len(fe) != len(tt.wantErrs) {
				t.Fatalf("errors %v, want on %v", fe, tt.wantErrs)
			}
			if fe == nil && (f.Address != tt.wantAddress || f.ManagerPhone != tt.wantPhone) {
				t.Errorf("address %q phone %q, want %q %q", f.Address, f.ManagerPhone, tt.wantAddress, tt.wantPhone)
			}
		})
	}

	in := base
	in.Address, in.ManagerName, in.ManagerPhone, in.ManagerEmail = "1 Crescent Road", "Rita Manager", "0161 496 0000", "rita@example.com"
	f, fe := marketplace.ParseHome(in, lots, time.Now())
	if fe != nil {
		t.Fatal(fe)
	}
	h, err := w.mk.SaveHome(ctx, w.provider.ID, 0, 0, f)
	if err != nil {
		t.Fatal(err)
	}
	if h.Address != "1 Crescent Road" || h.ManagerName != "Rita Manager" || h.ManagerEmail != "rita@example.com" {
		t.Fatalf("saved %+v", h)
	}
	csv := strings.Join(marketplace.HomeColumns, ",") + "\nCrescent House Renamed,SC200101,childrens_home,good,2025-01-10,4,11,17,any,SK10 1AB,,residential\n"
	if _, err := w.mk.ImportHomes(ctx, w.provider.ID, strings.NewReader(csv)); err != nil {
		t.Fatal(err)
	}
	h, _ = w.mk.Home(ctx, h.ID)
	if h.Name != "Crescent House Renamed" || h.Address != "1 Crescent Road" || h.ManagerPhone != "0161 496 0000" {
		t.Fatalf("after the CSV upload: name %q address %q phone %q", h.Name, h.Address, h.ManagerPhone)
	}
}
