package billing_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/audit"
	"github.com/hearth-placements/hearth/marketplace"
	"github.com/hearth-placements/hearth/marketplace/billing"
	"github.com/hearth-placements/hearth/migrations"
	"github.com/hearth-placements/hearth/migrations/dbtest"
)

// mockURL is the stripe-mock this package's tests talk to (started in TestMain).
var mockURL string

const webhookSecret = "whsec_test_hearth"

func TestMain(m *testing.M) {
	stop, err := startStripeMock()
	if err != nil {
		fmt.Fprintln(os.Stderr, "billing tests need stripe-mock v0.183.0 (make test installs it into ./bin):", err)
		os.Exit(1)
	}
	defer stop()
	dbtest.Main(m)
}

// startStripeMock runs stripe-mock on loopback on free ports; it dies with the tests.
func startStripeMock() (func(), error) {
	bin, err := exec.LookPath("stripe-mock")
	if err != nil {
		bin, _ = filepath.Abs("../../bin/stripe-mock")
		if _, err := os.Stat(bin); err != nil {
			return nil, err
		}
	}
	port := func() int {
		l, _ := net.Listen("tcp", "127.0.0.1:0")
		defer l.Close()
		return l.Addr().(*net.TCPAddr).Port
	}
	httpPort, httpsPort := port(), port()
	cmd := exec.Command(bin, "-http-addr", fmt.Sprintf("127.0.0.1:%d", httpPort), "-https-addr", fmt.Sprintf("127.0.0.1:%d", httpsPort))
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	mockURL = fmt.Sprintf("http://127.0.0.1:%d", httpPort)
	for range 100 {
		if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", httpPort)); err == nil {
			c.Close()
			return func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	_ = cmd.Process.Kill()
	return nil, errors.New("stripe-mock did not start")
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

type world struct {
	db                  *migrations.DB
	mk                  *marketplace.Service
	fw                  *commissioning.Frameworks
	b                   *billing.Service
	consortium, council commissioning.Organisation
	provider            commissioning.Organisation
	placements          []marketplace.Placement
}

func config() billing.Config {
	return billing.Config{SecretKey: "sk_test_123", APIBase: mockURL, WebhookSecret: webhookSecret}
}

// newWorld makes a consortium (levy 150 bp) with Manchester as a member and three awarded
// placements with one provider.
func newWorld(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	db := dbtest.Open(t)
	orgs := commissioning.NewService(db.Gorm)
	must(t, orgs.SyncCouncils(ctx))
	w := &world{db: db, mk: marketplace.NewService(db.Gorm), fw: commissioning.NewFrameworks(db.Gorm), b: billing.NewService(db.Gorm, config())}
	var err error
	w.consortium, err = orgs.Create(ctx, kernel.KindConsortium, "NW")
	must(t, err)
	must(t, orgs.JoinConsortium(ctx, w.consortium.ID, []string{"E08000003"}))
	must(t, db.Gorm.Where("ons_code = 'E08000003'").First(&w.council).Error)
	f, err := w.fw.CreateFramework(ctx, w.consortium.ID, commissioning.FrameworkTerms{Name: "NW DPS", OpenForApplications: true, WeightPrice: 40, WeightQuality: 30, WeightDistance: 20, WeightFit: 10, LevyBPS: 150})
	must(t, err)
	lot, err := w.fw.AddLot(ctx, f.ID, commissioning.NewLot{Code: "residential", Name: "Residential", PlacementType: "residential", Ceilings: map[string]kernel.Pence{"standard": 600000}})
	must(t, err)
	w.provider, err = w.fw.CreateProvider(ctx, commissioning.ProviderSignUp{Name: "Brightwater", RegistrationKind: "company", RegistrationNumber: "01234567", ContactName: "Pat", ContactEmail: "pat@bw.test", ContactPhone: "0161 496 0000"})
	must(t, err)
	_, err = w.fw.AdmitOutright(ctx, f.ID, w.provider.ID, []int64{lot.ID}, commissioning.Declarations{OfstedRegistered: true, InsuranceExpiry: time.Now().AddDate(1, 0, 0),
		SafeguardingPolicyDate: time.Now().AddDate(0, -1, 0), ResponsibleIndividual: "RI"}, "Meets the criteria")
	must(t, err)
	lots, _, err := w.mk.AdmittedLots(ctx, w.provider.ID)
	must(t, err)
	fields, fe := marketplace.ParseHome(marketplace.HomeInput{Name: "Larch House", OfstedURN: "SC990001", HomeType: "childrens_home", OfstedRating: "good", InspectionDate: "2025-01-10",
		RegisteredPlaces: "4", MinAge: "11", MaxAge: "17", Sexes: "any", Postcode: "M20 2AB", Lots: []string{"residential"}}, lots, time.Now())
	if fe != nil {
		t.Fatal(fe)
	}
	home, err := w.mk.SaveHome(ctx, w.provider.ID, 0, 0, fields)
	must(t, err)
	_, err = w.mk.SetVacancy(ctx, home, marketplace.Vacancy{BedsFree: 3}, "web", 0)
	must(t, err)
	for i := range 3 {
		now := time.Now()
		start, deadline := now.AddDate(0, 0, 7).Truncate(24*time.Hour), now.Add(3*time.Hour)
		age, month, year, sex, legal, within, tier, weeks := 14, int(now.Month()), now.Year()-14, "female", "s31", 20, "standard", 26
		r := marketplace.PlacementRequest{CouncilID: w.council.ID, ChildRef: fmt.Sprintf("MCR-B-%d", i+1), AgeYears: &age, BirthMonth: &month, BirthYear: &year, Sex: &sex,
			LegalStatus: &legal, WithinMiles: &within, LotID: &lot.ID, Tier: &tier, StartDate: &start, DurationWeeks: &weeks, Deadline: &deadline}
		must(t, r.SetHome("M14"))
		must(t, marketplace.NewRequests(db.Gorm).SaveDraft(ctx, &r))
		_, _, err := w.mk.SubmitRequest(ctx, r.ID, w.council.ID)
		must(t, err)
		bid, err := w.mk.SubmitBid(ctx, r.ID, w.provider.ID, marketplace.BidInput{HomeID: home.ID, EarliestStart: start.Format(time.DateOnly), WeeklyFee: 400000, NoticeDays: 28})
		must(t, err)
		must(t, db.Gorm.Exec("UPDATE placement_requests SET submitted_at = now() - interval '3 hours', deadline = now() - interval '1 second', status = 'closed' WHERE id = ?", r.ID).Error)
		p, err := w.mk.Award(ctx, r.ID, w.council.ID, bid.ID, 0)
		must(t, err)
		w.placements = append(w.placements, p)
	}
	return w
}

// history sets the placements' past: A starts mid-November; B started in September and
// ends mid-November; C started in October and its fee changes mid-November.
func (w *world) history(t *testing.T) {
	t.Helper()
	db := w.db.Gorm
	set := func(p marketplace.Placement, started string, ended *string, fees [][2]any) {
		status := "started"
		if ended != nil {
			status = "ended"
		}
		must(t, db.Exec("UPDATE placements SET status = ?, started_on = ?, start_date = ?, ended_on = ?, end_reason = CASE WHEN ? THEN 'planned_move' END WHERE id = ?",
			status, started, started, ended, ended != nil, p.ID).Error)
		must(t, db.Exec("DELETE FROM placement_fees WHERE placement_id = ?", p.ID).Error)
		for _, f := range fees {
			must(t, db.Exec("INSERT INTO placement_fees (placement_id, effective_from, core_pence, reason) VALUES (?, ?, ?, 'test')", p.ID, f[0], f[1]).Error)
		}
	}
	end := "2026-11-18"
	set(w.placements[0], "2026-11-10", nil, [][2]any{{"2026-11-10", 420000}})
	set(w.placements[1], "2026-09-01", &end, [][2]any{{"2026-09-01", 510000}})
	set(w.placements[2], "2026-10-01", nil, [][2]any{{"2026-10-01", 445000}, {"2026-11-15", 430050}})
}

var november, december = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

func TestInvoiceRunForAMonthToThePennyAndOnlyOnce(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	w.history(t)
	res, err := w.b.Run(ctx, w.consortium.ID, november, december, 0)
	must(t, err)
	if res.Created != 0 || len(res.Warnings) != 1 {
		t.Fatalf("without a billing contact: %+v", res)
	}
	must(t, w.b.SetBillingContact(ctx, w.council.ID, "invoices@manchester.test"))
	res, err = w.b.Run(ctx, w.consortium.ID, november, december, 0)
	must(t, err)
	if res.Created != 1 || len(res.Warnings) != 0 {
		t.Fatalf("run: %+v", res)
	}
	invs, err := w.b.CouncilInvoices(ctx, w.council.ID)
	must(t, err)
	if len(invs) != 1 {
		t.Fatalf("%d invoices", len(invs))
	}
	want := map[int64][][2]int64{ // placement → (nights, amount)
		w.placements[0].ID: {{21, 1260000}},
		w.placements[1].ID: {{17, 1238571}},
		w.placements[2].ID: {{14, 890000}, {16, 982971}},
	}
	got := map[int64][][2]int64{}
	var total, levy int64
	for _, l := range invs[0].Lines {
		got[l.PlacementID] = append(got[l.PlacementID], [2]int64{int64(l.Days), l.AmountPence})
		total += l.AmountPence
		levy += l.LevyPence
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("lines %v, want %v", got, want)
	}
	if invs[0].TotalPence != 4371542 || total != invs[0].TotalPence || invs[0].LevyPence != levy {
		t.Fatalf("total %d (lines %d), levy %d (lines %d)", invs[0].TotalPence, total, invs[0].LevyPence, levy)
	}
	// A second run creates nothing.
	res, err = w.b.Run(ctx, w.consortium.ID, november, december, 0)
	must(t, err)
	if res.Created != 0 || res.Existing != 1 {
		t.Fatalf("second run: %+v", res)
	}
	var jobs int64
	w.db.Gorm.Table("stripe_jobs").Count(&jobs)
	if jobs != 1 {
		t.Fatalf("%d stripe jobs after two runs", jobs)
	}
	// The worker creates it in Stripe (stripe-mock) and finalises it.
	n, err := w.b.ProcessJobs(ctx)
	must(t, err)
	invs, _ = w.b.CouncilInvoices(ctx, w.council.ID)
	if n != 1 || invs[0].Status != "sent" || invs[0].StripeInvoiceID == nil || invs[0].Lines[0].StripeItemID == nil {
		t.Fatalf("after the worker: %d jobs, %+v", n, invs[0])
	}
}

func signed(t *testing.T, event map[string]any) ([]byte, string) {
	t.Helper()
	event["api_version"] = "2023-10-16"
	event["object"] = "event"
	payload, err := json.Marshal(event)
	must(t, err)
	sp := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: webhookSecret, Timestamp: time.Now()})
	return sp.Payload, sp.Header
}

