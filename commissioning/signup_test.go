package commissioning_test

import (
	"context"
	"errors"
	"testing"

	"gorm.io/gorm"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/notify"
	"github.com/hearth-placements/hearth/migrations/dbtest"
)

// fakeAccounts keeps accounts in the users table as auth does, and can refuse one.
type fakeAccounts struct{ refuse bool }

func (fakeAccounts) PasswordProblem(password, _ string) string {
	if len(password) < 12 {
		return "Password must be 12 characters or more"
	}
	return ""
}

func (fakeAccounts) Taken(ctx context.Context, tx *gorm.DB, email, _ string) (bool, error) {
	var n int64
	err := tx.WithContext(ctx).Table("users").Where("email = ?", email).Count(&n).Error
	return n > 0, err
}

func (a fakeAccounts) CreateAdmin(ctx context.Context, tx *gorm.DB, orgID int64, name, email, _ string) error {
	if a.refuse {
		return kernel.Invalid("admin_name", "refused")
	}
	return tx.WithContext(ctx).Exec("INSERT INTO users (organisation_id, org_kind, email, name, role) VALUES (?, 'provider', ?, ?, 'provider_admin')", orgID, email, name).Error
}

// TestRegisterProviderIsOneTransaction proves a provider's sign-up writes the
// organisation, its administrator and the welcome email together or not at all, finds
// every problem at once, and answers the same for an email that has an account (whose
// owner is told instead).
func TestRegisterProviderIsOneTransaction(t *testing.T) {
	ok := commissioning.ProviderRegistration{OrganisationName: "Brightwater Care", RegistrationKind: "company", RegistrationNumber: "01234567",
		ContactName: "Pat", ContactEmail: "office@bw.test", ContactPhone: "0161 496 0000", AdminName: "Pat Admin", AdminEmail: "pat@bw.test", Password: "correct horse battery"}
	for _, tc := range []struct {
		name      string
		edit      func(*commissioning.ProviderRegistration)
		accounts  fakeAccounts
		existing  bool
		wantOrg   bool
		wantMail  string
		wantField []string
	}{
		{"OK", nil, fakeAccounts{}, false, true, "Your organisation is registered on Hearth", nil},
		{"OKEmailTakenTellsItsOwner", nil, fakeAccounts{}, true, false, "Someone tried to register on Hearth with your email address", nil},
		{"ErrAdminRefusedUndoesAll", nil, fakeAccounts{refuse: true}, false, false, "", []string{"admin_name"}},
		{"ErrEveryProblemAtOnce", func(r *commissioning.ProviderRegistration) {
			r.OrganisationName, r.AdminEmail, r.Password = "", "not an email", "short"
		}, fakeAccounts{}, false, false, "", []string{"organisation_name", "admin_email", "password"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			db := dbtest.Open(t)
			orgs := commissioning.NewService(db.Gorm)
			fw := commissioning.NewFrameworks(db.Gorm).WithMail(notify.NewOutbox(db.Gorm, false), "https://hearth.test")
			if tc.existing {
				other, err := orgs.Create(ctx, kernel.KindProvider, "Other Care")
				must(t, err)
				must(t, fakeAccounts{}.CreateAdmin(ctx, db.Gorm, other.ID, "Pat", "pat@bw.test", ""))
			}
			in := ok
			if tc.edit != nil {
				tc.edit(&in)
			}
			err := fw.RegisterProvider(ctx, in, tc.accounts)
			var fe kernel.FieldErrors
			switch {
			case tc.wantField == nil && err != nil:
				t.Fatalf("RegisterProvider = %v", err)
			case tc.wantField != nil && !errors.As(err, &fe):
				t.Fatalf("RegisterProvider = %v, want field errors %v", err, tc.wantField)
			}
			for _, f := range tc.wantField {
				if !fe.Has(f) {
					t.Errorf("no error on %s: %v", f, fe)
				}
			}
			_, err = orgs.OrganisationByName(ctx, kernel.KindProvider, "Brightwater Care")
			if got := err == nil; got != tc.wantOrg {
				t.Errorf("organisation registered = %v, want %v (%v)", got, tc.wantOrg, err)
			}
			var subjects []string
			must(t, db.Gorm.Table("emails").Where("to_address = 'pat@bw.test'").Order("id").Pluck("subject", &subjects).Error)
			if (tc.wantMail == "") != (len(subjects) == 0) || (tc.wantMail != "" && (len(subjects) != 1 || subjects[0] != tc.wantMail)) {
				t.Errorf("mail to pat@bw.test = %q, want %q", subjects, tc.wantMail)
			}
		})
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
