package marketplace_test

import (
	"context"
	"errors"
	"math"
	"math/rand"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/audit"
	"github.com/hearth-placements/hearth/commissioning/kernel/geo"
	"github.com/hearth-placements/hearth/commissioning/kernel/notify"
	"github.com/hearth-placements/hearth/marketplace"
)

// sqlState is the SQLSTATE of a PostgreSQL error, or "" for none.
func sqlState(err error) string {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code
	}
	return ""
}

// exec runs raw SQL as the application's role, bypassing every Go check.
func (w *world) exec(sql string, args ...any) error {
	_, err := w.db.Pool.Exec(context.Background(), sql, args...)
	return err
}

// secondProvider admits another provider to the residential lot.
func (w *world) secondProvider(t *testing.T, name string) commissioning.Organisation {
	t.Helper()
	p, err := w.fw.CreateProvider(context.Background(), commissioning.ProviderSignUp{Name: name, RegistrationKind: "company", RegistrationNumber: "07654321",
		ContactName: "Jo", ContactEmail: "jo@" + strings.ToLower(name) + ".test", ContactPhone: "0161 496 0001"})
	must(t, err)
	w.admit(t, p.ID, w.residential.ID)
	return p
}

// moveHome puts a home at an exact point.
func (w *world) moveHome(t *testing.T, id int64, at geo.Point) {
	t.Helper()
	must(t, w.exec("UPDATE homes SET lat = $1, lon = $2 WHERE id = $3", at.Lat, at.Lon, id))
}

// north returns the point miles due north of p: along a meridian the haversine
// distance is exactly the arc.
func north(p geo.Point, miles float64) geo.Point {
	return geo.Point{Lat: p.Lat + miles/geo.EarthRadiusMiles*180/math.Pi, Lon: p.Lon}
}

func TestABidNamesOnlyAHomeMatchingFound(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	manchester := w.member(t, "E08000003")
	matched := w.home(t, w.provider.ID, "SC960001", "M20 2AB", []string{"cse_risk"}, 1)
	// Carlisle: about 100 miles from M14, and it cannot meet a CSE risk.
	far := w.home(t, w.provider.ID, "SC960002", "CA1 1AA", nil, 1)
	r, res := w.openRequest(t, manchester)
	if got := res.Invited[w.provider.ID]; len(got) != 1 || got[0] != matched.ID {
		t.Fatalf("matched homes %v, want only %d", got, matched.ID)
	}
	bid := marketplace.BidInput{HomeID: far.ID, EarliestStart: r.StartDate.Format(time.DateOnly), WeeklyFee: 450000, NoticeDays: 28}

	t.Run("ErrRawInsertOfAnUnmatchedHome", func(t *testing.T) {
		err := w.exec(`INSERT INTO bids (request_id, provider_id, home_id, earliest_start, weekly_fee_pence, notice_days)
            VALUES ($1, $2, $3, $4, 450000, 28)`, r.ID, w.provider.ID, far.ID, *r.StartDate)
		if sqlState(err) != "23503" || !strings.Contains(err.Error(), "bids_matched_home") {
			t.Fatalf("the database took a bid on an unmatched home: %v", err)
		}
	})
	t.Run("ErrRawAlternativeWithoutReason", func(t *testing.T) {
		err := w.exec(`INSERT INTO bids (request_id, provider_id, home_id, earliest_start, weekly_fee_pence, notice_days, alternative)
            VALUES ($1, $2, $3, $4, 450000, 28, true)`, r.ID, w.provider.ID, far.ID, *r.StartDate)
		if sqlState(err) != "23514" {
			t.Fatalf("an alternative offer without the rules it fails: %v", err)
		}
	})
	t.Run("ErrUnmatchedHomeWithoutAlternative", func(t *testing.T) {
		_, err := w.mk.SubmitBid(ctx, r.ID, w.provider.ID, bid)
		var fe kernel.FieldErrors
		if !errors.As(err, &fe) || len(fe) != 1 || fe[0].Field != "home_id" {
			t.Fatalf("bid on an unmatched home: %v", err)
		}
		for _, want := range []string{"not matched", "cannot meet: Risk of child sexual exploitation", "miles from the child's home (limit 20)", "alternative"} {
			if !strings.Contains(fe[0].Message, want) {
				t.Errorf("message %q lacks %q", fe[0].Message, want)
			}
		}
	})
	t.Run("OKMatchedHome", func(t *testing.T) {
		in := bid
		in.HomeID = matched.ID
		b, err := w.mk.SubmitBid(ctx, r.ID, w.provider.ID, in)
		must(t, err)
		if b.Alternative || len(b.AlternativeRules) != 0 {
			t.Fatalf("an ordinary bid marked alternative: %+v", b)
		}
		// Revising it to an unmatched home behind Go's back is refused too.
		if err := w.exec("UPDATE bids SET home_id = $1 WHERE id = $2", far.ID, b.ID); sqlState(err) != "23503" {
			t.Fatalf("raw revision to an unmatched home: %v", err)
		}
	})
	t.Run("OKAlternativeOffer", func(t *testing.T) {
		in := bid
		in.Alternative = true
		b, err := w.mk.SubmitBid(ctx, r.ID, w.provider.ID, in)
		must(t, err)
		if !b.Alternative || strings.Join(b.AlternativeRules, ",") != "needs,distance" || !strings.Contains(b.AlternativeDetail, "cannot meet") {
			t.Fatalf("alternative offer %+v", b)
		}
	})
	// The commissioner sees the failed rules beside the bid, and so does the approver.
	w.closeNow(t, r.ID)
	ev, err := w.mk.Evaluate(ctx, r.ID, manchester.ID)
	must(t, err)
	if len(ev.Bids) != 1 || !ev.Bids[0].Bid.Alternative || !strings.HasPrefix(marketplace.AlternativeLabel(ev.Bids[0].Bid.AlternativeDetail), "Alternative offer: it cannot meet") {
		t.Fatalf("evaluation %+v", ev.Bids)
	}
	p, err := w.mk.Award(ctx, r.ID, manchester.ID, ev.Bids[0].Bid.ID, 0)
	must(t, err)
	pending, _, err := w.mk.AwaitingApproval(ctx, manchester.ID, kernel.Page{Limit: 10})
	must(t, err)
	if p.Status != "awaiting_approval" || len(pending) != 1 || !strings.Contains(pending[0].Alternative, "miles from the child's home") {
		t.Fatalf("approver's view %+v", pending)
	}
}

