// Package agreement renders an Individual Placement Agreement (IPA) — the contract for one
// child's placement under a framework — as a PDF. It knows nothing of where the facts come
// from: the caller fills a Document and keeps the bytes it gets back.
package agreement

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"
)

// Document is everything an agreement states.
type Document struct {
	Reference string // e.g. "IPA-000042"
	Version   int
	Reason    string // why this version was issued
	IssuedAt  time.Time

	Framework string
	Lot       string
	Tier      string

	PlacingCouncil string
	PlacingContact string // name and email of the council's commissioner
	Provider       string
	Home           Home

	ChildRef    string // the placing council's reference; Hearth never holds a name
	AgeYears    int
	Sex         string
	LegalStatus string
	Needs       []string

	StartDate     time.Time
	DurationWeeks int       // 0 when open-ended
	ReviewDate    time.Time // the first statutory review due (reg. 33: 20 working days)
	NoticeDays    int

	// Approval names each rule that sent the award to an approver ("Regulation 11: out
	// of area and not adjoining", "Consortium policy: more than 20 miles", …) and, for
	// regulation 11, what the approver recorded. Empty: no approval was needed.
	Approval [][2]string

	FeeFrom time.Time // the date the fee below applies from
	Fee     []Line    // the breakdown, ending with the weekly total
}

// Home is the setting the child will live in.
type Home struct {
	Name        string
	URN         string
	Rating      string
	Outcode     string
	HostCouncil string
}

// Line is one row of the fee breakdown.
type Line struct {
	Label  string
	Amount string
}

const day = "2 January 2006"

// Render returns the agreement as a PDF. The same Document gives the same bytes.
func Render(d Document) ([]byte, error) {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetTitle(fmt.Sprintf("Individual Placement Agreement %s version %d", d.Reference, d.Version), true)
	pdf.SetAuthor("Hearth", true)
	pdf.SetCreator("Hearth", true)
	pdf.SetCreationDate(d.IssuedAt)
	pdf.SetModificationDate(d.IssuedAt)
	pdf.SetCatalogSort(true)
	pdf.SetMargins(20, 20, 20)
	pdf.SetAutoPageBreak(true, 20)
	tr := pdf.UnicodeTranslatorFromDescriptor("") // cp1252: £, – and ’ in the core fonts
	pdf.SetFooterFunc(func() {
		pdf.SetY(-15)
		pdf.SetFont("Helvetica", "", 8)
		pdf.CellFormat(0, 10, tr(fmt.Sprintf("%s version %d – issued %s – page %d", d.Reference, d.Version, d.IssuedAt.Format(day), pdf.PageNo())), "", 0, "C", false, 0, "")
	})
	pdf.AddPage()

	pdf.SetFont("Helvetica", "B", 18)
	pdf.MultiCell(0, 9, tr("Individual Placement Agreement"), "", "L", false)
	pdf.SetFont("Helvetica", "", 11)
	pdf.MultiCell(0, 6, tr(fmt.Sprintf("%s, version %d, issued %s (%s)", d.Reference, d.Version, d.IssuedAt.Format(day), d.Reason)), "", "L", false)
	pdf.MultiCell(0, 6, tr(fmt.Sprintf("Under the %s framework, lot %s, needs tier %s.", d.Framework, d.Lot, d.Tier)), "", "L", false)

	section := func(title string, rows [][2]string) {
		pdf.Ln(4)
		pdf.SetFont("Helvetica", "B", 13)
		pdf.MultiCell(0, 8, tr(title), "", "L", false)
		for _, r := range rows {
			pdf.SetFont("Helvetica", "B", 10)
			y := pdf.GetY()
			pdf.MultiCell(60, 6, tr(r[0]), "", "L", false)
			after := pdf.GetY()
			pdf.SetXY(80, y)
			pdf.SetFont("Helvetica", "", 10)
			pdf.MultiCell(0, 6, tr(r[1]), "", "L", false)
			if pdf.GetY() < after {
				pdf.SetY(after)
			}
		}
	}

	section("Parties", [][2]string{
		{"Placing council", d.PlacingCouncil},
		{"Council contact", d.PlacingContact},
		{"Provider", d.Provider},
	})
	section("Home", [][2]string{
		{"Name", d.Home.Name},
		{"Ofsted URN", d.Home.URN},
		{"Ofsted rating", d.Home.Rating},
		{"Postcode district", d.Home.Outcode},
		{"Host council", d.Home.HostCouncil},
	})
	needs := "None listed"
	if len(d.Needs) > 0 {
		needs = strings.Join(d.Needs, "; ")
	}
	section("Child", [][2]string{
		{"Council reference", d.ChildRef},
		{"Age", fmt.Sprintf("%d", d.AgeYears)},
		{"Sex", d.Sex},
		{"Legal status", d.LegalStatus},
		{"Needs to be met", needs},
	})
	duration := "Open-ended"
	if d.DurationWeeks > 0 {
		duration = fmt.Sprintf("%d weeks", d.DurationWeeks)
	}
	section("Placement", [][2]string{
		{"Start date", d.StartDate.Format(day)},
		{"Expected duration", duration},
		{"First statutory review due", d.ReviewDate.Format(day)},
		{"Notice period", fmt.Sprintf("%d days' written notice by either party", d.NoticeDays)},
	})
	if len(d.Approval) > 0 {
		section("Approval", d.Approval)
	}
	fee := make([][2]string, 0, len(d.Fee))
	for _, l := range d.Fee {
		fee = append(fee, [2]string{l.Label, l.Amount})
	}
	section(fmt.Sprintf("Weekly fee from %s", d.FeeFrom.Format(day)), fee)

	pdf.Ln(6)
	pdf.SetFont("Helvetica", "", 9)
	pdf.MultiCell(0, 5, tr("This agreement is made under the framework's terms. The child's name and address are held by the placing council and shared with the provider outside Hearth. Fees are invoiced pro rata by day. This version replaces any earlier version of the same reference."), "", "L", false)

	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("render agreement %s v%d: %w", d.Reference, d.Version, err)
	}
	return buf.Bytes(), nil
}
