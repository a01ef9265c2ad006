package frontend

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/notify"
	"github.com/hearth-placements/hearth/marketplace"
)

var (
	ackRe     = regexp.MustCompile(`http://hearth\.test/notices/ack/([A-Za-z0-9_-]{43})\n`)
	consultRe = regexp.MustCompile(`http://hearth\.test/consultations/([A-Za-z0-9_-]{43})\n`)
)

// council returns the council with an ONS code, remembered under key.
func (h *harness) council(key, ons string) commissioning.Organisation {
	h.t.Helper()
	var o commissioning.Organisation
	must(h.t, h.deps.DB.Gorm.Where("ons_code = ?", ons).First(&o).Error)
	h.orgs[key] = o
	return o
}

// setMailbox sets a council's mailbox through the consortium admin's page.
func (h *harness) setMailbox(t *testing.T, council commissioning.Organisation, email string) {
	t.Helper()
	page := fmt.Sprintf("/admin/mailboxes/%d", council.ID)
	if r := h.signIn("admin@consortium.test").post(page, page, url.Values{"email": {email}}); r.Status != http.StatusSeeOther {
		t.Fatalf("set mailbox of %s: %d", council.Name, r.Status)
	}
}

// closedSalfordBid opens a Manchester request, has Provider X bid its home in Salford
// (adjoining Manchester: no approval needed) and closes the request. Salford has no
// Hearth users.
func (h *harness) closedSalfordBid(t *testing.T) (requestID, bidID int64) {
	t.Helper()
	ctx := context.Background()
	home := h.addHome(h.orgs["providerx"].ID, "SC971001", "M6 5AB", 1)
	id := h.openRequestFor(t)
	bid, err := h.deps.Market.SubmitBid(ctx, id, h.orgs["providerx"].ID, marketplace.BidInput{HomeID: home.ID, EarliestStart: time.Now().AddDate(0, 0, 7).Format(time.DateOnly),
		WeeklyFee: 420000, NoticeDays: 28})
	must(t, err)
	h.passDeadline(t, id)
	_, err = h.deps.Market.CloseDue(ctx)
	must(t, err)
	return id, bid.ID
}

func (h *harness) awardBid(t *testing.T, requestID, bidID int64) int64 {
	t.Helper()
	confirm := fmt.Sprintf("/requests/%d/bids/%d/award", requestID, bidID)
	r := h.signIn("commissioner@manchester.test").post(confirm, confirm, url.Values{"out_of_area_reason": {"no_suitable_in_area"}})
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/placements/") {
		t.Fatalf("award: %d %q", r.Status, r.Location)
	}
	pid, err := strconv.ParseInt(strings.TrimPrefix(r.Location, "/placements/"), 10, 64)
	must(t, err)
	return pid
}

