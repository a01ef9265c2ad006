package agreement_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/ledongthuc/pdf"

	"github.com/hearth-placements/hearth/marketplace/agreement"
)

func sample() agreement.Document {
	issued := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	return agreement.Document{Reference: "IPA-000042", Version: 2, Reason: "fee changed", IssuedAt: issued,
		Framework: "North West Children's Placements DPS", Lot: "Residential: solo", Tier: "standard",
		PlacingCouncil: "Manchester", PlacingContact: "Casey Commissioner, commissioner@manchester.example", Provider: "Brightwater Care",
		Home:     agreement.Home{Name: "Larch House", URN: "SC123456", Rating: "Good", Outcode: "BB1", HostCouncil: "Blackburn with Darwen"},
		ChildRef: "MCR/2026/0042", AgeYears: 14, Sex: "Female", LegalStatus: "Section 31 care order", Needs: []string{"Risk of going missing", "Self-harm"},
		StartDate: issued.AddDate(0, 0, 7), DurationWeeks: 26, ReviewDate: issued.AddDate(0, 0, 35), NoticeDays: 28,
		FeeFrom: issued.AddDate(0, 0, 7), Fee: []agreement.Line{{"Core fee", "£4,200.00"}, {"1:1 support (10 h × £25.00)", "£250.00"}, {"Total a week", "£4,450.00"}}}
}

// text extracts the plain text of a PDF, as a reader of the file would see it.
func text(t *testing.T, b []byte) string {
	t.Helper()
	r, err := pdf.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("read pdf: %v", err)
	}
	rd, err := r.GetPlainText()
	if err != nil {
		t.Fatalf("pdf text: %v", err)
	}
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(rd); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestRenderStatesTheAgreement(t *testing.T) {
	b, err := agreement.Render(sample())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %q", b[:8])
	}
	got := strings.Join(strings.Fields(text(t, b)), " ")
	for _, want := range []string{"Individual Placement Agreement", "IPA-000042, version 2", "Manchester", "Brightwater Care", "Larch House", "SC123456",
		"Blackburn with Darwen", "MCR/2026/0042", "30 November 2026", "28 days", "28 December 2026", "£4,450.00", "Risk of going missing"} {
		if !strings.Contains(got, want) {
			t.Errorf("agreement lacks %q\n%s", want, got)
		}
	}
}

func TestRenderIsDeterministic(t *testing.T) {
	a, err := agreement.Render(sample())
	if err != nil {
		t.Fatal(err)
	}
	b, _ := agreement.Render(sample())
	if !bytes.Equal(a, b) {
		t.Error("the same document rendered twice gave different bytes")
	}
}
