package marketplace_test

import (
	"context"
	"errors"
	"testing"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/marketplace"
)

// TestHostViewIsOnlyWhatTheNoticeSays: the host council, and a host-council user of
// any council, see a placement into their area as its host notices tell it — who
// placed, where, when — and nothing the placing council keeps: fee, distance, notice
// period, approval, bid or agreement. A host-council user of the placing council sees
// nothing of its own council's children, nor does one of a third council.
func TestHostViewIsOnlyWhatTheNoticeSays(t *testing.T) {
	ctx := context.Background()
	pl := newPlacement(t)
	w := pl.w
	liverpool := w.member(t, "E08000012")
	hostOnly := func(org commissioning.Organisation) marketplace.Viewer {
		return marketplace.Viewer{OrgID: org.ID, Kind: kernel.KindCouncil, HostOnly: true}
	}
	tests := []struct {
		name   string
		viewer marketplace.Viewer
		sees   bool
	}{
		{"HostCouncil", pl.host(), true},
		{"HostCouncilUser", hostOnly(pl.salford), true},
		{"HostCouncilUserOfThePlacingCouncil", hostOnly(pl.manchester), false},
		{"HostCouncilUserOfAnotherCouncil", hostOnly(liverpool), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := w.mk.PlacementFor(ctx, pl.p.ID, tt.viewer)
			rows, n, lerr := w.mk.Placements(ctx, tt.viewer, "", 0, 10)
			must(t, lerr)
			_, pdfErr := w.mk.AgreementPDF(ctx, pl.p.ID, 0, tt.viewer)
			if !errors.Is(pdfErr, kernel.ErrNotFound) {
				t.Errorf("agreement: %v, want not found", pdfErr)
			}
			if !tt.sees {
				if !errors.Is(err, kernel.ErrNotFound) || n != 0 {
					t.Fatalf("got %v and %d rows, want not found and none", err, n)
				}
				return
			}
			must(t, err)
			if v.Access != marketplace.AccessHost || v.ChildRef != "MCR-00042" || v.PlacingCouncil != pl.manchester.Name || v.HomeOutcode != "M6" {
				t.Fatalf("view %+v", v)
			}
			p := v.Placement
			if p.WeeklyFeePence != 0 || p.Miles != 0 || p.NoticeDays != 0 || p.BidID != 0 || p.ApprovalReasons != nil || p.PolicyMiles != nil ||
				p.ReviewDate != nil || p.DecidedBy != nil || p.EndNote != "" {
				t.Errorf("the host sees what the placing council keeps: %+v", p)
			}
			if v.AgeYears != 0 || v.Sex != "" || v.LegalStatus != "" || v.Needs != nil || v.Fees != nil || v.Agreements != nil || v.NextReview != nil || v.Reviews != nil {
				t.Errorf("the host sees the child's profile, fees or agreement: %+v", v)
			}
			if n != 1 || rows[0].Access != marketplace.AccessHost || rows[0].WeeklyFeePence != 0 {
				t.Fatalf("list: %d rows %+v", n, rows)
			}
		})
	}
}
