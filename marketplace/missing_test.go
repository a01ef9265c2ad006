package marketplace_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/audit"
	"github.com/hearth-placements/hearth/marketplace"
)

// episodeWorld is a started placement (a Manchester child in a Salford home) with one
// missing episode: open, or ended when ended is set.
type episodeWorld struct {
	placed
	ep marketplace.Incident
}

// sinceMidnight is d ago, or just after midnight UTC when that is earlier: an episode
// never begins before the placement's first day (today).
func sinceMidnight(d time.Duration) time.Time {
	at, midnight := time.Now().Add(-d), time.Now().UTC().Truncate(24*time.Hour)
	if at.Before(midnight) {
		return midnight.Add(time.Second)
	}
	return at
}

func newEpisode(t *testing.T, ended bool) episodeWorld {
	t.Helper()
	ctx := context.Background()
	pl := newPlacement(t)
	_, err := pl.w.mk.ConfirmStart(ctx, pl.p.ID, pl.w.provider.ID, 0, time.Now().UTC().Truncate(24*time.Hour))
	must(t, err)
	began := sinceMidnight(time.Hour)
	in, err := pl.w.mk.ReportIncident(ctx, pl.p.ID, pl.w.provider.ID, 0, marketplace.IncidentReport{Kind: "missing", StartedAt: began, PoliceRef: "GMP-1", PoliceRisk: "medium"})
	must(t, err)
	if in.RHIResponsible != "host" {
		t.Fatalf("a child placed out of area: the host council is responsible by default, not %q", in.RHIResponsible)
	}
	if ended {
		in, err = pl.w.mk.EndIncident(ctx, pl.p.ID, in.ID, pl.w.provider.ID, 0, marketplace.IncidentEnd{EndedAt: began.Add(time.Since(began) / 2), EndedHow: "found", FoundArea: "E08000003"})
		must(t, err)
	}
	return episodeWorld{placed: pl, ep: in}
}

func TestTheDatabaseRefusesAnEpisodeThatDoesNotAddUp(t *testing.T) {
	for _, tc := range []struct {
		name  string
		ended bool
		sql   string // $1 is the episode, $2 the provider
	}{
		{"ReturnBeforeStart", true, "UPDATE placement_incidents SET ended_at = started_at - interval '1 minute' WHERE id = $1"},
		{"InterviewOfferedWhileOpen", false, "UPDATE placement_incidents SET rhi_offered_at = now() WHERE id = $1"},
		{"InterviewAnsweredWhileOpen", false, "UPDATE placement_incidents SET rhi_accepted = false WHERE id = $1"},
		{"FoundWhileOpen", false, "UPDATE placement_incidents SET ended_how = 'found' WHERE id = $1"},
		{"WhereFoundWhileOpen", false, "UPDATE placement_incidents SET found_area = 'E08000003' WHERE id = $1"},
		{"DoneBeforeReturn", true, "UPDATE placement_incidents SET rhi_offered_at = ended_at, rhi_accepted = true, rhi_done_at = ended_at - interval '1 minute', rhi_done_by = (SELECT council_id FROM placements WHERE id = placement_id), rhi_interviewer = 'Advocate' WHERE id = $1"},
		{"DoneWithoutAccepted", true, "UPDATE placement_incidents SET rhi_offered_at = ended_at, rhi_done_at = ended_at, rhi_done_by = (SELECT council_id FROM placements WHERE id = placement_id), rhi_interviewer = 'Advocate' WHERE id = $1"},
		{"DoneByTheProvider", true, "UPDATE placement_incidents SET rhi_offered_at = ended_at, rhi_accepted = true, rhi_done_at = ended_at, rhi_done_by = $2, rhi_interviewer = 'Advocate' WHERE id = $1"},
		{"LongPoliceReference", false, "UPDATE placement_incidents SET police_ref = repeat('x', 41) WHERE id = $1"},
		{"UnknownRiskGrade", false, "UPDATE placement_incidents SET police_risk = 'severe' WHERE id = $1"},
		{"AnAddressForTheArea", true, "UPDATE placement_incidents SET found_area = '1 High Street' WHERE id = $1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEpisode(t, tc.ended) // each case on its own database
			if err := e.w.exec(tc.sql, e.ep.ID, e.w.provider.ID); err == nil {
				t.Fatalf("%s: the database accepted it", tc.name)
			}
		})
	}
	t.Run("DoneByTheHostCouncil", func(t *testing.T) {
		e := newEpisode(t, true)
		must(t, e.w.exec("UPDATE placement_incidents SET rhi_offered_at = ended_at, rhi_accepted = true, rhi_done_at = ended_at, rhi_done_by = $2, rhi_interviewer = 'Advocate' WHERE id = $1", e.ep.ID, e.salford.ID))
	})
}