func TestCancelARequestBeforeAward(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	w.mk = w.mk.WithMail(notify.NewOutbox(w.db.Gorm, false), "https://hearth.test")
	manchester := w.member(t, "E08000003")
	other := w.secondProvider(t, "Moorland")
	w.user(t, w.provider, kernel.RoleProviderAdmin, "admin@bw.test")
	w.user(t, other, kernel.RoleProviderUser, "staff@moorland.test")
	w.home(t, w.provider.ID, "SC970001", "M20 2AB", []string{"cse_risk"}, 1)
	w.home(t, other.ID, "SC970002", "M19 1AA", []string{"cse_risk"}, 1)
	r, res := w.openRequest(t, manchester)
	if len(res.Invited) != 2 {
		t.Fatalf("invited %v", res.Invited)
	}
	tests := []struct {
		name    string
		council int64
		reason  string
		want    error
	}{
		{"ErrReasonRequired", manchester.ID, "  ", kernel.ErrInvalid},
		{"ErrReasonTooLong", manchester.ID, strings.Repeat("é", marketplace.MaxCancelReason+1), kernel.ErrInvalid},
		{"ErrAnotherCouncil", w.member(t, "E08000006").ID, "Not ours", kernel.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := w.mk.CancelRequest(ctx, r.ID, tt.council, 0, tt.reason); !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
		})
	}
	t.Run("ErrRawCancelWithoutReason", func(t *testing.T) {
		if err := w.exec("UPDATE placement_requests SET status = 'cancelled' WHERE id = $1", r.ID); sqlState(err) != "23514" {
			t.Fatalf("cancelled without a reason: %v", err)
		}
	})
	got, err := w.mk.CancelRequest(ctx, r.ID, manchester.ID, 0, "The child is going home to family")
	must(t, err)
	if got.Status != "cancelled" || got.CancelReason == nil || got.CancelledAt == nil {
		t.Fatalf("cancelled request %+v", got)
	}
	// Every invited provider is told, in its inbox and by email.
	for _, p := range []commissioning.Organisation{w.provider, other} {
		if ns := w.notices(t, p.ID, "request_cancelled"); len(ns) != 1 || !strings.Contains(ns[0].Body, "going home to family") {
			t.Fatalf("notices to %s: %+v", p.Name, ns)
		}
	}
	for _, to := range []string{"admin@bw.test", "staff@moorland.test"} {
		if es := afterInvitation(w.emailsTo(t, to)); len(es) != 1 || !strings.Contains(es[0].Subject, "cancelled") {
			t.Fatalf("emails to %s: %+v", to, es)
		}
	}
	if _, n, _ := audit.New(w.db.Gorm).List(ctx, audit.AllEntries, audit.Filter{Action: "request.cancel"}, 0, 1); n != 1 {
		t.Fatal("the cancel is not audited")
	}
	inv, err := w.mk.InvitationFor(ctx, r.ID, other.ID)
	must(t, err)
	if inv.Status != "cancelled" || inv.CancelReason == nil {
		t.Fatalf("provider's view %+v", inv)
	}
	// Nothing moves a cancelled request on: not a bid, an award, a second cancel, nor
	// raw SQL.
	homes, err := w.mk.BidHomes(ctx, r.ID, other.ID)
	must(t, err)
	if _, err := w.mk.SubmitBid(ctx, r.ID, other.ID, marketplace.BidInput{HomeID: homes[0].HomeID, EarliestStart: r.StartDate.Format(time.DateOnly), WeeklyFee: 450000, NoticeDays: 28}); !errors.Is(err, marketplace.ErrBiddingClosed) {
		t.Fatalf("bid on a cancelled request: %v", err)
	}
	if _, err := w.mk.CancelRequest(ctx, r.ID, manchester.ID, 0, "Again"); !errors.Is(err, marketplace.ErrRequestCancelled) {
		t.Fatalf("second cancel: %v", err)
	}
	for _, status := range []string{"open", "closed", "awarded"} {
		if err := w.exec("UPDATE placement_requests SET status = $1 WHERE id = $2", status, r.ID); sqlState(err) != "HB011" {
			t.Fatalf("raw move of a cancelled request to %s: %v", status, err)
		}
	}
}