func TestWebhooksAreVerifiedAndAppliedOnce(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	w.history(t)
	must(t, w.b.SetBillingContact(ctx, w.council.ID, "invoices@manchester.test"))
	_, err := w.b.Run(ctx, w.consortium.ID, november, december, 0)
	must(t, err)
	_, err = w.b.ProcessJobs(ctx)
	must(t, err)
	invs, _ := w.b.CouncilInvoices(ctx, w.council.ID)
	inv := invs[0]

	paid := map[string]any{"id": "evt_paid_1", "type": "invoice.paid", "data": map[string]any{"object": map[string]any{"id": "in_x", "object": "invoice",
		"metadata": map[string]string{"hearth_invoice_id": fmt.Sprint(inv.ID)}}}}
	payload, header := signed(t, paid)
	if err := w.b.HandleWebhook(ctx, payload, header+"0"); !errors.Is(err, billing.ErrBadSignature) {
		t.Fatalf("bad signature: %v", err)
	}
	if err := w.b.HandleWebhook(ctx, payload, ""); !errors.Is(err, billing.ErrBadSignature) {
		t.Fatalf("missing signature: %v", err)
	}
	for range 3 {
		must(t, w.b.HandleWebhook(ctx, payload, header))
	}
	invs, _ = w.b.CouncilInvoices(ctx, w.council.ID)
	if invs[0].Status != "paid" || invs[0].PaidAt == nil {
		t.Fatalf("status %q", invs[0].Status)
	}
	if _, n, _ := audit.New(w.db.Gorm).List(ctx, audit.AllEntries, audit.Filter{Action: "billing.invoice_paid"}, 0, 5); n != 1 {
		t.Fatalf("paid applied %d times", n)
	}
	// The provider has not onboarded: its transfers wait, and the admin sees the backlog.
	_, err = w.b.ProcessJobs(ctx)
	must(t, err)
	o, err := w.b.Overview(ctx, w.consortium.ID)
	must(t, err)
	if len(o.Backlog) != 1 || o.Backlog[0].Lines != 4 {
		t.Fatalf("backlog %+v", o.Backlog)
	}
	// Onboarding: an account and a link; then account.updated enables payouts.
	url, err := w.b.Onboard(ctx, w.provider.ID, "https://hearth.test/billing", "https://hearth.test/billing/onboard")
	must(t, err)
	if url == "" {
		t.Fatal("no onboarding link")
	}
	acct, _, _ := w.b.AccountOf(ctx, w.provider.ID)
	updated := map[string]any{"id": "evt_acct_1", "type": "account.updated", "data": map[string]any{"object": map[string]any{"id": acct.StripeAccountID, "object": "account",
		"payouts_enabled": true, "charges_enabled": true, "details_submitted": true, "metadata": map[string]string{"hearth_organisation_id": fmt.Sprint(w.provider.ID)}}}}
	payload, header = signed(t, updated)
	for range 3 {
		must(t, w.b.HandleWebhook(ctx, payload, header))
	}
	if acct, _, _ = w.b.AccountOf(ctx, w.provider.ID); !acct.Ready() {
		t.Fatal("payouts not enabled")
	}
	_, err = w.b.ProcessJobs(ctx)
	must(t, err)
	pays, err := w.b.ProviderPayments(ctx, w.provider.ID)
	must(t, err)
	for _, p := range pays {
		if p.TransferStatus != "sent" || p.StripeTransferID == nil {
			t.Fatalf("line %d transfer %q", p.ID, p.TransferStatus)
		}
	}
	// An event for an invoice Hearth does not know is acknowledged.
	unknown := map[string]any{"id": "evt_unknown", "type": "invoice.paid", "data": map[string]any{"object": map[string]any{"id": "in_nobody", "object": "invoice"}}}
	payload, header = signed(t, unknown)
	must(t, w.b.HandleWebhook(ctx, payload, header))
}