func TestRecordingTheInterview(t *testing.T) {
	ctx := context.Background()
	yes, no := true, false
	for _, tc := range []struct {
		name    string
		ended   bool
		viewer  func(placed) marketplace.Viewer
		in      func(now time.Time) marketplace.RHIInput
		want    error  // a kind, or nil
		field   string // the field error expected
		doneBy  func(placed) int64
		checkFn func(t *testing.T, in marketplace.Incident)
	}{
		{name: "OK", ended: true, viewer: placed.host, in: func(now time.Time) marketplace.RHIInput {
			return marketplace.RHIInput{Version: 2, OfferedAt: &now, Accepted: &yes, DoneAt: &now, Interviewer: "Independent advocate"}
		}, doneBy: func(pl placed) int64 { return pl.salford.ID }},
		{name: "Declined", ended: true, viewer: placed.council, in: func(now time.Time) marketplace.RHIInput {
			return marketplace.RHIInput{Version: 2, OfferedAt: &now, Accepted: &no, DeclinedReason: "Did not want to talk"}
		}},
		{name: "ErrOpen", ended: false, viewer: placed.host, in: func(now time.Time) marketplace.RHIInput {
			return marketplace.RHIInput{Version: 1, OfferedAt: &now}
		}, want: kernel.ErrConflict},
		{name: "ErrProvider", ended: true, viewer: placed.provider, in: func(now time.Time) marketplace.RHIInput {
			return marketplace.RHIInput{Version: 2, OfferedAt: &now}
		}, want: kernel.ErrNotFound},
		{name: "ErrDoneNotAccepted", ended: true, viewer: placed.host, in: func(now time.Time) marketplace.RHIInput {
			return marketplace.RHIInput{Version: 2, OfferedAt: &now, DoneAt: &now, Interviewer: "Advocate"}
		}, want: kernel.ErrInvalid, field: "accepted"},
		{name: "ErrDoneBeforeReturn", ended: true, viewer: placed.host, in: func(now time.Time) marketplace.RHIInput {
			before := now.Add(-3 * time.Hour)
			return marketplace.RHIInput{Version: 2, OfferedAt: &now, Accepted: &yes, DoneAt: &before, Interviewer: "Advocate"}
		}, want: kernel.ErrInvalid, field: "done_at"},
		{name: "ErrStaleVersion", ended: true, viewer: placed.host, in: func(now time.Time) marketplace.RHIInput {
			return marketplace.RHIInput{Version: 1, OfferedAt: &now}
		}, want: kernel.ErrConflict},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEpisode(t, tc.ended)
			got, err := e.w.mk.RecordInterview(ctx, e.ep.ID, tc.viewer(e.placed), tc.in(time.Now()))
			switch {
			case tc.want == nil && err != nil:
				t.Fatalf("record: %v", err)
			case tc.want != nil && !errors.Is(err, tc.want):
				t.Fatalf("record: %v, want %v", err, tc.want)
			case tc.field != "":
				var fe kernel.FieldErrors
				if !errors.As(err, &fe) || !fe.Has(tc.field) {
					t.Fatalf("record: %v, want an error on %s", err, tc.field)
				}
			}
			if tc.doneBy != nil && (got.RHIDoneBy == nil || *got.RHIDoneBy != tc.doneBy(e.placed)) {
				t.Fatalf("done by %v", got.RHIDoneBy)
			}
			if tc.want == nil && (got.PoliceRef != "GMP-1" || got.PoliceRisk == nil || *got.PoliceRisk != "medium" || got.EndedHow == nil) {
				t.Fatalf("recording the interview dropped other fields: %+v", got)
			}
		})
	}
}

