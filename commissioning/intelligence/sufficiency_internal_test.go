package intelligence

import (
	"fmt"
	"math"
	"testing"
	"time"
)

func month(y int, m time.Month) time.Time { return time.Date(y, m, 1, 0, 0, 0, 0, time.UTC) }

// TestFoldMonths: a lot's months summed by hand, every month present, small counts suppressed.
func TestFoldMonths(t *testing.T) {
	rows := []demandRow{
		{Month: month(2026, 1), Lot: "a", Requests: 4, Reached: 12, Bids: 5, Declines: 3, Awards: 3, NoBid: 1},
		{Month: month(2026, 1), Lot: "a", CouncilID: 7, Requests: 3, Reached: 9, Bids: 4, Declines: 2, Awards: 3, NoBid: 0},
		{Month: month(2026, 1), Lot: "b", Requests: 10, Reached: 30, Bids: 20, Declines: 5, Awards: 9, NoBid: 1},
		{Month: month(2026, 3), Lot: "a", Requests: 6, Reached: 18, Bids: 6, Declines: 6, Awards: 5, NoBid: 2},
		{Month: month(2025, 12), Lot: "a", Requests: 99}, // before the window
	}
	got := foldMonths(rows, "a", month(2026, 1), month(2026, 3))
	if len(got) != 3 {
		t.Fatalf("%d months, want 3", len(got))
	}
	jan, feb, mar := got[0], got[1], got[2]
	if jan.Requests != (Count{N: 7}) || jan.Reached != 21 || jan.Bids != 9 || jan.Declines != 5 || jan.Awards != (Count{N: 6}) || jan.NoBid != (Count{Suppressed: true}) {
		t.Errorf("January = %+v", jan)
	}
	if feb.Requests != (Count{}) || feb.Reached != 0 {
		t.Errorf("February = %+v, want zeros", feb)
	}
	if mar.Requests != (Count{N: 6}) || mar.Awards != (Count{N: 5}) || mar.NoBid != (Count{Suppressed: true}) {
		t.Errorf("March = %+v", mar)
	}
	all := foldMonths(rows, "", month(2026, 1), month(2026, 1))
	if all[0].Requests != (Count{N: 17}) || all[0].Bids != 29 {
		t.Errorf("every lot in January = %+v, want 17 requests and 29 bids", all[0])
	}
}

// TestQuantile: type-7 quantiles of 0..11 (h = q*11).
func TestQuantile(t *testing.T) {
	v := []float64{11, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	for _, tc := range []struct{ q, want float64 }{{0, 0}, {0.1, 1.1}, {0.5, 5.5}, {0.9, 9.9}, {1, 11}} {
		if got := quantile(v, tc.q); math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("quantile(%v) = %v, want %v", tc.q, got, tc.want)
		}
	}
}

// TestProject: 2024 has 10 requests every month, 2025 has 10, 11, ... 21. The method's
// past errors are 2025's months less 2024's: 0 to 11, whose 10th and 90th percentiles
// are 1.1 and 9.9. January 2026 is forecast as mean(10, 10) = 10 in [11.1, 19.9];
// March as mean(10, 12) = 11 in [12.1, 20.9].
func TestProject(t *testing.T) {
	var rows []demandRow
	for i := range 12 {
		rows = append(rows, demandRow{Month: month(2024, time.Month(i+1)), Lot: "a", Requests: 10},
			demandRow{Month: month(2025, time.Month(i+1)), Lot: "a", Requests: int64(10 + i)})
	}
	rows = append(rows, demandRow{Month: month(2026, 1), Lot: "a", Requests: 500}) // this month: not history
	got := project(rows, month(2026, 1))
	if len(got) != 1 || got[0].Lot != "a" || len(got[0].Months) != 12 {
		t.Fatalf("projection = %+v", got)
	}
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-9 }
	for _, tc := range []struct {
		i                int
		point, low, high float64
	}{{0, 10, 11.1, 19.9}, {2, 11, 12.1, 20.9}, {11, 15.5, 16.6, 25.4}} {
		f := got[0].Months[tc.i]
		if f.NoInterval || !near(f.Point, tc.point) || !near(f.Low, tc.low) || !near(f.High, tc.high) {
			t.Errorf("month %d = %+v, want %v in [%v, %v]", tc.i, f, tc.point, tc.low, tc.high)
		}
	}
	short := project(rows[:4], month(2024, 3))
	if len(short) != 1 || !short[0].Months[0].NoInterval {
		t.Errorf("two months of history should give no interval: %+v", short)
	}
}

// TestThinLots: no-bid share and bids per request over the last 12 months, by hand. The
// share is shown only when the requests, those with no bid and those with one are each
// 0 or at least 5 (a's 2 of 10 would name 2 children; b's 4 requests are too few).
func TestThinLots(t *testing.T) {
	rows := []demandRow{
		{Month: month(2025, 6), Lot: "a", Requests: 8, Bids: 16, NoBid: 2},
		{Month: month(2025, 7), Lot: "a", Requests: 2, Bids: 4, NoBid: 0},
		{Month: month(2025, 7), Lot: "b", Requests: 4, Bids: 2, NoBid: 3},
		{Month: month(2024, 7), Lot: "b", Requests: 40, NoBid: 40}, // outside the year
		{Month: month(2025, 8), Lot: "c", Requests: 20, Bids: 30, NoBid: 5},
	}
	got := thinLots(rows, month(2025, 1), month(2026, 1))
	want := []ThinLot{{Lot: "b", Requests: 4, NoBidShare: 75, BidsPerReq: 0.5}, {Lot: "c", Requests: 20, NoBidShare: 25, BidsPerReq: 1.5, ShareShown: true},
		{Lot: "a", Requests: 10, NoBidShare: 20, BidsPerReq: 2}}
	if len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("thin lots = %+v, want %+v", got, want)
	}
}

// TestOccupancy: 12 beds, 3 free: 75% occupied.
func TestOccupancy(t *testing.T) {
	if got := (LotSupply{Beds: 12, BedsFree: 3}).Occupancy(); got != 75 {
		t.Errorf("occupancy = %v, want 75", got)
	}
	if got := (LotSupply{}).Occupancy(); got != 0 {
		t.Errorf("no beds: %v", got)
	}
}

// TestSortReasons: most first by the true count; counts under 5 suppressed; as a group
// (declines, which add up to the months' declines), one hidden count hides the next
// smallest too.
func TestSortReasons(t *testing.T) {
	grouped := sortReasons(map[string]int64{"price": 3, "no_vacancy": 7, "location": 9}, true)
	if fmt.Sprint(grouped) != fmt.Sprint([]Reason{{Reason: "location", N: Count{N: 9}, n: 9}, {Reason: "no_vacancy", N: Count{Suppressed: true, Secondary: true}, n: 7}, {Reason: "price", N: Count{Suppressed: true}, n: 3}}) {
		t.Errorf("grouped reasons = %+v, want location 9, no_vacancy and price hidden", grouped)
	}
	got := sortReasons(map[string]int64{"price": 3, "no_vacancy": 7, "location": 3}, false)
	want := []Reason{{Reason: "no_vacancy", N: Count{N: 7}, n: 7}, {Reason: "location", N: Count{Suppressed: true}, n: 3}, {Reason: "price", N: Count{Suppressed: true}, n: 3}}
	if len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("reasons = %+v, want %+v", got, want)
	}
}
