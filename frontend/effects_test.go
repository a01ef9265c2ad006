package frontend

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/marketplace"
)

// A change's emails are written by the domain service, so the web page and the API
// send the same ones. Each test here makes one change through each channel.

// draftRequest saves a complete draft from Manchester that providerX's home near M20 fits.
func (h *harness) draftRequest(t *testing.T, ref string) int64 {
	t.Helper()
	now := time.Now()
	age, month, year, sex, legal, within, tier, weeks := 14, int(now.Month()), now.Year()-14, "female", "s31", 20, "standard", 26
	start, deadline := now.AddDate(0, 0, 7), now.Add(3*time.Hour)
	r := marketplace.PlacementRequest{CouncilID: h.orgs["manchester"].ID, ChildRef: ref, AgeYears: &age, BirthMonth: &month, BirthYear: &year,
		Sex: &sex, Needs: kernel.StringArray{"autism"}, LegalStatus: &legal, WithinMiles: &within, LotID: &h.lot.ID, Tier: &tier,
		StartDate: &start, DurationWeeks: &weeks, Deadline: &deadline}
	must(t, r.SetHome("M14"))
	must(t, marketplace.NewRequests(h.deps.DB.Gorm).SaveDraft(context.Background(), &r))
	return r.ID
}

func TestSubmittingARequestEmailsEveryInvitedProviderWhateverTheChannel(t *testing.T) {
	channels := []struct {
		name   string
		submit func(h *harness, id int64) int
	}{
		{"web", func(h *harness, id int64) int {
			page := fmt.Sprintf("/requests/%d", id)
			return h.signIn("commissioner@manchester.test").post(page, page+"/submit", url.Values{}).Status
		}},
		{"api", func(h *harness, id int64) int {
			status, _ := h.api(http.MethodPost, fmt.Sprintf("/api/v1/requests/%d/submit", id), h.token("commissioner@manchester.test"), "")
			return status
		}},
	}
	for _, ch := range channels {
		t.Run(ch.name, func(t *testing.T) {
			h := newHarness(t)
			h.addHome(h.orgs["providerx"].ID, "SC970001", "M20 2AB", 1)
			id := h.draftRequest(t, "MCR-EFFECT-1")
			if status := ch.submit(h, id); status != http.StatusSeeOther && status != http.StatusOK {
				t.Fatalf("submit: %d", status)
			}
			if !hasMail(h.mailsTo("admin@providerx.test"), "New placement request from Manchester") {
				t.Fatal("the invited provider's administrator was not emailed")
			}
			if m := h.mailsTo("admin@providery.test"); len(m) != 0 {
				t.Fatalf("a provider that was not invited was emailed: %d", len(m))
			}
		})
	}
}