func TestStripeAwayForAWhileLosesNothingAndDuplicatesNothing(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	w.history(t)
	must(t, w.b.SetBillingContact(ctx, w.council.ID, "invoices@manchester.test"))
	_, err := w.b.Run(ctx, w.consortium.ID, november, december, 0)
	must(t, err)
	// Stripe is unreachable: a closed port.
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := "http://" + l.Addr().String()
	l.Close()
	away := billing.NewService(w.db.Gorm, billing.Config{SecretKey: "sk_test_123", APIBase: dead, WebhookSecret: webhookSecret})
	for range 3 {
		_, err := away.ProcessJobs(ctx)
		must(t, err)
		must(t, w.db.Gorm.Exec("UPDATE stripe_jobs SET next_try_at = now()").Error)
	}
	var job struct {
		Status    string
		Attempts  int
		LastError string
	}
	must(t, w.db.Gorm.Raw("SELECT status, attempts, last_error FROM stripe_jobs").Scan(&job).Error)
	if job.Status != "pending" || job.Attempts != 3 || job.LastError == "" {
		t.Fatalf("while Stripe is away: %+v", job)
	}
	o, _ := w.b.Overview(ctx, w.consortium.ID)
	if len(o.Jobs) != 1 {
		t.Fatalf("the admin sees %d failing jobs", len(o.Jobs))
	}
	// Stripe is back.
	n, err := w.b.ProcessJobs(ctx)
	must(t, err)
	invs, _ := w.b.CouncilInvoices(ctx, w.council.ID)
	if n != 1 || invs[0].Status != "sent" || len(invs) != 1 {
		t.Fatalf("after Stripe returned: %d jobs, %d invoices, %q", n, len(invs), invs[0].Status)
	}
}