// Every host notice of a placement — award, arrival, missing episode, end — is emailed
// to the host council's notification mailbox though the council has no Hearth users,
// each with its own acknowledgement link, and the placing council sees each delivery.
// Children Act 1989 s.22C and the Care Planning, Placement and Case Review (England)
// Regulations 2010, regs. 13 and 14 (the area authority is notified).
func TestHostNoticesReachMailboxWithoutUsers(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	salford := h.council("salford", "E08000006")
	h.setMailbox(t, salford, "notices@salford.example")
	rid, bid := h.closedSalfordBid(t)
	pid := h.awardBid(t, rid, bid)
	provider := h.orgs["providerx"].ID
	market := h.s.deps.Market // the server's, which emails
	_, err := market.ConfirmStart(ctx, pid, provider, 0, kernel.DateOf(time.Now()))
	must(t, err)
	_, err = market.ReportIncident(ctx, pid, provider, 0, marketplace.IncidentReport{Kind: "missing", StartedAt: earlierToday(time.Minute)})
	must(t, err)
	_, err = market.EndPlacement(ctx, pid, marketplace.Viewer{OrgID: provider, Kind: kernel.KindProvider}, 0,
		marketplace.Ending{EndedOn: kernel.DateOf(time.Now()), Reason: "planned_move"})
	must(t, err)

	var users int64
	h.deps.DB.Gorm.Raw("SELECT count(*) FROM users WHERE organisation_id = ?", salford.ID).Scan(&users)
	if users != 0 {
		t.Fatalf("Salford has %d users; the test needs none", users)
	}
	mails := h.deliverMail()
	tokens := map[string]string{}
	for _, m := range mails {
		if len(m.To) == 1 && m.To[0] == "notices@salford.example" {
			link := ackRe.FindStringSubmatch(m.Body)
			if link == nil || !strings.Contains(m.Body, "MCR-SECRET-9") {
				t.Fatalf("mailbox message %q lacks its link or the placing council's reference:\n%s", m.Subject, m.Body)
			}
			tokens[m.Subject] = link[1]
		}
	}
	for _, prefix := range []string{"Placement into your area", "Child arrived in your area", "Missing episode reported", "Placement in your area ended"} {
		found := false
		for subject := range tokens {
			found = found || strings.HasPrefix(subject, prefix)
		}
		if !found {
			t.Errorf("no %q notice reached Salford's mailbox (got %d messages)", prefix, len(tokens))
		}
	}

	page := fmt.Sprintf("/placements/%d", pid)
	commissioner := h.signIn("commissioner@manchester.test")
	if r := commissioner.get(page); strings.Count(r.Body, "Sent</strong> to notices@salford.example") != len(tokens) {
		t.Fatalf("placement page shows %d sent notices, want %d", strings.Count(r.Body, "Sent</strong> to notices@salford.example"), len(tokens))
	}

	// The acknowledgement page needs no account, shows the notice and works once.
	var awardTok, awardSubject string
	for subject, tok := range tokens {
		if strings.HasPrefix(subject, "Placement into your area") {
			awardTok, awardSubject = tok, subject
		}
	}
	anon := h.browser()
	link := "/notices/ack/" + awardTok
	if r := anon.get(link); r.Status != http.StatusOK || !strings.Contains(r.Body, "Placement into your area") || !strings.Contains(r.Body, ">Acknowledge<") {
		t.Fatalf("acknowledgement page: %d", r.Status)
	}
	if r := anon.post(link, link, url.Values{}); r.Status != http.StatusOK || !strings.Contains(r.Body, "Notice acknowledged") {
		t.Fatalf("acknowledge: %d", r.Status)
	}
	if r := commissioner.get(page); !strings.Contains(r.Body, "Acknowledged</strong>") {
		t.Fatal("the placing council does not see the acknowledgement")
	}
	status, body := h.api(http.MethodGet, fmt.Sprintf("/api/v1/placements/%d", pid), h.token("commissioner@manchester.test"), "")
	notices, _ := body["host_notices"].([]any)
	if status != http.StatusOK || len(notices) != len(tokens) {
		t.Fatalf("API: %d with %d host notices", status, len(notices))
	}
	delivery := map[string]string{}
	for _, n := range notices {
		m := n.(map[string]any)
		delivery[m["subject"].(string)] = m["delivery"].(string)
	}
	if delivery[awardSubject] != "acknowledged" || len(delivery) != 4 {
		t.Fatalf("API deliveries = %v", delivery)
	}
	// Neither the host council's view nor the provider's carries the delivery list.
	if _, body := h.api(http.MethodGet, fmt.Sprintf("/api/v1/placements/%d", pid), h.token("staff@providerx.test"), ""); body["host_notices"] != nil {
		t.Fatal("the provider sees the host notices' delivery")
	}

	// Replayed, guessed, truncated: a clear page showing nothing of any notice.
	guessed, _, _ := notify.NewLinkToken()
	tests := []struct {
		name, tok string
		status    int
	}{
		{"Replayed", awardTok, http.StatusGone},
		{"Guessed", guessed, http.StatusNotFound},
		{"Truncated", awardTok[:30], http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, r := range []response{anon.get("/notices/ack/" + tt.tok), anon.do(http.MethodPost, "/notices/ack/"+tt.tok, url.Values{"_csrf": {"x"}})} {
				if r.Status != tt.status && !(r.Status == http.StatusBadRequest || r.Status == http.StatusForbidden) {
					t.Errorf("status %d, want %d", r.Status, tt.status)
				}
				for _, secret := range []string{"MCR-SECRET-9", "Salford", "Provider X", "Placement into"} {
					if strings.Contains(r.Body, secret) {
						t.Errorf("the refusal shows %q", secret)
					}
				}
			}
			if r := anon.get("/notices/ack/" + tt.tok); r.Status != tt.status {
				t.Errorf("GET status %d, want %d", r.Status, tt.status)
			}
		})
	}
}