// TestCancelAndAwardAtOnceOneWins: a council's commissioner cancels while another
// awards; exactly one of them wins, whichever comes first, and the loser is told why.
func TestCancelAndAwardAtOnceOneWins(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	manchester := w.member(t, "E08000003")
	home := w.home(t, w.provider.ID, "SC980001", "M20 2AB", []string{"cse_risk"}, 4)
	for round := 0; round < 4; round++ {
		r, _ := w.openRequest(t, manchester)
		b, err := w.mk.SubmitBid(ctx, r.ID, w.provider.ID, marketplace.BidInput{HomeID: home.ID, EarliestStart: r.StartDate.Format(time.DateOnly), WeeklyFee: 450000, NoticeDays: 28})
		must(t, err)
		w.closeNow(t, r.ID)
		var wg sync.WaitGroup
		var awardErr, cancelErr error
		start := make(chan struct{})
		wg.Add(2)
		go func() {
			defer wg.Done()
			<-start
			_, awardErr = w.mk.Award(ctx, r.ID, manchester.ID, b.ID, 0)
		}()
		go func() {
			defer wg.Done()
			<-start
			_, cancelErr = w.mk.CancelRequest(ctx, r.ID, manchester.ID, 0, "Found a family placement")
		}()
		close(start)
		wg.Wait()
		var status string
		must(t, w.db.Gorm.Raw("SELECT status FROM placement_requests WHERE id = ?", r.ID).Scan(&status).Error)
		var placements int64
		must(t, w.db.Gorm.Table("placements").Where("request_id = ?", r.ID).Count(&placements).Error)
		switch {
		case awardErr == nil && errors.Is(cancelErr, marketplace.ErrNotCancellable):
			if status != "awarded" || placements != 1 {
				t.Fatalf("round %d: award won, but status %s, %d placements", round, status, placements)
			}
		case cancelErr == nil && errors.Is(awardErr, marketplace.ErrRequestCancelled):
			if status != "cancelled" || placements != 0 {
				t.Fatalf("round %d: cancel won, but status %s, %d placements", round, status, placements)
			}
		default:
			t.Fatalf("round %d: award %v, cancel %v: want exactly one to win", round, awardErr, cancelErr)
		}
	}
}