func TestAdmissionAndSuspensionEmailTheProviderWhateverTheChannel(t *testing.T) {
	type change struct {
		name    string
		web     func(h *harness, b *browser, a commissioning.Application) int
		api     func(h *harness, token string, a commissioning.Application) int
		subject string
	}
	changes := []change{
		{"admit",
			func(h *harness, b *browser, a commissioning.Application) int {
				page, lot := fmt.Sprintf("/admin/applications/%d", a.ID), fmt.Sprint(h.lot.ID)
				return b.post(page, page+"/decide", url.Values{"lot_id": {lot}, "decision_" + lot: {"admit"}, "reason_" + lot: {"Meets the standard"}}).Status
			},
			func(h *harness, token string, a commissioning.Application) int {
				status, _ := h.api(http.MethodPost, fmt.Sprintf("/api/v1/applications/%d/decision", a.ID), token,
					fmt.Sprintf(`{"decision": "admit", "reason": "Meets the standard", "lot_ids": [%d]}`, h.lot.ID))
				return status
			},
			"Test DPS: you have been admitted to Residential"},
		{"suspend",
			func(h *harness, b *browser, a commissioning.Application) int {
				page := fmt.Sprintf("/admin/applications/%d", a.ID)
				return b.post(page, page+"/suspend", url.Values{"reason": {"Inadequate inspection"}}).Status
			},
			func(h *harness, token string, a commissioning.Application) int {
				status, _ := h.api(http.MethodPost, fmt.Sprintf("/api/v1/applications/%d/suspension", a.ID), token, `{"reason": "Inadequate inspection"}`)
				return status
			},
			"Test DPS: your organisation has been suspended"},
		{"reinstate",
			func(h *harness, b *browser, a commissioning.Application) int {
				must(h.t, h.deps.Frameworks.WithoutMail().Suspend(context.Background(), a, "Inadequate inspection"))
				page := fmt.Sprintf("/admin/applications/%d", a.ID)
				return b.post(page, page+"/reinstate", url.Values{}).Status
			},
			func(h *harness, token string, a commissioning.Application) int {
				must(h.t, h.deps.Frameworks.WithoutMail().Suspend(context.Background(), a, "Inadequate inspection"))
				status, _ := h.api(http.MethodDelete, fmt.Sprintf("/api/v1/applications/%d/suspension", a.ID), token, "")
				return status
			},
			"Test DPS: your organisation has been reinstated"},
	}
	for _, c := range changes {
		for _, channel := range []string{"web", "api"} {
			t.Run(c.name+"/"+channel, func(t *testing.T) {
				h := newHarness(t)
				a := h.application(h.orgs["providery"].ID)
				var status int
				if channel == "web" {
					status = c.web(h, h.signIn("admin@consortium.test"), a)
				} else {
					status = c.api(h, h.token("admin@consortium.test"), a)
				}
				if status != http.StatusSeeOther && status != http.StatusOK {
					t.Fatalf("status %d", status)
				}
				if !hasMail(h.mailsTo("admin@providery.test"), c.subject) {
					t.Fatalf("the provider's administrator was not emailed %q", c.subject)
				}
			})
		}
	}
}

// application files a complete application for provider to the lot, undecided.
func (h *harness) application(provider int64) commissioning.Application {
	h.t.Helper()
	ctx := context.Background()
	m := h.deps.Frameworks.WithoutMail()
	a, err := m.ApplicationFor(ctx, h.framework.ID, provider)
	must(h.t, err)
	must(h.t, m.ChooseLots(ctx, a, []int64{h.lot.ID}))
	must(h.t, m.Declare(ctx, a, commissioning.Declarations{OfstedRegistered: true, InsuranceExpiry: time.Now().AddDate(1, 0, 0), SafeguardingPolicyDate: time.Now().AddDate(0, -1, 0), ResponsibleIndividual: "R I"}))
	a, _ = m.Application(ctx, a.ID)
	must(h.t, m.Submit(ctx, a))
	a, err = m.Application(ctx, a.ID)
	must(h.t, err)
	return a
}

// TestHandlersBuildNoServicesAndSendNoMail keeps the web layer thin: services and
// stores are built in cmd/hearth and passed in, and the mail a change causes is
// written by the domain service in the change's transaction (provider sign-up too:
// commissioning's RegisterProvider).
func TestHandlersBuildNoServicesAndSendNoMail(t *testing.T) {
	forbidden := regexp.MustCompile(`\b(commissioning|marketplace|secure|billing|notify|audit|auth)\.New[A-Z]?\w*\(|audit\.New\(|deps\.Outbox\.(Send|SendWithSecretLink|WithTx)\(`)
	files, err := filepath.Glob("*.go")
	must(t, err)
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		must(t, err)
		for i, line := range strings.Split(string(src), "\n") {
			if m := forbidden.FindString(line); m != "" &&
				!strings.Contains(line, "auth.NewEnrolment(") {
				t.Errorf("%s:%d builds a service or sends mail itself: %s", f, i+1, strings.TrimSpace(line))
			}
		}
	}
}

func TestNewRefusesMissingServices(t *testing.T) {
	_, err := New(Config{BaseURL: "http://hearth.test"}, Deps{})
	if err == nil || !strings.Contains(err.Error(), "Market") || !strings.Contains(err.Error(), "Outbox") {
		t.Fatalf("New with no services: %v", err)
	}
}