// Two uses of one link at once through the page: exactly one acknowledges.
func TestAcknowledgementPageRace(t *testing.T) {
	h := newHarness(t)
	salford := h.council("salford", "E08000006")
	h.setMailbox(t, salford, "notices@salford.example")
	rid, bid := h.closedSalfordBid(t)
	h.awardBid(t, rid, bid)
	var tok string
	for _, m := range h.deliverMail() {
		if l := ackRe.FindStringSubmatch(m.Body); l != nil {
			tok = l[1]
		}
	}
	if tok == "" {
		t.Fatal("no acknowledgement link delivered")
	}
	link := "/notices/ack/" + tok
	browsers := []*browser{h.browser(), h.browser()}
	tokens := make([]string, 2)
	for i, b := range browsers {
		m := csrfRe.FindStringSubmatch(b.get(link).Body)
		if m == nil {
			t.Fatal("no CSRF token on the acknowledgement page")
		}
		tokens[i] = m[1]
	}
	statuses := make([]int, 2)
	var wg sync.WaitGroup
	for i, b := range browsers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = b.do(http.MethodPost, link, url.Values{"_csrf": {tokens[i]}}).Status
		}()
	}
	wg.Wait()
	if !(statuses[0] == http.StatusOK && statuses[1] == http.StatusGone || statuses[0] == http.StatusGone && statuses[1] == http.StatusOK) {
		t.Fatalf("statuses %v, want one 200 and one 410", statuses)
	}
}

// The commissioner is warned before award, on the request's evaluation, when the host
// council of a bid's home has no notification mailbox; the placement then shows the
// notice as not emailed.
func TestWarnedBeforeAwardWithoutHostMailbox(t *testing.T) {
	for _, tt := range []struct {
		name    string
		mailbox string
		warned  bool
		shows   string
	}{
		{"NoMailbox", "", true, "No mailbox</strong>"},
		{"Mailbox", "notices@salford.example", false, "Sent</strong> to notices@salford.example"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			salford := h.council("salford", "E08000006")
			if tt.mailbox != "" {
				h.setMailbox(t, salford, tt.mailbox)
			}
			rid, bid := h.closedSalfordBid(t)
			r := h.signIn("commissioner@manchester.test").get(fmt.Sprintf("/requests/%d", rid))
			warned := strings.Contains(r.Body, `data-testid="no-host-mailbox"`) && strings.Contains(r.Body, "Salford has no notification mailbox")
			if r.Status != http.StatusOK || warned != tt.warned {
				t.Fatalf("request page: %d, warned %v, want %v", r.Status, warned, tt.warned)
			}
			pid := h.awardBid(t, rid, bid)
			if r := h.signIn("commissioner@manchester.test").get(fmt.Sprintf("/placements/%d", pid)); !strings.Contains(r.Body, tt.shows) {
				t.Fatalf("placement page lacks %q", tt.shows)
			}
			_, body := h.api(http.MethodGet, fmt.Sprintf("/api/v1/placements/%d", pid), h.token("commissioner@manchester.test"), "")
			notices, _ := body["host_notices"].([]any)
			want := map[bool]string{true: "no_mailbox", false: "sent"}[tt.warned]
			if len(notices) != 1 || notices[0].(map[string]any)["delivery"] != want {
				t.Fatalf("API host notices = %v, want one %s", notices, want)
			}
		})
	}
}