// TestHearthMilesInSQLIsGeoMiles: Hearth's one distance, written in Go and in SQL,
// agrees to 1e-9 mile on points across Britain and the world.
func TestHearthMilesInSQLIsGeoMiles(t *testing.T) {
	w := newWorld(t)
	rng := rand.New(rand.NewSource(11))
	const n = 2000
	lat1, lon1, lat2, lon2 := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	for i := range n {
		if i%2 == 0 { // England and Wales
			lat1[i], lon1[i], lat2[i], lon2[i] = 50+rng.Float64()*6, -6+rng.Float64()*8, 50+rng.Float64()*6, -6+rng.Float64()*8
		} else { // anywhere, antipodes included
			lat1[i], lon1[i], lat2[i], lon2[i] = rng.Float64()*180-90, rng.Float64()*360-180, rng.Float64()*180-90, rng.Float64()*360-180
		}
	}
	lat2[0], lon2[0] = lat1[0], lon1[0] // the same point
	var got []float64
	must(t, w.db.Gorm.Raw(`SELECT hearth_miles(a, b, c, d) FROM unnest(CAST(? AS float8[]), CAST(? AS float8[]), CAST(? AS float8[]), CAST(? AS float8[]))
        WITH ORDINALITY AS x(a, b, c, d, i) ORDER BY i`, floats(lat1), floats(lon1), floats(lat2), floats(lon2)).Scan(&got).Error)
	if len(got) != n {
		t.Fatalf("%d distances from SQL", len(got))
	}
	for i := range n {
		want := geo.Miles(geo.Point{Lat: lat1[i], Lon: lon1[i]}, geo.Point{Lat: lat2[i], Lon: lon2[i]})
		if math.Abs(got[i]-want) > 1e-9 {
			t.Errorf("(%g, %g)–(%g, %g): SQL %.12f, Go %.12f", lat1[i], lon1[i], lat2[i], lon2[i], got[i], want)
		}
	}
}

// floats is a PostgreSQL array literal of float8s, exact to the last bit.
func floats(xs []float64) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = strconv.FormatFloat(x, 'g', -1, 64)
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// TestBoardMatchingAndApprovalAgreeAt20Miles: homes 19.99 and 20.01 miles from the
// child's home are on the same side of the line for the vacancy board, for matching and
// for the approval rule (a Hearth rule: more than 20 miles needs an approver).
func TestBoardMatchingAndApprovalAgreeAt20Miles(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	manchester := w.member(t, "E08000003")
	m14, err := geo.LookupOutcode("M14")
	must(t, err)
	inside := w.home(t, w.provider.ID, "SC990001", "M20 2AB", []string{"cse_risk"}, 1)
	outside := w.home(t, w.provider.ID, "SC990002", "M20 2AB", []string{"cse_risk"}, 1)
	w.moveHome(t, inside.ID, north(m14.Centroid, 19.99))
	w.moveHome(t, outside.ID, north(m14.Centroid, 20.01))

	board, _, err := w.mk.Board(ctx, marketplace.BoardQuery{ConsortiumID: w.consortium.ID, Near: &m14.Centroid, WithinMiles: 20, Sort: "distance"})
	must(t, err)
	if got := ids(board); len(got) != 1 || got[0] != inside.ID {
		t.Fatalf("board within 20 miles: %v, want only %d", got, inside.ID)
	}
	if m := *board[0].Miles; math.Abs(m-19.99) > 1e-9 {
		t.Fatalf("board's distance %.12f, want 19.99", m)
	}

	r, res := w.openRequest(t, manchester) // within 20 miles of M14
	if got := res.Invited[w.provider.ID]; len(got) != 1 || got[0] != inside.ID {
		t.Fatalf("matched homes %v, want only %d", got, inside.ID)
	}

	// The approval rule: the home 20.01 miles away needs an approver, the other not.
	b, err := w.mk.SubmitBid(ctx, r.ID, w.provider.ID, marketplace.BidInput{HomeID: outside.ID, EarliestStart: r.StartDate.Format(time.DateOnly), WeeklyFee: 450000, NoticeDays: 28, Alternative: true})
	must(t, err)
	if strings.Join(b.AlternativeRules, ",") != "distance" {
		t.Fatalf("the 20.01-mile home fails %v", b.AlternativeRules)
	}
	w.closeNow(t, r.ID)
	p, err := w.mk.Award(ctx, r.ID, manchester.ID, b.ID, 0)
	must(t, err)
	if p.Status != "awaiting_approval" || strings.Join(p.ApprovalReasons, ",") != marketplace.RuleConsortiumMiles {
		t.Fatalf("award 20.01 miles away: %s %v", p.Status, p.ApprovalReasons)
	}
	policy := 20.0
	if got := marketplace.ApprovalReasons(geo.Miles(m14.Centroid, north(m14.Centroid, 19.99)), &policy, "E08000003", "E08000003", geo.Adjacency{}, 1, 2); len(got) != 0 {
		t.Fatalf("19.99 miles needs approval: %v", got)
	}
}

