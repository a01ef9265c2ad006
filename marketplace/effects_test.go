package marketplace_test

import (
	"context"
	"strings"
	"testing"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/commissioning/kernel/notify"
	"github.com/hearth-placements/hearth/marketplace"
)

// TestProviderDecisionsEmailInsideTheirTransaction proves that admitting, rejecting,
// suspending and reinstating a provider queue the email to its administrators in the
// change's own transaction: the mail is there when the change is, and a mail that
// cannot be queued undoes the change.
func TestProviderDecisionsEmailInsideTheirTransaction(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name    string
		change  func(*commissioning.Frameworks, commissioning.Application, int64) error
		subject string
		// unchanged reports whether the application is as it was before the change.
		unchanged func(commissioning.Application) bool
	}{
		{"reject", func(m *commissioning.Frameworks, a commissioning.Application, lot int64) error {
			return m.Decide(ctx, a, lot, false, "Inspection overdue", 0)
		}, "you have been not admitted to Residential", func(a commissioning.Application) bool { return a.Admissions[0].Status == "admitted" }},
		{"suspend", func(m *commissioning.Frameworks, a commissioning.Application, _ int64) error {
			return m.Suspend(ctx, a, "Ofsted inadequate judgement")
		}, "your organisation has been suspended", func(a commissioning.Application) bool { return a.SuspendedAt == nil }},
		{"reinstate", func(m *commissioning.Frameworks, a commissioning.Application, _ int64) error {
			if err := m.WithoutMail().Suspend(ctx, a, "Ofsted inadequate judgement"); err != nil {
				return err
			}
			return m.Reinstate(ctx, a)
		}, "your organisation has been reinstated", func(a commissioning.Application) bool { return a.SuspendedAt != nil }},
	}
	for _, tc := range cases {
		t.Run(tc.name+"/OK", func(t *testing.T) {
			w := newWorld(t)
			admin := w.providerAdmin(t, "pat@bw.test")
			must(t, tc.change(w.mailedFrameworks(), w.app, w.residential.ID))
			if subjects := w.mailTo(t, admin); len(subjects) != 1 || !strings.Contains(subjects[0], tc.subject) {
				t.Fatalf("mail to the provider's administrator: %q", subjects)
			}
		})
		t.Run(tc.name+"/ErrMailNotQueued", func(t *testing.T) {
			w := newWorld(t)
			// The database takes this address; the outbox refuses it.
			w.providerAdmin(t, "pat<bad@bw.test")
			if err := tc.change(w.mailedFrameworks(), w.app, w.residential.ID); err == nil {
				t.Fatal("the change succeeded though its email could not be queued")
			}
			a, err := w.fw.Application(ctx, w.app.ID)
			must(t, err)
			if !tc.unchanged(a) {
				t.Fatalf("the change was kept without its email: %+v", a)
			}
		})
	}
}

// TestApplyingEmailsTheProviderInsideTheSubmission proves that submitting an application
// tells the provider's administrators it was received, whoever submits it.
func TestApplyingEmailsTheProviderInsideTheSubmission(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	p, err := w.orgs.Create(ctx, "provider", "Second Provider")
	must(t, err)
	w.userOf(t, p.ID, "ri@second.test")
	w.fw = w.mailedFrameworks()
	w.admit(t, p.ID, w.residential.ID)
	subjects := w.mailTo(t, "ri@second.test")
	if len(subjects) != 2 || !strings.Contains(subjects[0], "Your application to NW DPS has been received") || !strings.Contains(subjects[1], "you have been admitted to Residential") {
		t.Fatalf("mail: %q", subjects)
	}
}

// mailed is the world's service writing its email through an outbox.
func (w *world) mailed() *marketplace.Service {
	return w.mk.WithMail(notify.NewOutbox(w.db.Gorm, false), "https://hearth.test")
}

// mailedFrameworks is the world's frameworks service writing its email through an outbox.
func (w *world) mailedFrameworks() *commissioning.Frameworks {
	return w.fw.WithMail(notify.NewOutbox(w.db.Gorm, false), "https://hearth.test")
}

// providerAdmin gives the world's provider an administrator with email address.
func (w *world) providerAdmin(t *testing.T, email string) string {
	t.Helper()
	return w.userOf(t, w.provider.ID, email)
}

func (w *world) userOf(t *testing.T, providerID int64, email string) string {
	t.Helper()
	must(t, w.db.Gorm.Exec("INSERT INTO users (organisation_id, org_kind, email, name, role) VALUES (?, 'provider', ?, 'Pat', 'provider_admin')", providerID, email).Error)
	return email
}

// mailTo returns the subjects of the emails to address, oldest first.
func (w *world) mailTo(t *testing.T, address string) []string {
	t.Helper()
	var out []string
	must(t, w.db.Gorm.Raw("SELECT subject FROM emails WHERE to_address = ? ORDER BY id", address).Scan(&out).Error)
	return out
}