// The approver of a distant placement (reg. 11(2)(c): the host council consulted)
// asks the host council from the approvals page; the host answers through the emailed
// link without an account, once; the approver sees the answer on the page and the API.
// The answer is advice, not a veto: approving stays possible either way.
func TestConsultHostRoundTrip(t *testing.T) {
	h := newHarness(t)
	viaPage, viaAPI := h.distantAward(t, "SC972001"), h.distantAward(t, "SC972002")
	approverTok := h.token("approver@manchester.test")
	consultAPI := fmt.Sprintf("/api/v1/approvals/%d/consultations", viaAPI.ID)
	if status, body := h.api(http.MethodPost, consultAPI, approverTok, `{"question": "Any concerns?"}`); status != http.StatusUnprocessableEntity {
		t.Fatalf("consult without a host mailbox: %d %v", status, body)
	}
	b := h.signIn("approver@manchester.test")
	sfx := strconv.FormatInt(viaPage.ID, 10)
	page := "/approvals/" + sfx
	if r := b.get(page); !strings.Contains(r.Body, `data-testid="no-host-mailbox"`) {
		t.Fatal("the decision page does not say Liverpool has no mailbox")
	}
	h.setMailbox(t, h.orgs["liverpool"], "placements@liverpool.example")

	question := "Is there capacity in your CAMHS for this child?"
	if r := b.post(page, page+"/consult", url.Values{"question": {strings.Repeat("x", 2001)}}); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="question-error"`) {
		t.Fatalf("long question: %d", r.Status)
	}
	if r := b.post(page, page+"/consult", url.Values{"question": {question}}); r.Status != http.StatusSeeOther {
		t.Fatalf("consult: %d", r.Status)
	}
	if r := b.get(page); !strings.Contains(r.Body, "No answer yet") || !strings.Contains(r.Body, question) {
		t.Fatal("the decision page does not show the open consultation")
	}
	if status, body := h.api(http.MethodPost, consultAPI, approverTok, `{}`); status != http.StatusCreated || body["answered"] != false {
		t.Fatalf("consult by API: %d %v", status, body)
	}

	var tok, other string
	for _, m := range h.deliverMail() {
		if l := consultRe.FindStringSubmatch(m.Body); l != nil && m.To[0] == "placements@liverpool.example" {
			if strings.Contains(m.Body, question) {
				tok = l[1]
			} else {
				other = l[1]
			}
		}
	}
	if tok == "" || other == "" {
		t.Fatal("the consultations did not reach Liverpool's mailbox with their links")
	}
	anon := h.browser()
	link := "/consultations/" + tok
	r := anon.get(link)
	if r.Status != http.StatusOK || !strings.Contains(r.Body, question) || !strings.Contains(r.Body, "Manchester") {
		t.Fatalf("consultation page: %d", r.Status)
	}
	csrf := csrfRe.FindStringSubmatch(r.Body)[1]
	// A consultation's token opens no notice, and the other way round.
	if r := anon.get("/notices/ack/" + tok); r.Status != http.StatusNotFound || strings.Contains(r.Body, question) {
		t.Fatalf("consultation token on the notice route: %d", r.Status)
	}
	if r := anon.post(link, link, url.Values{"answer": {"  "}}); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="answer-error"`) {
		t.Fatalf("empty answer: %d", r.Status)
	}
	if r := anon.post(link, link, url.Values{"answer": {strings.Repeat("y", 2001)}}); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "2000 characters or fewer") {
		t.Fatalf("long answer: %d", r.Status)
	}
	answer := "We have no concerns; our CAMHS has capacity. Contact our placements team."
	if r := anon.post(link, link, url.Values{"answer": {answer}}); r.Status != http.StatusOK || !strings.Contains(r.Body, "Answer sent") {
		t.Fatalf("answer: %d", r.Status)
	}
	if r := anon.do(http.MethodPost, link, url.Values{"answer": {"Changed our mind"}, "_csrf": {csrf}}); r.Status != http.StatusGone || strings.Contains(r.Body, question) {
		t.Fatalf("second answer: %d", r.Status)
	}
	if r := anon.get("/consultations/" + other[:40] + "AAA"); r.Status != http.StatusNotFound {
		t.Fatalf("guessed consultation token: %d", r.Status)
	}
	if r := b.get(page); !strings.Contains(r.Body, answer) || !strings.Contains(r.Body, "Answered") {
		t.Fatal("the approver does not see the answer")
	}
	_, body := h.api(http.MethodGet, "/api/v1/approvals", approverTok, "")
	answered := ""
	for _, p := range body["awaiting_approval"].([]any) {
		pm := p.(map[string]any)
		if int64(pm["placement_id"].(float64)) == viaPage.ID {
			cs := pm["host_consultations"].([]any)
			if len(cs) == 1 && cs[0].(map[string]any)["answered"] == true {
				answered, _ = cs[0].(map[string]any)["answer"].(string)
			}
		}
	}
	if answered != answer {
		t.Fatalf("API answer = %q", answered)
	}
	var audited int64
	h.deps.DB.Gorm.Raw("SELECT count(*) FROM audit_log WHERE action IN ('placement.consult_host', 'placement.host_answer')").Scan(&audited)
	if audited != 3 {
		t.Fatalf("%d audit rows, want 2 consultations and 1 answer", audited)
	}
}