func TestTwoInterviewsRecordedAtOnceOneWins(t *testing.T) {
	ctx := context.Background()
	e := newEpisode(t, true)
	now := time.Now()
	yes := true
	people := []string{"Host advocate", "Placing social worker"}
	viewers := []marketplace.Viewer{e.host(), e.council()}
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i := range people {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = e.w.mk.RecordInterview(ctx, e.ep.ID, viewers[i], marketplace.RHIInput{Version: e.ep.Version, OfferedAt: &now, Accepted: &yes, DoneAt: &now, Interviewer: people[i]})
		}()
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, marketplace.ErrEpisodeChanged):
			t.Fatalf("the loser: %v", err)
		}
	}
	v, err := e.w.mk.Episode(ctx, e.ep.ID, e.council())
	must(t, err)
	if won != 1 || v.Version != e.ep.Version+1 || (v.RHIInterviewer != people[0] && v.RHIInterviewer != people[1]) {
		t.Fatalf("%d won; episode v%d by %q", won, v.Version, v.RHIInterviewer)
	}
	if _, n, _ := audit.New(e.w.db.Gorm).List(ctx, audit.AllEntries, audit.Filter{Action: "missing.interview"}, 0, 10); n != 1 {
		t.Fatalf("%d interviews audited, want 1", n)
	}
}

func TestAmendingAnEpisodeKeepsWhatItLeavesOut(t *testing.T) {
	ctx := context.Background()
	e := newEpisode(t, true)
	ref, grade, how := "GMP-2026-77", "high", "returned"
	got, err := e.w.mk.AmendEpisode(ctx, e.ep.ID, e.council(), marketplace.EpisodeAmend{Version: e.ep.Version, PoliceRef: &ref})
	must(t, err)
	if got.PoliceRef != ref || got.PoliceRisk == nil || *got.PoliceRisk != "medium" || got.FoundArea == nil || *got.FoundArea != "E08000003" {
		t.Fatalf("after the council's amendment: %+v", got)
	}
	var fe kernel.FieldErrors
	if _, err := e.w.mk.AmendEpisode(ctx, e.ep.ID, e.host(), marketplace.EpisodeAmend{Version: got.Version, EndedHow: &how}); !errors.As(err, &fe) || !fe.Has("ended_how") {
		t.Fatalf("the host council says how it ended: %v", err)
	}
	got, err = e.w.mk.AmendEpisode(ctx, e.ep.ID, e.host(), marketplace.EpisodeAmend{Version: got.Version, PoliceRisk: &grade})
	must(t, err)
	got, err = e.w.mk.AmendEpisode(ctx, e.ep.ID, e.provider(), marketplace.EpisodeAmend{Version: got.Version, EndedHow: &how})
	must(t, err)
	if got.PoliceRef != ref || *got.PoliceRisk != grade || *got.EndedHow != how || *got.FoundArea != "E08000003" {
		t.Fatalf("after three amendments: %+v", got)
	}
	stale := "GMP-OLD"
	if _, err := e.w.mk.AmendEpisode(ctx, e.ep.ID, e.council(), marketplace.EpisodeAmend{Version: 1, PoliceRef: &stale}); !errors.Is(err, marketplace.ErrEpisodeChanged) {
		t.Fatalf("an amendment against an old version: %v", err)
	}
	if _, n, _ := audit.New(e.w.db.Gorm).List(ctx, audit.AllEntries, audit.Filter{Action: "missing.amend"}, 0, 10); n != 3 {
		t.Fatalf("%d amendments audited, want 3", n)
	}
}