// TestDistanceScoreUsesExactMiles: a home 19.96 miles away scores 0.2 for distance
// within 20 miles; rounded to 20.0 miles first it scored 0.
func TestDistanceScoreUsesExactMiles(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	manchester := w.member(t, "E08000003")
	m14, err := geo.LookupOutcode("M14")
	must(t, err)
	home := w.home(t, w.provider.ID, "SC990101", "M20 2AB", []string{"cse_risk"}, 1)
	w.moveHome(t, home.ID, north(m14.Centroid, 19.96))
	r, _ := w.openRequest(t, manchester)
	_, err = w.mk.SubmitBid(ctx, r.ID, w.provider.ID, marketplace.BidInput{HomeID: home.ID, EarliestStart: r.StartDate.Format(time.DateOnly), WeeklyFee: 450000, NoticeDays: 28})
	must(t, err)
	w.closeNow(t, r.ID)
	ev, err := w.mk.Evaluate(ctx, r.ID, manchester.ID)
	must(t, err)
	if len(ev.Bids) != 1 || ev.Bids[0].Distance != 0.2 || math.Abs(ev.Bids[0].Miles-19.96) > 1e-9 {
		t.Fatalf("distance score %v for %.12f miles, want 0.2", ev.Bids[0].Distance, ev.Bids[0].Miles)
	}
}

// TestAnEarlyArrivalMovesTheStartAndTheFee: a provider confirming an arrival before the
// agreed start does not slip through: the start and the first fee move to the arrival,
// the audit log keeps both dates and the placing council is told. The database refuses
// a start before the start date.
func TestAnEarlyArrivalMovesTheStartAndTheFee(t *testing.T) {
	ctx := context.Background()
	pl := newPlacement(t)
	w := pl.w
	today := time.Now().UTC().Truncate(24 * time.Hour)
	agreed := pl.p.StartDate
	if !agreed.After(today) {
		t.Fatalf("the agreed start %s is not in the future", agreed)
	}
	t.Run("ErrRawStartBeforeTheStartDate", func(t *testing.T) {
		err := w.exec("UPDATE placements SET status = 'started', started_on = start_date - 1 WHERE id = $1", pl.p.ID)
		if sqlState(err) != "23514" || !strings.Contains(err.Error(), "starts_on_or_after_agreed_start") {
			t.Fatalf("started before the start date: %v", err)
		}
	})
	p, err := w.mk.ConfirmStart(ctx, pl.p.ID, w.provider.ID, 0, today)
	must(t, err)
	if !p.StartDate.Equal(today) || p.StartedOn == nil || !p.StartedOn.Equal(today) {
		t.Fatalf("start date %s, started %v; want both %s", p.StartDate, p.StartedOn, today)
	}
	v, err := w.mk.PlacementFor(ctx, p.ID, pl.council())
	must(t, err)
	if len(v.Fees) != 1 || !v.Fees[0].EffectiveFrom.Equal(today) {
		t.Fatalf("fees %+v, want the first from %s", v.Fees, today)
	}
	if ns := w.notices(t, pl.manchester.ID, "start_moved"); len(ns) != 1 || !strings.Contains(ns[0].Body, agreed.Format("2 January 2006")) {
		t.Fatalf("the placing council's notices: %+v", ns)
	}
	entries, _, err := audit.New(w.db.Gorm).List(ctx, audit.AllEntries, audit.Filter{Action: "placement.start"}, 0, 1)
	must(t, err)
	if len(entries) != 1 || !strings.Contains(string(entries[0].Detail), `"start_moved": true`) && !strings.Contains(string(entries[0].Detail), `"start_moved":true`) {
		t.Fatalf("audit %+v", entries)
	}
}