// The consortium admin's directory: every council listed with a region filter; a CSV
// with any bad row is refused whole with its row numbers shown; the API does the same.
func TestMailboxDirectory(t *testing.T) {
	h := newHarness(t)
	admin := h.signIn("admin@consortium.test")
	if r := admin.get("/admin/mailboxes"); r.Status != http.StatusOK || strings.Count(r.Body, "No mailbox</strong>") < 153 {
		t.Fatalf("directory: %d with %d councils without a mailbox", r.Status, strings.Count(r.Body, "No mailbox</strong>"))
	}
	if r := admin.get("/admin/mailboxes?region=North+West"); !strings.Contains(r.Body, "Wigan") || strings.Contains(r.Body, "Cornwall") {
		t.Fatal("the region filter does not filter")
	}
	bad := "ons_code,email\nE08000010,notices@wigan.example\nE08000001,bolton\nE07999999,x@y.example\n"
	r := upload(t, admin, "/admin/mailboxes/upload", []byte(bad))
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `data-testid="row-errors"`) || !strings.Contains(r.Body, "Nothing was saved") {
		t.Fatalf("bad CSV: %d", r.Status)
	}
	for _, row := range []string{`<td class="govuk-table__cell">3</td>`, `<td class="govuk-table__cell">4</td>`} {
		if !strings.Contains(r.Body, row) {
			t.Errorf("row error %s not listed", row)
		}
	}
	if strings.Contains(r.Body, `<td class="govuk-table__cell">2</td>`) {
		t.Error("a good row is listed as a problem")
	}
	if r := upload(t, admin, "/admin/mailboxes/upload", []byte("ons_code,email\nE08000010,notices@wigan.example\nE08000001,notices@bolton.example\n")); r.Status != http.StatusSeeOther {
		t.Fatalf("good CSV: %d", r.Status)
	}
	tok := h.token("admin@consortium.test")
	status, body := h.api(http.MethodPut, "/api/v1/mailboxes", tok, `{"mailboxes": [{"ons_code": "E08000002", "email": "notices@bury.example"}, {"ons_code": "E08000004", "email": "oldham"}]}`)
	fields, _ := body["errors"].([]any)
	if status != http.StatusUnprocessableEntity || len(fields) != 1 || fields[0].(map[string]any)["field"] != "mailboxes[1].email" {
		t.Fatalf("bad PUT: %d %v", status, body)
	}
	if status, _ := h.api(http.MethodPut, "/api/v1/mailboxes", tok, `{"mailboxes": [{"ons_code": "E08000002", "email": "notices@bury.example"}]}`); status != http.StatusOK {
		t.Fatalf("good PUT: %d", status)
	}
	status, body = h.api(http.MethodGet, "/api/v1/mailboxes?region=North+West", tok, "")
	set := map[string]any{}
	for _, m := range body["mailboxes"].([]any) {
		mm := m.(map[string]any)
		set[mm["ons_code"].(string)] = mm["email"]
	}
	if status != http.StatusOK || set["E08000010"] != "notices@wigan.example" || set["E08000002"] != "notices@bury.example" || set["E08000004"] != nil {
		t.Fatalf("GET: %d %v", status, set)
	}
	if status, _ := h.api(http.MethodGet, "/api/v1/mailboxes", h.token("commissioner@manchester.test"), ""); status != http.StatusForbidden {
		t.Fatalf("a commissioner reads the directory: %d", status)
	}
}