func TestEpisodesAreSeenByThePlacingAndHostCouncilsAndTheProviderOnly(t *testing.T) {
	ctx := context.Background()
	e := newEpisode(t, true)
	liverpool := e.w.member(t, "E08000012")
	other := marketplace.Viewer{OrgID: liverpool.ID, Kind: kernel.KindCouncil}
	for name, v := range map[string]marketplace.Viewer{"council": e.council(), "host": e.host(), "host user": {OrgID: e.salford.ID, Kind: kernel.KindCouncil, HostOnly: true}, "provider": e.provider()} {
		rows, n, err := e.w.mk.Episodes(ctx, v, kernel.ListQuery{})
		must(t, err)
		if n != 1 || len(rows) != 1 || rows[0].ID != e.ep.ID {
			t.Fatalf("%s sees %d episodes", name, n)
		}
		if _, err := e.w.mk.Episode(ctx, e.ep.ID, v); err != nil {
			t.Fatalf("%s reads the episode: %v", name, err)
		}
	}
	if rows, n, err := e.w.mk.Episodes(ctx, other, kernel.ListQuery{}); err != nil || n != 0 || len(rows) != 0 {
		t.Fatalf("another council sees %d episodes (%v)", n, err)
	}
	if _, err := e.w.mk.Episode(ctx, e.ep.ID, other); !errors.Is(err, kernel.ErrNotFound) {
		t.Fatalf("another council reads the episode: %v", err)
	}
	// Filters: by area, home, state.
	for _, tc := range []struct {
		filters map[string][]string
		want    int64
	}{
		{map[string][]string{"area": {"E08000006"}}, 1},
		{map[string][]string{"area": {"E08000003"}}, 0},
		{map[string][]string{"state": {"due"}}, 1},
		{map[string][]string{"state": {"open", "overdue"}}, 0},
		{map[string][]string{"child": {"NOBODY"}}, 0},
	} {
		_, n, err := e.w.mk.Episodes(ctx, e.council(), kernel.ListQuery{Filters: tc.filters})
		must(t, err)
		if n != tc.want {
			t.Fatalf("filter %v: %d episodes, want %d", tc.filters, n, tc.want)
		}
	}
	var fe kernel.FieldErrors
	if _, _, err := e.w.mk.Episodes(ctx, e.council(), kernel.ListQuery{Filters: map[string][]string{"area": {"nowhere"}}}); !errors.As(err, &fe) || !fe.Has("area") {
		t.Fatalf("a bad area: %v", err)
	}
}

func TestTheInterviewReminderIsSentOnce(t *testing.T) {
	ctx := context.Background()
	e := newEpisode(t, true)
	// 50 hours after the return: the 72-hour window closes within the next day.
	later := e.ep.EndedAt.Add(50 * time.Hour)
	e.w.mk.Now = func() time.Time { return later }
	n, err := e.w.mk.RemindInterviews(ctx)
	must(t, err)
	again, err := e.w.mk.RemindInterviews(ctx)
	must(t, err)
	if n != 1 || again != 0 {
		t.Fatalf("reminded %d then %d, want 1 then 0", n, again)
	}
	mail := e.w.emailsTo(t, "host@salford.test")
	reminders := 0
	for _, m := range mail {
		if strings.HasPrefix(m.Subject, "Return-home interview due") {
			reminders++
		}
	}
	if reminders != 1 || len(e.w.emailsTo(t, "placing@manchester.test")) == 0 {
		t.Fatalf("%d reminders to the host council (responsible), want 1", reminders)
	}
	v, err := e.w.mk.Episode(ctx, e.ep.ID, e.host())
	must(t, err)
	if v.RHIRemindedAt == nil || v.RHIState(later) != "due" || v.RHIState(later.Add(23*time.Hour)) != "overdue" {
		t.Fatalf("after the reminder: %+v, state %s", v.RHIRemindedAt, v.RHIState(later))
	}
}

func TestReportingAnEpisodeChecksTheReturnDetails(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		in    marketplace.IncidentReport
		field string
	}{
		{"ErrFoundWhileOpen", marketplace.IncidentReport{Kind: "missing", EndedHow: "found"}, "ended_how"},
		{"ErrAreaWhileOpen", marketplace.IncidentReport{Kind: "missing", FoundArea: "E08000003"}, "found_area"},
		{"ErrNotACouncil", marketplace.IncidentReport{Kind: "absent", FoundArea: "M14 5AB"}, "found_area"},
		{"ErrRiskGrade", marketplace.IncidentReport{Kind: "missing", PoliceRisk: "severe"}, "police_risk"},
		{"ErrLongPoliceRef", marketplace.IncidentReport{Kind: "missing", PoliceRef: strings.Repeat("x", 41)}, "police_ref"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEpisode(t, false) // a started placement, on its own database
			tc.in.StartedAt = sinceMidnight(time.Minute)
			var fe kernel.FieldErrors
			if _, err := e.w.mk.ReportIncident(ctx, e.p.ID, e.w.provider.ID, 0, tc.in); !errors.As(err, &fe) || !fe.Has(tc.field) {
				t.Fatalf("report: %v, want an error on %s", err, tc.field)
			}
		})
	}
}