func TestOverlappingPeriodsAreRefused(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	w.history(t)
	must(t, w.b.SetBillingContact(ctx, w.council.ID, "invoices@manchester.test"))
	// A four-weekly period, then one overlapping it.
	_, err := w.b.Run(ctx, w.consortium.ID, november, november.AddDate(0, 0, 28), 0)
	must(t, err)
	res, err := w.b.Run(ctx, w.consortium.ID, november.AddDate(0, 0, 14), november.AddDate(0, 0, 42), 0)
	must(t, err)
	if res.Created != 0 || len(res.Warnings) != 1 {
		t.Fatalf("overlapping run: %+v", res)
	}
	// The database refuses an overlap whatever the code does.
	err = w.db.Gorm.Exec("INSERT INTO invoices (consortium_id, council_id, period_start, period_end, total_pence, levy_pence) VALUES (?, ?, '2026-11-20', '2026-12-20', 1, 0)",
		w.consortium.ID, w.council.ID).Error
	if err == nil {
		t.Fatal("an overlapping invoice was stored")
	}
	// The next period starts where the last ended.
	res, err = w.b.Run(ctx, w.consortium.ID, november.AddDate(0, 0, 28), november.AddDate(0, 0, 56), 0)
	must(t, err)
	if res.Created != 1 {
		t.Fatalf("next period: %+v", res)
	}
}
